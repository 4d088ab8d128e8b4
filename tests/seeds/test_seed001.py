"""Seed 001: a WSGI app, a middleware wrapping it, and a server answering curl."""

from __future__ import annotations

import os
import sys

from tests.seeds.serving import WSGI_BASICS, serving
from tests.support import fetch, free_port, running

SCRIPT = os.path.join(WSGI_BASICS, "vietstack_wsgi.py")

EXPECTED = """From VietStack: Wellcome the 8th Meetup of VietOpenStack

Have FUN and ENJOY the 8th meetup of VietOpenStack

26/2/2016

VietStack Team
"""


def test_script_answers_like_curl():
    """``python vietstack_wsgi.py --port N`` then a GET, as the seed does with curl."""
    port = free_port()
    with running([sys.executable, SCRIPT, "--port", str(port)], port, cwd=WSGI_BASICS):
        status, headers, body = fetch(port, "GET", "/", headers={"User-Agent": "curl/8"})
    assert status == 200
    assert body == EXPECTED
    assert headers["Content-Length"] == str(len(EXPECTED.encode()))
    assert headers["X-Middleware"] == "FromVietStack"


def test_middleware_is_what_adds_the_sender():
    from vietstack_wsgi import MEETUP_TEXT, FromVietStack, MeetupApp

    with serving(MeetupApp()) as port:
        status, headers, body = fetch(port, "GET", "/")
    assert (status, body) == (200, MEETUP_TEXT)
    assert "X-Middleware" not in headers
    with serving(FromVietStack(MeetupApp())) as port:
        assert fetch(port, "GET", "/anything")[2] == "From VietStack: " + MEETUP_TEXT

"""Seed 004's WSGI test application (``/var/www/pyApps/helloWorld/index.wsgi``), for Python 3.

Answers ``GET /hello.py`` with "WSGI: It works!" and what the process looks
like from inside: pid, parent, user/group, the WSGI environ, the parsed query
string and the Python version. A development aid: it shows the whole environ,
so never install it on a public server.
"""

import os
import pprint
import pwd
import sys
import traceback
import urllib.parse


def describe(environ):
    out = "WSGI: It works!  :-)"
    try:
        out += "\nprocess id:        " + str(os.getpid())
        out += "\nparent process:    " + str(os.getppid())
        out += "\nuser/group:        " + "%s/%s (%s/%s)" % (
            os.getuid(), os.getgid(), os.geteuid(), os.getegid())
        out += "\npwd user:          " + pprint.pformat(pwd.getpwuid(os.getuid()))
        out += "\nWSGI environment:\n" + pprint.pformat(environ, indent=4)
        out += "\nQuery String:\n" + pprint.pformat(
            urllib.parse.parse_qs(environ.get("QUERY_STRING", "")), indent=4)
        out += "\nPython version:    " + pprint.pformat(sys.version)
        out += "\nPython prefix:     " + sys.prefix
    except Exception:  # the page is a diagnostic: show the failure instead of a 500
        out += "\n\n" + traceback.format_exc()
    return out


def application(environ, start_response):
    body = describe(environ).encode("utf-8")
    start_response("200 OK", [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ])
    return [body]

"""The running system, driven by the real OpenStack clients (the judges of its APIs).

One ``python -m cloudapps up`` serves the whole directory (real processes on
loopback, embedded defaults); each client authenticates the way it does
against Nova and Aodh deployed with ``noauth``: novaclient and openstacksdk send
a ``user:project`` token (Nova's ``noauth2`` form), aodhclient its
``aodh-noauth`` plugin's ``X-User-Id``/``X-Project-Id``/``X-Roles``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from tests.cloudapps.system.conftest import Launched, start_launcher, wait_up


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> Iterator[Launched]:
    """The six processes of DESIGN.md, up; stopped (and checked for leftovers) after."""
    launched = start_launcher(str(tmp_path_factory.mktemp("clients") / "state"))
    try:
        wait_up(launched, 150)
        yield launched
    except BaseException:
        launched.kill_all()
        raise
    assert launched.stop() == 0, launched.output()


def cloud_url(system: Launched) -> str:
    return f"http://127.0.0.1:{system.cloud}/v2.1"


def alarms_url(system: Launched) -> str:
    return f"http://127.0.0.1:{system.alarms}"


def nova_session(system: Launched, user: str = "alice", project: str = "demo"
                 ) -> ks_session.Session:
    """A keystoneauth session on the cloud with the noauth2 token ``user:project``."""
    return ks_session.Session(auth=token_endpoint.Token(cloud_url(system), f"{user}:{project}"))

"""Settings every cloudapps process reads from its environment (see DESIGN.md).

One function per setting, read when called, so tests and the launcher can set
the environment before a service starts.
"""

from __future__ import annotations

import os

PORTS = {"cloud": 8774, "deployer": 8080, "alarms": 8042}


def state_dir() -> str:
    path = os.path.abspath(os.environ.get("CLOUDAPPS_STATE_DIR", "var"))
    os.makedirs(path, exist_ok=True)
    return path


def transport_url() -> str:
    return os.environ.get("CLOUDAPPS_TRANSPORT_URL") or (
        f"embedded://{os.path.join(state_dir(), 'notify.sqlite')}"
    )


def db_url(service: str) -> str:
    """The SQLAlchemy URL of ``service``'s database (``cloud``, ``deployer``, ``alarms``)."""
    return os.environ.get(f"CLOUDAPPS_{service.upper()}_DB") or (
        f"sqlite:///{os.path.join(state_dir(), service + '.sqlite')}"
    )


def cloud_url() -> str:
    return os.environ.get("CLOUDAPPS_CLOUD_URL", f"http://127.0.0.1:{PORTS['cloud']}/v2.1")


def alarms_url() -> str:
    return os.environ.get("CLOUDAPPS_ALARMS_URL", f"http://127.0.0.1:{PORTS['alarms']}")


def build_delay() -> float:
    return float(os.environ.get("CLOUDAPPS_BUILD_DELAY", "2.0"))


def fail_rate() -> float:
    return float(os.environ.get("CLOUDAPPS_FAIL_RATE", "0"))


def reconcile_after() -> float:
    """Seconds a busy deployment may go untouched before the reconciler re-reads the cloud
    (``CLOUDAPPS_RECONCILE_AFTER``; 0 turns the reconciler off)."""
    return float(os.environ.get("CLOUDAPPS_RECONCILE_AFTER", "15"))


def alarms_auth_strategy() -> str:
    """The alarm API's authentication: ``noauth`` (default: Aodh's ``auth_mode = noauth``,
    the caller's ``X-User-Id``/``X-Project-Id`` are believed) or ``keystone``
    (``CLOUDAPPS_ALARMS_AUTH_STRATEGY``)."""
    return os.environ.get("CLOUDAPPS_ALARMS_AUTH_STRATEGY", "noauth")

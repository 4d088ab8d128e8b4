"""The alarm service (service B): ``carya serve`` runs its API, ``carya listen`` its evaluator.

    carya serve etc/alarms/config.py [--port 8042]    # /v2/alarms
    carya listen etc/alarms/config.py                 # the evaluator (pool "alarms")

Every setting comes from the environment (DESIGN.md): CLOUDAPPS_STATE_DIR,
CLOUDAPPS_ALARMS_DB, CLOUDAPPS_TRANSPORT_URL.
"""

from cloudapps import settings

server = {"host": "127.0.0.1", "port": str(settings.PORTS["alarms"])}

app = {
    "root": "cloudapps.alarms.api.RootController",
    "modules": ["cloudapps.alarms"],  # cloudapps.alarms.app.setup_app adds the DB hook
    "hooks": [],  # more hooks, after the database one
    "debug": False,
}

logging = {
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {"cloudapps": {"level": "INFO"}},
    "handlers": {"console": {"level": "INFO", "class": "logging.StreamHandler",
                             "formatter": "simple"}},
    "formatters": {"simple": {"format": "%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s"}},
}

notifications = {
    "transport_url": settings.transport_url(),
    "publisher_id": "alarms.evaluator",
    "listeners": {
        "evaluator": {
            "topics": ["notifications"],
            "pool": "alarms",
            "endpoints": ["cloudapps.alarms.evaluator:Evaluator"],
            "max_retries": 5,
        },
    },
}

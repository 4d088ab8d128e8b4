# The deployer (service A): carya serve etc/deployer/config.py   (API + GUI, port 8080)
#                           carya listen etc/deployer/config.py  (the tracker, pool deployer)
# Pecan-style config; values that differ per machine come from the environment
# (cloudapps.settings: CLOUDAPPS_STATE_DIR, _DEPLOYER_DB, _CLOUD_URL, _ALARMS_URL,
# _TRANSPORT_URL), read when this file is loaded.
import socket

from cloudapps import settings

server = {
    "host": "127.0.0.1",
    "port": str(settings.PORTS["deployer"]),
}

app = {
    # setup_app() in cloudapps.deployer.app builds the app (hooks, DB, cloud client)
    # around this root controller.
    "root": "cloudapps.deployer.controllers.RootController",
    "modules": ["cloudapps.deployer"],
    "debug": False,
    # /static/app.js is a file name, not a request for a JavaScript rendering
    "guess_content_type_from_ext": False,
}

deployer = {
    "db_url": settings.db_url("deployer"),
    "alarms_url": settings.alarms_url(),
    # the cloud's compute API, and who the deployer is there (noauth2 headers;
    # add "token": "..." when the cloud runs the keystone strategy)
    "cloud": {"url": settings.cloud_url(), "project": "cloudapps", "user": "deployer",
              "timeout": 10.0, "retries": 3},
}

notifications = {
    "transport_url": settings.transport_url(),
    "driver": "messagingv2",
    "topics": ["notifications"],
    "publisher_id": "deployer." + socket.gethostname(),
    "listeners": {
        "tracker": {
            "topics": ["notifications"],
            "pool": "deployer",
            "endpoints": ["cloudapps.deployer.tracker:Tracker"],
            "max_retries": 3,
        },
    },
}

logging = {
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "cloudapps": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "carya": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
    "handlers": {
        "console": {"level": "DEBUG", "class": "logging.StreamHandler", "formatter": "simple"},
    },
    "formatters": {
        "simple": {"format": "%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s"},
    },
}

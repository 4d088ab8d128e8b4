"""Config of the deployer (the publisher): ``carya serve publisher_config.py``."""

import os

server = {"host": "127.0.0.1", "port": "8080"}

app = {
    "root": None,
    "modules": ["deployer"],
    "db_path": "%(confdir)s/deployer.sqlite3",
    "debug": False,
}

notifications = {
    # unset: the embedded default (a SQLite file per user), nothing to install
    "transport_url": os.environ.get("CARYA_NOTIFY_URL") or None,
    "driver": "messagingv2",
    "topics": [os.environ.get("DEPLOYER_TOPIC", "deployments")],
    "publisher_id": "deployer.api",
}

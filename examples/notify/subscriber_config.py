"""Config of the alarm service (the subscriber): ``carya listen subscriber_config.py``."""

import os

notifications = {
    # the same bus as the deployer: unset means the embedded default for both
    "transport_url": os.environ.get("CARYA_NOTIFY_URL") or None,
    "listeners": {
        "alarms": {
            # run.py --topic/--pool set these (tests run it beside other runs on one broker)
            "topics": [os.environ.get("DEPLOYER_TOPIC", "deployments")],
            "pool": os.environ.get("ALARMS_POOL", "alarming"),
            "endpoints": ["alarms.endpoints:creator", "alarms.endpoints:sender"],
            "max_retries": 3,
        },
    },
}

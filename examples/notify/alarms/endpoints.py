"""The alarm service's endpoints (run by ``carya listen subscriber_config.py``).

* ``creator`` makes an alarm for each new deployment (``deployment.created``);
* ``sender`` sends an alarm for each failed request (``*.error``).

Each alarm is a JSON line in ``$ALARMS_FILE`` (default ``alarms.jsonl`` beside
this package) and a log line. Both endpoints are de-duplicated on the
message id, so a redelivered notification raises one alarm, not two.
"""

from __future__ import annotations

import json
import logging
import os
import threading

from carya.notify import Deduplicator, NotificationFilter, deduplicated

LOG = logging.getLogger("alarms")
_lock = threading.Lock()
_seen = Deduplicator(capacity=100_000)


def _record(kind: str, **fields) -> None:
    path = os.environ.get("ALARMS_FILE") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "alarms.jsonl")
    line = json.dumps({"alarm": kind, **fields}, sort_keys=True)
    with _lock, open(path, "a") as fh:
        fh.write(line + "\n")
    LOG.info("alarm %s", line)


class AlarmCreator:
    filter_rule = NotificationFilter(event_type=r"^deployment\.created$")

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        _record("created", deployment=payload["id"], app=payload["app"],
                publisher=publisher_id, message_id=metadata["message_id"])


class AlarmSender:
    filter_rule = NotificationFilter(event_type=r".*\.error$")

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        _record("sent", event=event_type, error=payload.get("error"),
                request_id=payload.get("request_id"), message_id=metadata["message_id"])


creator = deduplicated(AlarmCreator(), _seen)
sender = deduplicated(AlarmSender(), _seen)

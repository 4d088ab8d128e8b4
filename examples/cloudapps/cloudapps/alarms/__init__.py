"""Service B, the alarm service (Aodh-style event alarms; DESIGN.md, "Alarms").

* :mod:`.db` - tables, :func:`~.db.migrate`, engines (SQLite or PostgreSQL);
* :mod:`.rules` - does a notification match an alarm's event rule;
* :mod:`.store` - alarms, history and the action outbox, in the caller's transaction;
* :mod:`.api` + :mod:`.app` - ``/v2/alarms`` (RestController, hooks, validation);
* :mod:`.evaluator` - the ``carya listen`` endpoint that moves alarm states;
* :mod:`.actions` - webhook and log actions, delivered from the outbox.
"""

"""The cloud: a Nova-style compute API on carya.api, and its compute worker.

- :mod:`.api`: servers, flavors, images (controllers, microversions, the app);
- :mod:`.schemas`, :mod:`.policies`: request bodies and policy rules;
- :mod:`.db`: tables and migrations (SQLite or PostgreSQL);
- :mod:`.events`: notification payloads and the outbox that sends them;
- :mod:`.compute`: the emulated hypervisor (``python -m cloudapps.cloud.compute``);
- :mod:`.wsgi`: Paste Deploy factories for ``etc/cloud/api-paste.ini``.
"""

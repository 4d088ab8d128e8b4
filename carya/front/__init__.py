"""The embedded server's front: reads whole requests, under deadlines, before a thread runs them.

- :mod:`~carya.front.http11`: a strict HTTP/1.1 request reader (no smuggling).
- :mod:`~carya.front.settings`: timeouts and limits (``config.py``'s ``server`` section).
- :mod:`~carya.front.worker`: the gunicorn worker with the event loop that reads requests.
- :mod:`~carya.front.pool`: the threads that run the application, and the request deadline.
- :mod:`~carya.front.wsgi`: one request through the application, its response on the wire.
"""

"""Over-HTTP benchmarks: the same apps behind real servers, driven by ``wrk`` on loopback.

``python -m benchmarks.http`` compares raw WSGI, Falcon, Pecan and carya under
the embedded server, gunicorn and Apache mod_wsgi (``mod_wsgi-express``);
``python -m benchmarks.http.servers`` compares candidate embedded servers on the
seed-003 catalog app (how carya's default server was chosen).
See ``benchmarks/http/README.md``.
"""

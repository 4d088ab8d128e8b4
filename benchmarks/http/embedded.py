"""Serve one benchmark app on an in-process server: ``python -m benchmarks.http.embedded``.

``--server carya`` is whatever :func:`carya.server.serve` uses by default (what
a user of ``carya serve`` gets), ``carya-gthread`` the same with gunicorn's own
gthread worker instead of carya's front (the server before issue 14);
``carya-direct`` carya's front with ``coalesce_bytes=0`` (every thread writes
its own response, as before the loop took small ones under load);
``waitress`` and ``cheroot`` are candidates run directly so they can be
compared with it. Every server stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys

from benchmarks.http.entry import APPS, build


def serve_carya(app, port: int, threads: int, workers: int) -> None:
    from carya.server import serve

    options = {"workers": workers} if workers else {}
    serve(app, host="127.0.0.1", port=port, threads=threads, **options)


def serve_carya_direct(app, port: int, threads: int, workers: int) -> None:
    """carya serve with every response written by its own thread (``coalesce_bytes=0``)."""
    from carya.server import serve

    options = {"workers": workers} if workers else {}
    serve(app, host="127.0.0.1", port=port, threads=threads, coalesce_bytes=0, **options)


def serve_carya_gthread(app, port: int, threads: int, workers: int) -> None:
    """carya serve before its front (issue 14): gunicorn's own gthread worker."""
    from carya.server import serve

    options = {"workers": workers} if workers else {}
    serve(app, host="127.0.0.1", port=port, threads=threads, worker_class="gthread", **options)


def serve_waitress(app, port: int, threads: int, workers: int) -> None:
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=port, threads=threads, ident="bench")

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    finally:
        server.close()


def serve_cheroot(app, port: int, threads: int, workers: int) -> None:
    from cheroot.wsgi import Server

    server = Server(("127.0.0.1", port), app, numthreads=threads)
    signal.signal(signal.SIGTERM, lambda signum, frame: server.stop())
    server.safe_start()


SERVERS = {"carya": serve_carya, "carya-direct": serve_carya_direct,
           "carya-gthread": serve_carya_gthread,
           "waitress": serve_waitress, "cheroot": serve_cheroot}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http.embedded")
    parser.add_argument("--server", choices=sorted(SERVERS), default="carya")
    parser.add_argument("--app", choices=APPS, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="carya server only (0: its default)")
    args = parser.parse_args(argv)
    SERVERS[args.server](build(args.app), args.port, args.threads, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

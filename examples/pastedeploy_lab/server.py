"""Seed 002's ``server.py``: load ``test_composite`` from ``test-paste.ini`` and serve it.

    python server.py [--name carya_composite] [--port 8088]
    curl http://127.0.0.1:8088/v1/test
"""

from __future__ import annotations

import argparse
import logging
import os

from carya.configuration import ConfigError

LOG = logging.getLogger(__name__)

bind_host = "127.0.0.1"
bind_port = 8088


def server(app_name: str, conf_file: str, port: int = bind_port) -> None:
    from carya import serve

    print("server", flush=True)
    app = load_paste_app(app_name, conf_file)
    serve(app, bind_host, port)


def load_paste_app(app_name: str, conf_file: str):
    from carya.paste import loadapp

    print("load_paste_app", flush=True)
    LOG.debug("Loading %(app_name)s from %(conf_file)s",
              {"app_name": app_name, "conf_file": conf_file})
    try:
        return loadapp(os.path.abspath(conf_file), name=app_name)
    except ConfigError as e:
        LOG.error(str(e))
        raise RuntimeError(str(e)) from e


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="seed 002 WSGI prototype")
    parser.add_argument("--name", default="test_composite")
    parser.add_argument("--config", default="test-paste.ini")
    parser.add_argument("--port", type=int, default=bind_port)
    args = parser.parse_args()
    server(args.name, args.config, args.port)

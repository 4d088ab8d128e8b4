"""Paste Deploy factories for ``zoo.ini``: the app, and a filter that wraps it."""

import os

from carya.deploy import load_app

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def app_factory(global_conf, **local_conf):
    return load_app(os.path.join(HERE, local_conf.get("config", "config.py")))


class Tagger:
    """Middleware keeping the next app in ``.application``, as oslo middleware does."""

    def __init__(self, application, tag):
        self.application = application
        self.tag = tag

    def __call__(self, environ, start_response):
        def tagged(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Tag", self.tag)], exc_info)

        return self.application(environ, tagged)


def tagger_factory(global_conf, **local_conf):
    tag = local_conf.get("tag", "zoo")
    return lambda app: Tagger(app, tag)


def plain_factory(global_conf, **local_conf):
    """A WSGI app that is not a carya application (``carya routes`` cannot list it)."""

    def plain(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain"]

    return plain

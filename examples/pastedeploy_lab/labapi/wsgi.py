"""``Router``: a WSGI app that dispatches through a Routes mapper.

The URL match is the Routes package's ``RoutesMiddleware`` (which puts the
match in ``wsgiorg.routing_args``); the matched ``controller`` is itself a WSGI
app, which WebOb's ``wsgify`` calls when ``_dispatch`` returns it.

TODO: carya's own Routes-compatible mapper is being written (``carya/mapper.py``
did not exist when this was ported; ``carya/routing/mapper/`` was in progress).
Once it lands, this router should take carya's ``Mapper`` instead of the
``routes`` package's (a dev-only dependency for this example).
"""

from __future__ import annotations

import routes.middleware
import webob.dec
import webob.exc


class Router:
    def __init__(self, mapper: routes.Mapper):
        print("Router.__init__", flush=True)
        self.map = mapper
        self._router = routes.middleware.RoutesMiddleware(self._dispatch, self.map)

    @classmethod
    def factory(cls, global_conf: dict, **local_conf: str) -> Router:
        print("Router.__factory__", flush=True)
        return cls()

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        print("Router.__call__", flush=True)
        return self._router

    @staticmethod
    @webob.dec.wsgify
    def _dispatch(req: webob.Request):
        print("Router._dispatch", flush=True)
        match = req.environ["wsgiorg.routing_args"][1]
        if not match:
            return webob.exc.HTTPNotFound()
        return match["controller"]

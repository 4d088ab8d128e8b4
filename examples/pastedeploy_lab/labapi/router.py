"""``API``: the router with its routes (``/test`` -> the versions controller)."""

from __future__ import annotations

import routes

from labapi import versions, wsgi


class API(wsgi.Router):
    def __init__(self, mapper: routes.Mapper | None = None):
        print("API.__init__", flush=True)
        if mapper is None:
            mapper = routes.Mapper()
        versions_resource = versions.create_resource()
        mapper.connect("/test", controller=versions_resource, action="index")
        super().__init__(mapper)

"""The seed's ``router.py``: ``API`` connects ``/test`` to the versions resource."""

from __future__ import annotations

from carya.api import APIRouter
from carya.mapper import Mapper

from . import versions


class API(APIRouter):
    def __init__(self, mapper=None):
        print("API.__init__")
        if mapper is None:
            mapper = Mapper()
        versions_resource = versions.create_resource()
        mapper.connect("/test", controller=versions_resource, action="index")
        super().__init__(mapper, list_extensions=False)

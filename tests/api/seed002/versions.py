"""The seed's ``versions.py``: a controller whose ``index`` answers 300 with the versions."""

from __future__ import annotations

from carya.api import Resource, response


class Controller:
    def __init__(self):
        print("Controller.__init__")
        self.version = "0.1"

    @response(300)  # httplib.MULTIPLE_CHOICES in the seed
    def index(self, req):
        print("Controller.index")
        return {"versions": self.version}


def create_resource():
    print("create_resource")
    return Resource(Controller())

"""The versions controller: answers ``300 Multiple Choices`` with the API version."""

from __future__ import annotations

import http
import json

import webob.dec
from webob import Response


class Controller:
    def __init__(self):
        print("Controller.__init__", flush=True)
        self.version = "0.1"

    def index(self, req: webob.Request) -> Response:
        print("Controller.index", flush=True)
        response = Response(request=req, status=http.HTTPStatus.MULTIPLE_CHOICES.value,
                            content_type="application/json")
        response.body = json.dumps(dict(versions=self.version)).encode()
        return response

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> Response:
        print("Controller.__call__", flush=True)
        return self.index(request)


def create_resource() -> Controller:
    print("create_resource", flush=True)
    return Controller()

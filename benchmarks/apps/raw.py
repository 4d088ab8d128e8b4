"""Hand-written WSGI dispatch: the floor that any framework's overhead is measured from.

It does only what the shapes need: a dict lookup for static paths, one
``str.split`` for ``/<prefix>/<param>`` paths, and ``json.dumps`` for bodies.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from benchmarks.shapes import CREATED_ID, REQUEST_ID, BuiltApp, created_server, route_name

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


def _reply(start_response, status, content_type, data):
    """Send one complete body with an explicit length, as any real app would."""
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def _json(start_response, value, status="200 OK"):
    return _reply(start_response, status, JSON, json.dumps(value).encode())


def hello(environ, start_response):
    return _reply(start_response, "200 OK", TEXT, b"Hello, World!")


def echo(environ, start_response):
    """Parse the JSON body and send it back, so raw pays the same parse+dump cost."""
    if environ["REQUEST_METHOD"] != "POST":
        return _reply(start_response, "405 Method Not Allowed", TEXT, b"Method Not Allowed")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return _json(start_response, json.loads(environ["wsgi.input"].read(length)))


def user(environ, start_response, uid):
    return _json(start_response, {"id": uid, "name": "user" + uid})


def thing(environ, start_response, thing_id):
    return _json(start_response, {"id": thing_id})


def _body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length))


def token(environ, start_response, token_id):
    return _json(start_response, {"id": token_id, "token": environ.get("HTTP_X_AUTH_TOKEN")})


def flavors(environ, start_response):
    """A paginated list: the query parsed by the standard library."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    limit, marker = query.get("limit"), query.get("marker")
    return _json(start_response, {"flavors": [], "limit": limit[-1] if limit else None,
                                  "marker": marker[-1] if marker else None})


def hooked(environ, start_response, thing_id):
    """The hooks shape's work inline: the token into a context, a request-id header."""
    context = {"token": environ.get("HTTP_X_AUTH_TOKEN")}
    data = json.dumps({"id": thing_id, "token": context["token"]}).encode()
    start_response("200 OK", [("Content-Type", JSON), ("Content-Length", str(len(data))),
                              ("X-OpenStack-Request-Id", REQUEST_ID)])
    return [data]


def gone(environ, start_response, server_id):
    """A 404 with a JSON fault, as an API answers for a deleted resource."""
    fault = {"code": 404, "title": "Not Found",
             "description": f"Server {server_id} could not be found."}
    return _json(start_response, fault, "404 Not Found")


def volume(environ, start_response, volume_id):
    if environ["REQUEST_METHOD"] != "DELETE":
        return _reply(start_response, "405 Method Not Allowed", TEXT, b"Method Not Allowed")
    start_response("204 No Content", [])
    return []


def items(environ, start_response):
    return _json(start_response, _body(environ), "201 Created")


def servers(environ, start_response):
    """The "create" shape: a header, the JSON body, 201 and an absolute Location."""
    value = created_server(environ.get("HTTP_X_AUTH_TOKEN"), _body(environ))
    data = json.dumps(value).encode()
    location = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}/servers/{CREATED_ID}"
    start_response("201 Created", [("Content-Type", JSON), ("Content-Length", str(len(data))),
                                   ("Location", location)])
    return [data]


def not_found(environ, start_response):
    return _reply(start_response, "404 Not Found", TEXT, b"Not Found")


def _text_route(name):
    """A handler answering its own name, so a check can tell which route was hit."""
    data = name.encode()

    def handler(environ, start_response):
        return _reply(start_response, "200 OK", TEXT, data)

    return handler


def make_dispatcher(static, params):
    """Build the WSGI callable over a static-path dict and a prefix->handler dict."""

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        handler = static.get(path)
        if handler is not None:
            return handler(environ, start_response)
        parts = path.split("/")
        if len(parts) == 3:
            handler = params.get(parts[1])
            if handler is not None:
                return handler(environ, start_response, parts[2])
        return not_found(environ, start_response)

    return app


def build(n_routes=None):
    """The fixed-shape app, or (with ``n_routes``) one with N static sibling routes."""
    if n_routes is None:
        static = {"/hello": hello, "/echo": echo, "/items": items, "/servers": servers,
                  "/flavors": flavors}
        params = {"user": user, "things": thing, "tokens": token, "hooked": hooked,
                  "gone": gone, "volumes": volume}
        return BuiltApp(make_dispatcher(static, params))
    routes = []
    static = {}
    for i in range(n_routes):
        path = "/" + route_name(i)
        static[path] = _text_route(route_name(i))
        routes.append(path)
    return BuiltApp(make_dispatcher(static, {}), routes)

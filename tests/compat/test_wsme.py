"""WSME on carya, side by side with WSME on real Pecan.

The same WSME service (:mod:`tests.compat.wsme_service`) is built twice in this
process: once with real Pecan, once with carya's ``pecan`` package
(:mod:`carya.compat.pecan`, what the alias gives). ``wsmeext.pecan`` binds
``import pecan`` when it is imported, so each side loads its own copy of it
with ``sys.modules['pecan']`` pointing at that side's package for the duration
of the import (:func:`load_wsmeext`); nothing else in the process sees the swap.
Each request runs on both, and status, content type and body must be equal
(and what the table says, so two equal wrong answers still fail).

One more test runs a WSME module unchanged (``import pecan``) in a fresh
interpreter with the alias installed, as a service would.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import textwrap
from types import ModuleType, SimpleNamespace

import pytest
from webtest import TestApp

from tests.compat.wsme_service import build_root

SIDES = ("pecan", "carya")


def pecan_package(side: str) -> ModuleType:
    """Real Pecan, or the package carya's alias maps ``pecan`` to."""
    if side == "carya":
        return importlib.import_module("carya.compat.pecan")
    real = importlib.import_module("pecan")
    assert real.__name__ == "pecan", f"real Pecan expected, got {real!r} (alias installed?)"
    return real


def load_wsmeext(pecan: ModuleType) -> ModuleType:
    """A private copy of ``wsmeext.pecan`` whose ``import pecan`` gave ``pecan``."""
    spec = importlib.util.find_spec("wsmeext.pecan")
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("pecan")
    sys.modules["pecan"] = pecan
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules["pecan"]
        else:
            sys.modules["pecan"] = saved
    return module


@pytest.fixture(scope="module")
def sides() -> dict[str, SimpleNamespace]:
    """Per side: what the service is written with, and its ``make_app``."""
    built = {}
    for side in SIDES:
        pecan = pecan_package(side)
        rest = importlib.import_module(f"{pecan.__name__}.rest")
        built[side] = SimpleNamespace(
            name=side, expose=pecan.expose, abort=pecan.abort, make_app=pecan.make_app,
            RestController=rest.RestController, wsexpose=load_wsmeext(pecan).wsexpose,
        )
    return built


@pytest.fixture
def apps(sides) -> dict[str, TestApp]:
    """A fresh service (fresh data) on each side."""
    return {name: TestApp(side.make_app(build_root(side))) for name, side in sides.items()}


def answer(app: TestApp, method: str, path: str, body, headers: dict):
    kw = {"headers": dict(headers), "expect_errors": True}
    if body is not None:
        kw["body"] = json.dumps(body).encode()
        kw["headers"].setdefault("Content-Type", "application/json")
    resp = app.request(path, method=method, **kw)
    return resp.status, resp.headers.get("Content-Type"), resp.body


XML = {"Accept": "application/xml"}
JSON_TYPE = "application/json"
XML_TYPE = "application/xml; charset=UTF-8"

# id, method, path, body, headers, status, content type, a fragment of the body
CASES = [
    ("json-default", "GET", "/colors/red", None, {}, 200, JSON_TYPE, b'"shade": "dark"'),
    ("xml-accept", "GET", "/colors/red", None, XML, 200, XML_TYPE, b"<shade>dark</shade>"),
    ("text-xml-accept", "GET", "/colors/red", None, {"Accept": "text/xml"}, 200,
     "text/xml; charset=UTF-8", b"<name>red</name>"),
    ("xml-extension", "GET", "/hello.xml", None, {}, 200, XML_TYPE, b"<result>hello</result>"),
    ("json-extension", "GET", "/hello.json", None, {}, 200, JSON_TYPE, b'"hello"'),
    ("browser-accept", "GET", "/hello", None,
     {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, 200, XML_TYPE,
     b"<result>hello</result>"),
    ("datetime", "GET", "/colors/red", None, {}, 200, JSON_TYPE, b'"2024-05-01T12:30:00"'),
    ("array", "GET", "/colors", None, {}, 200, JSON_TYPE, b'[{"name": "red"'),
    ("array-xml", "GET", "/colors", None, XML, 200, XML_TYPE, b"<result><item><name>red"),
    ("query-filter", "GET", "/colors?shade=light", None, {}, 200, JSON_TYPE, b'"name": "sky"'),
    ("optional-int", "GET", "/colors?limit=1", None, {}, 200, JSON_TYPE, b'"red"'),
    ("bad-int", "GET", "/colors?limit=many", None, {}, 400, JSON_TYPE, b"Invalid input"),
    ("dict", "GET", "/colors/names", None, {}, 200, JSON_TYPE, b'"sky": 1'),
    ("dict-xml", "GET", "/colors/names", None, XML, 200, XML_TYPE, b"<key>red</key>"),
    ("not-found-fault", "GET", "/colors/mauve", None, {}, 404, JSON_TYPE,
     b'"faultstring": "color mauve not found"'),
    ("not-found-fault-xml", "GET", "/colors/mauve", None, XML, 404, XML_TYPE,
     b"<faultcode>Client</faultcode>"),
    ("abort-404", "GET", "/gone", None, {}, 404, JSON_TYPE, b'"faultcode": "Client"'),
    ("coded-exception", "GET", "/teapot", None, {}, 418, JSON_TYPE, b"short and stout"),
    ("server-fault", "GET", "/broken", None, {}, 500, JSON_TYPE, b'"faultcode": "Server"'),
    ("post-body-201", "POST", "/colors", {"name": "teal", "shade": "dark"}, {}, 201, JSON_TYPE,
     b'"name": "teal"'),
    ("post-conflict", "POST", "/colors", {"name": "red"}, {}, 409, JSON_TYPE,
     b"color red exists"),
    ("post-missing-mandatory", "POST", "/colors", {"weight": 2}, {}, 400, JSON_TYPE,
     b"Mandatory field missing"),
    ("post-unknown-attribute", "POST", "/colors", {"name": "x", "hue": 3}, {}, 400, JSON_TYPE,
     b"Unknown attribute"),
    ("post-bad-enum", "POST", "/colors", {"name": "x", "shade": "neon"}, {}, 400, JSON_TYPE,
     b"Invalid input"),
    ("post-not-json", "POST", "/colors", None, {"Content-Type": "application/json"}, 400,
     JSON_TYPE, b'"faultcode": "Client"'),
    ("put-response-202", "PUT", "/colors/red", {"name": "red", "weight": 7}, {}, 202, JSON_TYPE,
     b'"weight": 7'),
    ("put-client-error", "PUT", "/colors/red", {"name": "blue"}, {}, 400, JSON_TYPE,
     b"cannot be renamed"),
    ("delete-204", "DELETE", "/colors/sky", None, {}, 204, None, b""),
    ("delete-missing", "DELETE", "/colors/mauve", None, {}, 404, JSON_TYPE, b"not found"),
    ("none-result-204", "GET", "/nothing", None, {}, 204, None, b""),
    ("response-204", "GET", "/accepted", None, {}, 204, None, b""),
    ("custom-action-body-list", "POST", "/colors/mix", ["red", "sky"], {}, 200, JSON_TYPE,
     b'"owner": "mixer"'),
    ("custom-action-get", "GET", "/colors/names", None, XML, 200, XML_TYPE, b"<value>3</value>"),
    ("body-array", "POST", "/double", [1, 2, 3], {}, 200, JSON_TYPE, b"[2, 4, 6]"),
    ("required-from-query", "GET", "/add?a=1", None, {}, 200, JSON_TYPE, b"11"),
    ("optional-from-query", "GET", "/add?a=1&b=2", None, {}, 200, JSON_TYPE, b"3"),
    ("positional-from-path", "GET", "/add/4", None, {}, 200, JSON_TYPE, b"14"),
    ("missing-required", "GET", "/add", None, {}, 400, JSON_TYPE, b"Missing argument"),
    ("text-default-arg", "GET", "/greet?who=ann", None, {}, 200, JSON_TYPE, b'"hi ann"'),
    ("enum-arg-ok", "GET", "/pick?choice=a", None, {}, 200, JSON_TYPE, b'"picked a"'),
    # WSME does not check an Enum given in the query string (on Pecan either).
    ("enum-arg-unchecked", "GET", "/pick?choice=c", None, {}, 200, JSON_TYPE, b'"picked c"'),
    ("nested-rest-empty", "GET", "/colors/red/toys", None, {}, 200, JSON_TYPE, b"[]"),
    ("nested-rest-post", "POST", "/colors/red/toys", {"name": "ball"}, {}, 201, JSON_TYPE,
     b'"toy_id": 1'),
    ("nested-rest-missing", "GET", "/colors/red/toys/9", None, {}, 404, JSON_TYPE,
     b"toy 9 not found"),
    ("nested-parent-missing", "POST", "/colors/mauve/toys", {"name": "x"}, {}, 404, JSON_TYPE,
     b"color mauve not found"),
]


@pytest.mark.parametrize(
    "method, path, body, headers, status, ctype, fragment",
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_same_answer_on_pecan_and_carya(apps, method, path, body, headers, status, ctype,
                                        fragment):
    on_pecan = answer(apps["pecan"], method, path, body, headers)
    on_carya = answer(apps["carya"], method, path, body, headers)
    assert on_carya == on_pecan
    got_status, got_ctype, got_body = on_carya
    assert int(got_status.split()[0]) == status
    assert got_ctype == ctype
    assert fragment in got_body


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/nowhere", 404), ("PATCH", "/colors/red", 405), ("GET", "/colors/red.txt", 404),
])
def test_routing_errors_outside_wsme_have_the_same_status_and_type(apps, method, path, status):
    """No WSME function runs: the framework's own error page answers (its wording differs)."""
    on_pecan = answer(apps["pecan"], method, path, None, {})
    on_carya = answer(apps["carya"], method, path, None, {})
    assert on_carya[:2] == on_pecan[:2]
    assert int(on_carya[0].split()[0]) == status


def test_a_post_is_seen_by_the_next_get(apps):
    """State flows through the service the same way on both sides."""
    for app in apps.values():
        app.post_json("/colors", {"name": "teal", "weight": 4}, status=201)
        assert app.get("/colors/teal").json == {"name": "teal", "weight": 4}
        app.delete("/colors/teal", status=204)
        app.get("/colors/teal", status=404)


def test_wsme_service_runs_unchanged_through_the_alias(tmp_path):
    """``import pecan`` + ``from wsmeext.pecan import wsexpose``, as a service writes it."""
    (tmp_path / "svc.py").write_text(textwrap.dedent('''
        import pecan
        from pecan import rest
        from wsme import types as wtypes
        from wsmeext.pecan import wsexpose


        class Item(wtypes.Base):
            name = wtypes.text
            size = int


        class Items(rest.RestController):
            @wsexpose(Item, wtypes.text)
            def get_one(self, name):
                return Item(name=name, size=len(name))

            @wsexpose(Item, body=Item, status_code=201)
            def post(self, item):
                return item

            @wsexpose(None, wtypes.text, status_code=204)
            def delete(self, name):
                pass


        class Root:
            items = Items()
    '''))
    code = textwrap.dedent('''
        import json
        from carya.compat import alias
        alias.install()
        import pecan, webtest, svc
        assert pecan.__name__ == "carya.compat.pecan", pecan
        app = webtest.TestApp(pecan.make_app(svc.Root()))
        got = app.get("/items/abc")
        made = app.post_json("/items", {"name": "new", "size": 2})
        gone = app.delete("/items/x")
        print(json.dumps([got.status_int, got.content_type, got.json, made.status_int,
                          made.json, gone.status_int, gone.body.decode()]))
    ''')
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        200, "application/json", {"name": "abc", "size": 3},
        201, {"name": "new", "size": 2}, 204, "",
    ]

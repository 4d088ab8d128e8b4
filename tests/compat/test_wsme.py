"""WSME on carya, side by side with WSME on real Pecan.

The same WSME service (:mod:`tests.compat.wsme_service`) is built twice in this
process: once with real Pecan, once with carya's ``pecan`` package
(:mod:`carya.compat.pecan`, what the alias gives). ``wsmeext.pecan`` binds
``import pecan`` when it is imported, so each side loads its own copy of it
with ``sys.modules['pecan']`` pointing at that side's package for the duration
of the import (:func:`load_wsmeext`); nothing else in the process sees the swap.
Each request runs on both, and status, content type and body must be equal
(and what the table says, so two equal wrong answers still fail).

carya compiles the plain cases of ``wsexpose`` (:mod:`carya.compat.wsexpose`), so
a third side runs carya with that adapter off (WSME's own ``callfunction``): all
three must answer alike, and the table says which cases the compiled path takes
and which it must leave to WSME.

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
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType, SimpleNamespace

import pytest
import wsme.rest.args
import wsme.rest.json
from webtest import TestApp

from carya.compat import wsexpose as compiled_wsexpose
from tests.compat.wsme_service import build_root

SIDES = ("pecan", "carya", "carya-wsme")  # carya-wsme: carya with the compiled path off


def pecan_package(side: str) -> ModuleType:
    """Real Pecan, or the package carya's alias maps ``pecan`` to."""
    if side.startswith("carya"):
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


@contextmanager
def wsme_callfunction() -> Iterator[None]:
    """Handlers built inside keep WSME's own ``callfunction`` (the adapter is off)."""
    compiled_wsexpose.disable()
    try:
        yield
    finally:
        compiled_wsexpose.enable()


def uncompiled(app):
    """``app``, its handlers (built at first use) left to WSME's own path."""
    def call(environ, start_response):
        with wsme_callfunction():
            return app(environ, start_response)

    return call


@pytest.fixture
def apps(sides) -> dict[str, TestApp]:
    """A fresh service (fresh data) on each side."""
    built = {}
    for name, side in sides.items():
        if name == "carya-wsme":
            with wsme_callfunction():
                built[name] = TestApp(uncompiled(side.make_app(build_root(side))))
        else:
            built[name] = TestApp(side.make_app(build_root(side)))
    return built


@pytest.fixture
def wsme_calls(monkeypatch) -> dict[str, int]:
    """How often WSME's argument parser and JSON encoders run."""
    counts = {"get_args": 0, "encode": 0}

    def counting(module, name, key):
        original = getattr(module, name)

        def count(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, count)

    counting(wsme.rest.args, "get_args", "get_args")
    counting(wsme.rest.json, "encode_result", "encode")
    counting(wsme.rest.json, "encode_error", "encode")
    return counts


def answer(app: TestApp, method: str, path: str, body, headers: dict):
    kw = {"headers": dict(headers), "expect_errors": True}
    if body is not None:
        kw["body"] = body if isinstance(body, bytes) else json.dumps(body).encode()
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
    ("post-full-body", "POST", "/colors",
     {"name": "navy", "shade": "dark", "weight": 2, "tags": ["cool", "deep"],
      "seen": "2024-06-01T08:00:00"}, {}, 201, JSON_TYPE,
     b'"tags": ["cool", "deep"], "seen": "2024-06-01T08:00:00"'),
    ("post-bad-datetime", "POST", "/colors", {"name": "navy", "seen": "yesterday"}, {}, 400,
     JSON_TYPE, b"Unknown string format"),
    ("post-number-in-tags", "POST", "/colors", {"name": "navy", "tags": ["a", 1]}, {}, 400,
     JSON_TYPE, b"Invalid input for field/attribute tags"),
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
    ("query-over-path", "GET", "/add/4?a=5", None, {}, 200, JSON_TYPE, b"15"),
    ("query-semicolon", "GET", "/add?a=1;b=2", None, {}, 200, JSON_TYPE, b"3"),
    ("query-plus-space", "GET", "/greet?who=ann+lee", None, {}, 200, JSON_TYPE,
     b'"hi ann lee"'),
    ("query-percent-utf8", "GET", "/greet?who=%C3%A9", None, {}, 200, JSON_TYPE,
     b'"hi \\u00e9"'),
    ("query-repeated", "GET", "/add?a=1&a=2", None, {}, 400, JSON_TYPE,
     b"Value: '['1', '2']'. unable to convert to int"),
    ("query-unknown", "GET", "/add?a=1&z=2", None, {}, 400, JSON_TYPE, b"Unknown argument"),
    ("query-blank-int", "GET", "/add?a=", None, {}, 400, JSON_TYPE,
     b"Value: ''. unable to convert to int"),
    ("query-spaced-int", "GET", "/add?a=+7", None, {}, 200, JSON_TYPE, b"17"),
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
    # A flat type's body, every way a client can send it.
    ("gadget-body", "POST", "/gadgets",
     {"maker": "acme", "display_label": "x", "price": 2.5, "active": True, "count": 3}, {},
     201, JSON_TYPE, b'"display_label": "x", "price": 2.5, "active": true, "count": 3'),
    ("gadget-int-for-float", "POST", "/gadgets", {"maker": "a", "price": 2}, {}, 201,
     JSON_TYPE, b'"price": 2.0'),
    ("gadget-null", "POST", "/gadgets", {"maker": "a", "display_label": None}, {}, 201,
     JSON_TYPE, b'"display_label": null'),
    ("gadget-default-out", "POST", "/gadgets", {"maker": "a"}, {}, 201, JSON_TYPE,
     b'{"count": 0, "maker": "a"}'),
    ("gadget-str-for-int", "POST", "/gadgets", {"maker": "a", "count": "4"}, {}, 201,
     JSON_TYPE, b'"count": 4'),
    ("gadget-float-for-int", "POST", "/gadgets", {"maker": "a", "count": 1.9}, {}, 201,
     JSON_TYPE, b'"count": 1'),
    ("gadget-bool-for-int", "POST", "/gadgets", {"maker": "a", "count": True}, {}, 201,
     JSON_TYPE, b'"count": 1'),
    ("gadget-word-for-bool", "POST", "/gadgets", {"maker": "a", "active": "yes"}, {}, 201,
     JSON_TYPE, b'"active": true'),
    ("gadget-negative-price", "POST", "/gadgets", {"maker": "a", "price": -1.5}, {}, 400,
     JSON_TYPE, b"a price cannot be negative"),
    ("gadget-int-for-text", "POST", "/gadgets", {"maker": 5}, {}, 400, JSON_TYPE,
     b"Invalid input for field/attribute maker"),
    ("gadget-key-not-name", "POST", "/gadgets", {"maker": "a", "label": "x"}, {}, 400,
     JSON_TYPE, b"Unknown attribute"),
    ("gadget-read-only", "POST", "/gadgets", {"maker": "a", "gadget_id": 3}, {}, 400,
     JSON_TYPE, b"Cannot set read only field"),
    ("gadget-mandatory", "POST", "/gadgets", {"price": 1.0}, {}, 400, JSON_TYPE,
     b"Mandatory field missing"),
    ("gadget-list", "POST", "/gadgets", [{"maker": "a"}], {}, 500, JSON_TYPE,
     b'"faultcode": "Server"'),
    ("gadget-bad-json", "POST", "/gadgets", b'{"maker":', {}, 400, JSON_TYPE,
     b"not in valid JSON format"),
    ("gadget-charset", "POST", "/gadgets", {"maker": "a"},
     {"Content-Type": "application/json; charset=utf-8"}, 201, JSON_TYPE, b'"maker": "a"'),
    ("gadget-javascript", "POST", "/gadgets", {"maker": "a"},
     {"Content-Type": "text/javascript"}, 201, JSON_TYPE, b'"maker": "a"'),
    ("gadget-text-plain", "POST", "/gadgets", {"maker": "a"}, {"Content-Type": "text/plain"},
     415, JSON_TYPE, b"Unknown mimetype: text/plain"),
    ("gadget-query", "POST", "/gadgets?dry=1", {"maker": "a"}, {}, 400, JSON_TYPE,
     b"Unknown argument"),
    # Pecan binds a JSON body's keys to arguments of the same name: WSME then sees it.
    ("gadget-key-named-as-argument", "POST", "/gadgets", {"gadget": {"maker": "a"}}, {}, 400,
     JSON_TYPE, b"unable to convert to Gadget"),
    ("enum-path-arg", "GET", "/pick/b", None, {}, 200, JSON_TYPE, b'"picked b"'),
    ("date-path-arg", "GET", "/day/2024-05-01", None, {}, 200, JSON_TYPE, b'"2024-05-01"'),
    ("date-path-arg-bad", "GET", "/day/someday", None, {}, 400, JSON_TYPE,
     b"unable to convert to date"),
    ("wsproperty-result", "GET", "/shelf/books", None, {}, 200, JSON_TYPE,
     b'{"name": "books", "size": 5}'),
    ("wsproperty-body", "POST", "/shelves", {"name": "tall", "size": 99}, {}, 200, JSON_TYPE,
     b'{"name": "tall", "size": 4}'),
    ("gadget-get", "GET", "/gadget/7", None, {}, 200, JSON_TYPE,
     b'{"gadget_id": 7, "price": 2.5, "count": 0, "maker": "acme"}'),
    ("gadget-get-not-int", "GET", "/gadget/seven", None, {}, 400, JSON_TYPE,
     b"unable to convert to int"),
    ("gadget-get-big-int", "GET", "/gadget/123456789012345678901234567890", None, {}, 200,
     JSON_TYPE, b'"gadget_id": 123456789012345678901234567890'),
]

# Cases whose arguments WSME's own parser (``get_args``) must take: a query parameter
# that is not an argument of a simple type or is repeated, a body of a type that is
# not flat, anything invalid or unusual. carya's compiled
# path takes every other case's arguments.
WSME_ARGS = {
    "bad-int", "post-missing-mandatory", "post-unknown-attribute", "post-bad-enum",
    "post-not-json", "post-bad-datetime", "post-number-in-tags", "custom-action-body-list",
    "body-array",
    "missing-required", "query-repeated", "query-unknown", "query-blank-int", "enum-arg-ok",
    "enum-arg-unchecked", "gadget-str-for-int", "gadget-float-for-int",
    "gadget-bool-for-int", "gadget-word-for-bool", "gadget-int-for-text", "gadget-key-not-name",
    "gadget-read-only", "gadget-mandatory", "gadget-list", "gadget-bad-json",
    "gadget-text-plain", "gadget-query", "gadget-get-not-int", "gadget-key-named-as-argument",
    "date-path-arg-bad", "gadget-negative-price",
}


@pytest.mark.parametrize(
    "method, path, body, headers, status, ctype, fragment",
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_same_answer_on_pecan_and_carya(apps, method, path, body, headers, status, ctype,
                                        fragment):
    on_pecan = answer(apps["pecan"], method, path, body, headers)
    on_carya = answer(apps["carya"], method, path, body, headers)
    assert on_carya == on_pecan
    assert answer(apps["carya-wsme"], method, path, body, headers) == on_pecan
    got_status, got_ctype, got_body = on_carya
    assert int(got_status.split()[0]) == status
    assert got_ctype == ctype
    assert fragment in got_body


@pytest.mark.parametrize("case", [pytest.param(case, id=case[0]) for case in CASES])
def test_plain_cases_are_compiled_the_rest_are_wsmes(apps, wsme_calls, case):
    """On carya, WSME's parser runs exactly for the cases in ``WSME_ARGS``; every
    successful JSON answer is encoded by the compiled converters (all of this
    service's types compile), faults by WSME's ``encode_error``."""
    name, method, path, body, headers, status, ctype = case[:7]
    answer(apps["carya"], method, path, body, headers)
    assert (wsme_calls["get_args"] == 1) == (name in WSME_ARGS)
    encoded_by_carya = ctype == JSON_TYPE and status < 400
    assert (wsme_calls["encode"] == 0) == (encoded_by_carya or ctype != JSON_TYPE)


def test_a_json_body_that_is_not_utf8_is_a_400_before_wsme(apps, wsme_calls):
    """Pecan answers 400 when it reads such a body for arguments; carya too, with a reason."""
    body = b'{"maker": "\xff"}'
    on_pecan = answer(apps["pecan"], "POST", "/gadgets", body, {})
    for side in ("carya", "carya-wsme"):
        status, ctype, text = answer(apps[side], "POST", "/gadgets", body, {})
        assert (status, ctype) == on_pecan[:2] == ("400 Bad Request", "text/plain; charset=UTF-8")
        assert b"The JSON body is not valid UTF-8" in text
    assert wsme_calls["get_args"] == 0


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

"""request/response as context-local proxies, and the explicit (req, resp) mode."""

from __future__ import annotations

import io
import json
import threading

import pytest
import webob
from webtest import TestApp

from carya import context, expose, make_app, request, response, state
from carya.api.resource import response as declared_status
from carya.context import Request, Response
from carya.rest import RestController


def test_proxies_outside_a_request_say_so():
    with pytest.raises(RuntimeError, match="outside a request"):
        request.path  # noqa: B018
    assert not request
    assert "no request" in repr(response)


class Locals:
    @expose("json")
    def index(self):
        request.context["seen"] = True
        response.headers["X-Where"] = "handler"
        return {"path": request.path, "ctx": request.context, "app": state.app is not None}


def test_proxies_inside_a_request(client):
    resp = client(Locals()).get("/")
    assert resp.json == {"path": "/", "ctx": {"seen": True}, "app": True}
    assert resp.headers["X-Where"] == "handler"


class Things(RestController):
    @expose("json")
    def get_one(self, req, resp, thing_id):
        resp.status = 202
        return {"id": thing_id, "path": req.path}


class Explicit:
    things = Things()

    @expose()
    def index(self, req, resp):
        resp.headers["X-Explicit"] = "yes"
        return f"explicit {req.method}"

    @expose("json")
    def echo(self, req, resp, word, times="1"):
        return {"word": word * int(times)}


@pytest.fixture
def explicit():
    return TestApp(make_app(Explicit(), use_context_locals=False))


def test_explicit_mode_passes_req_resp(explicit):
    resp = explicit.get("/")
    assert resp.text == "explicit GET"
    assert resp.headers["X-Explicit"] == "yes"


def test_explicit_mode_binds_remaining_args(explicit):
    assert explicit.get("/echo/ab?times=2").json == {"word": "abab"}


def test_explicit_mode_rest_controller(explicit):
    resp = explicit.get("/things/9", status=202)
    assert resp.json == {"id": "9", "path": "/things/9"}


def test_explicit_mode_short_signature_fails_when_called():
    """Pecan's rule: a handler without (req, resp) in explicit mode is a TypeError
    when it is called; the rest of the application still serves."""
    class Root:
        @expose()
        def index(self, req, resp):
            return "ok"

        @expose()
        def bad(self):
            return ""

    app = make_app(Root(), use_context_locals=False)
    resp = TestApp(app).get("/bad", expect_errors=True)
    assert resp.status_int == 500
    assert TestApp(app).get("/").text == "ok"
    pecan_style = make_app(Root(), use_context_locals=False, propagate_exceptions=True)
    with pytest.raises(TypeError, match="leading argument"):
        TestApp(pecan_style).get("/bad")


def test_state_is_isolated_between_threads(client):
    barrier = threading.Barrier(2)

    class Slow:
        @expose()
        def index(self, tag):
            barrier.wait(timeout=5)
            return request.params["tag"]

    app = client(Slow())
    results = {}

    def call(tag):
        results[tag] = app.get("/", {"tag": tag}).text

    threads = [threading.Thread(target=call, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == {"a": "a", "b": "b"}


# --- the request and response objects: WebOb's answers, cheaper ---------------------

ENVIRONS = {
    "plain": {"HTTP_HOST": "localhost", "PATH_INFO": "/servers"},
    "port": {"HTTP_HOST": "api.example.org:8774", "PATH_INFO": "/v2.1/servers",
             "QUERY_STRING": "limit=5&marker=x"},
    "default port": {"HTTP_HOST": "localhost:80", "PATH_INFO": "/a"},
    "https": {"wsgi.url_scheme": "https", "HTTP_HOST": "h:443", "PATH_INFO": "/b"},
    "https other port": {"wsgi.url_scheme": "https", "HTTP_HOST": "h:8443", "PATH_INFO": "/"},
    "ipv6": {"HTTP_HOST": "[::1]:8080", "PATH_INFO": "/c"},
    "ipv6 no port": {"HTTP_HOST": "[::1]", "PATH_INFO": "/c"},
    "no Host": {"SERVER_NAME": "srv", "SERVER_PORT": "8080", "PATH_INFO": "/d"},
    "no Host, port 80": {"SERVER_NAME": "srv", "SERVER_PORT": "80", "PATH_INFO": "/d"},
    "script name": {"HTTP_HOST": "h", "SCRIPT_NAME": "/compute", "PATH_INFO": "/v2/x"},
    "needs quoting": {"HTTP_HOST": "h", "PATH_INFO": "/a b/%41/<x>"},
    "utf-8 path": {"HTTP_HOST": "h", "PATH_INFO": "/caf\u00c3\u00a9"},
    "empty path": {"HTTP_HOST": "h", "PATH_INFO": ""},
}


def environ_for(extra: dict) -> dict:
    env = webob.Request.blank("/").environ
    env.pop("HTTP_HOST", None)
    env.update({"HTTP_X_AUTH_TOKEN": "tok", "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": "2"})
    env.update(extra)
    return env


@pytest.mark.parametrize("name", sorted(ENVIRONS))
def test_request_urls_are_webobs(name):
    env = environ_for(ENVIRONS[name])
    ours, theirs = Request(dict(env)), webob.Request(dict(env))
    for attr in ("host_url", "application_url", "path_url", "path", "url", "path_qs"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_request_headers_are_webobs():
    env = environ_for({})
    ours, theirs = Request(env).headers, webob.Request(dict(env)).headers
    assert isinstance(ours, webob.headers.EnvironHeaders)
    for name in ("X-Auth-Token", "x-auth-token", "Content-Type", "content-length", "Missing",
                 "Host"):
        assert ours.get(name) == theirs.get(name), name
        assert (name in ours) == (name in theirs), name
    assert ours["X-Auth-Token"] == "tok"
    with pytest.raises(KeyError):
        ours["X-Missing"]  # noqa: B018
    assert dict(ours) == dict(theirs)


QUERIES = ["", "a=1", "a=1&b=2", "a=1&a=2&a=3&b=", "a", "a=&=b", "a=b=c", "&&a=1&&",
           "limit=10&marker=3f1c9e2a-77", "x=%20y", "x=a+b", "a=1;b=2", "q=caf%C3%A9",
           "caf\xe9=1", "a=%zz", "sort_key=name&sort_dir=asc&sort_key=id"]


@pytest.mark.parametrize("query", QUERIES)
def test_request_get_is_webobs(query):
    """The plain-pairs split gives WebOb's GET (and mixed()); other queries are WebOb's."""
    env = environ_for({"QUERY_STRING": query})
    ours, theirs = Request(dict(env)), webob.Request(dict(env))
    try:
        expected = list(theirs.GET.items())
    except UnicodeDecodeError:  # not UTF-8 once unquoted: WebOb's error, then a 400
        with pytest.raises(UnicodeDecodeError):
            ours.GET  # noqa: B018
        return
    assert list(ours.GET.items()) == expected
    assert ours.GET.mixed() == theirs.GET.mixed()
    assert ours.GET is ours.GET
    plain = context.query_pairs(query)
    if plain is not None:
        assert context.mixed(plain) == theirs.GET.mixed()
    assert (plain is None) == any(c in query for c in "%+;\xe9")


def test_request_get_writes_through_as_webobs():
    req = Request(environ_for({"QUERY_STRING": "a=1"}))
    req.GET["b"] = "2"  # WebOb's GetDict rewrites QUERY_STRING
    assert req.environ["QUERY_STRING"] == "a=1&b=2"
    assert req.GET.mixed() == {"a": "1", "b": "2"}
    req.environ["QUERY_STRING"] = "c=3"  # a changed query is read again
    assert req.GET.mixed() == {"c": "3"}


class Listing(RestController):
    @expose("json")
    def get_all(self, limit=None, marker=None, **rest):
        return {"limit": limit, "marker": marker, "rest": rest,
                "built": state._request is not None}

    @expose("json")
    def get_one(self, item):
        return {"fields": request.GET.getall("fields"), "built": state._request is not None}


class ListingRoot:
    items = Listing()


@pytest.mark.parametrize("query", QUERIES)
def test_get_parameters_are_webobs(query):
    """Arguments from the query (and ``request.GET``) without the request object, as
    an app on a request class of its own (WebOb's reading) binds them."""
    light = make_app(ListingRoot())
    heavy = make_app(ListingRoot(), request_cls=_HeavyRequest)
    for path in ("/items", "/items/7"):
        ours = _answer(light, "GET", f"{path}?{query}")
        theirs = _answer(heavy, "GET", f"{path}?{query}")
        assert ours[0] == theirs[0]
        if ours[0] == "200 OK":
            mine, other = json.loads(ours[2]), json.loads(theirs[2])
            assert other.pop("built") and not mine.pop("built")
            assert mine == other


class _Trickle:
    """A server's input that hands out a few bytes per read, as a socket may."""

    def __init__(self, data):
        self.data = data

    def read(self, size=-1):
        size = 3 if size is None or size < 0 else min(size, 3)
        part, self.data = self.data[:size], self.data[size:]
        return part


BODIES = {
    "sized": ({"CONTENT_LENGTH": "11"}, b"hello world"),
    "trickled": ({"CONTENT_LENGTH": "11"}, _Trickle(b"hello world")),
    "zero length": ({"CONTENT_LENGTH": "0"}, b""),
    "no length": ({"CONTENT_LENGTH": ""}, b"ignored"),
    "no length, input terminated": ({"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
                                    b"chunked"),
    "cut short": ({"CONTENT_LENGTH": "20"}, b"only ten b"),
}


def _read_twice(cls, extra, data):
    env = environ_for(extra)
    env["wsgi.input"] = io.BytesIO(data) if isinstance(data, bytes) else _Trickle(data.data)
    req = cls(env)
    try:
        return req.body, req.body, req.json if req.body[:1] == b"{" else None
    except Exception as error:  # noqa: BLE001 - compared, type and words
        return type(error).__name__, str(error)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_request_body_is_webobs(name):
    """One read for a sized body; the same bytes (and errors) as WebOb, read again or not."""
    extra, data = BODIES[name]
    assert _read_twice(Request, extra, data) == _read_twice(webob.Request, extra, data)


def test_request_body_read_again_follows_a_replaced_input():
    env = environ_for({"CONTENT_LENGTH": "5"})
    env["wsgi.input"] = io.BytesIO(b"first")
    assert Request(env).body == b"first" and Request(env).body == b"first"
    Request(env).body = b"second!"  # WebOb's setter: a new input and length
    assert Request(env).body == b"second!"
    env["wsgi.input"] = io.BytesIO(b"third")  # a middleware's own input, same length
    env["CONTENT_LENGTH"] = "5"
    assert Request(env).body == b"third" == webob.Request(env).body
    env["CONTENT_LENGTH"] = "3"
    assert Request(env).body == b"thi" == webob.Request(env).body


def test_request_body_can_be_set():
    req = Request(environ_for({}))
    req.body = b'{"a": 1}'
    assert req.body == b'{"a": 1}' and req.json == {"a": 1} and req.content_length == 8
    del req.body
    assert req.body == b""


def test_request_headers_write_through_to_the_environ():
    req = Request(environ_for({}))
    req.headers["X-Trace"] = "t1"
    assert req.environ["HTTP_X_TRACE"] == "t1"
    req.headers = {"X-Only": "1"}
    assert req.headers.get("X-Only") == "1" and req.headers.get("X-Auth-Token") is None


def test_request_is_a_webob_request_with_webobs_options():
    env = environ_for({})
    assert isinstance(Request(env), webob.Request)
    req = Request(env, charset="UTF-8")  # options take WebOb's own constructor
    assert req.charset == "UTF-8"
    with pytest.raises(TypeError):
        Request([("not", "a dict")])


def test_header_keys_memo_is_bounded():
    for i in range(context._HEADER_KEYS_MAX + 50):
        assert context.environ_key(f"X-Odd-{i}") == f"HTTP_X_ODD_{i}"
    assert len(context._HEADER_KEYS) <= context._HEADER_KEYS_MAX


class Create(RestController):
    """The "create" shape of ``python -m benchmarks``: what OpenStack handlers do."""

    @expose("json")
    def post(self):
        token = request.headers.get("X-Auth-Token")
        body = request.json
        response.status = 201
        response.location = request.host_url + "/servers/s1"
        response.headers["X-Extra"] = "yes"
        return {"server": {"id": "s1", "name": body["name"], "owner": token}}


class CreateRoot:
    servers = Create()

    @expose("json")
    def gone(self):
        response.status = 204  # a JSON handler returning None: 204, no Content-Type

    @expose(content_type="text/plain")
    def text(self):
        response.headers["X-Text"] = "1"
        return "plain"


def test_create_shape_end_to_end(client):
    app = client(CreateRoot())
    resp = app.post_json("/servers", {"name": "web-1"}, headers={"X-Auth-Token": "tok"},
                         status=201)
    assert resp.json == {"server": {"id": "s1", "name": "web-1", "owner": "tok"}}
    assert resp.headers["Location"] == "http://localhost/servers/s1"
    assert resp.headers["X-Extra"] == "yes"
    assert resp.headers["Content-Type"] == "application/json"  # as Pecan sends it
    assert resp.headers["Content-Length"] == str(len(resp.body))


def test_touched_response_headers_as_before(client):
    app = client(CreateRoot())
    gone = app.get("/gone", status=204)
    assert "Content-Type" not in gone.headers
    text = app.get("/text")
    assert text.headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert (text.text, text.headers["X-Text"]) == ("plain", "1")


def test_custom_response_class_sees_its_own_headers(client):
    """Pecan's suite: a response_cls whose ``headers`` property adds one still does."""

    class Custom(Response):
        @property
        def headers(self):
            headers = super().headers
            headers["X-Custom"] = "xyz"
            return headers

    app = client(CreateRoot(), response_cls=Custom)
    resp = app.post_json("/servers", {"name": "n"}, status=201)
    assert resp.headers["X-Custom"] == "xyz" and resp.json["server"]["name"] == "n"


def test_malformed_body_is_a_400(client):
    app = client(CreateRoot())
    resp = app.post("/servers", b"{nope", content_type="application/json", status=400)
    assert "Malformed JSON body" in resp.text


JSON_INPUTS = [
    '{"a": "caf\u00e9"}', '\ufeff{"a": 1}', "[1,",  # str, as carya.api passes
    b'{"a": [1, 2.5, null, true]}', b"NaN", b"1e400", b"123456789012345678901234567890",
    '\ufeff{"a": 1}'.encode(), '{"a": 1}'.encode("utf-16"), b'"\\ud800"', b"[1, 2",
    b"\xff", b"", b"[0.1000000000000000055511151231257827, -0.0]",
]


def outcome(parse, data):
    try:
        return "ok", repr(parse(data))
    except ValueError as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("compiled", [True, False], ids=["msgspec-if-installed", "stdlib"])
@pytest.mark.parametrize("data", JSON_INPUTS)
def test_loads_is_json_loads(monkeypatch, compiled, data):
    if not compiled:
        monkeypatch.setattr(context, "_compiled_loads", None)
    assert outcome(context.loads, data) == outcome(json.loads, data)


def _decoded_then_loaded(data):
    return json.loads(data.decode("utf-8"))


@pytest.mark.parametrize("compiled", [True, False], ids=["msgspec-if-installed", "stdlib"])
@pytest.mark.parametrize("data", [d for d in JSON_INPUTS if isinstance(d, bytes)]
                         + [b'{"a": "\xed\xa0\x80"}', b'{"a": "\xc3\xa9"}', b'"\xe9"'])
def test_loads_utf8_is_decode_then_json_loads(monkeypatch, compiled, data):
    """carya.api's body parser: UTF-8 only, the same values and errors as decoding first."""
    if not compiled:
        monkeypatch.setattr(context, "_compiled_loads", None)
    assert outcome(context.loads_utf8, data) == outcome(_decoded_then_loaded, data)


# --- status/Location and headers/json/host_url without the objects ------------------------
#
# While no request/response object exists, ``carya.request`` answers ``headers``, ``json``
# and ``host_url`` from the environ, and ``carya.response`` keeps ``status``/``location``
# on the state. Every case below is sent to the same controller twice: on an app with
# carya's own classes (the light path) and on one with subclasses (which turn it off,
# so every attribute goes to a real object); the two answers must be the same bytes.


class _HeavyRequest(Request):
    pass


class _HeavyResponse(Response):
    pass


class _TouchedHook:
    """An ``after`` hook that reads the response (a response object made after the fact)."""

    def after(self, st):
        st.response.headers["X-Seen-Status"] = st.response.status


class Light(RestController):
    @expose("json")
    def post(self):
        token = request.headers.get("X-Auth-Token")
        body = request.json
        response.status = 201
        response.location = request.host_url + "/servers/1"
        return {"token": token, "body": body}

    @expose("json")
    def get_all(self):
        case = request.GET.get("case", "")
        return self._cases[case]()

    _cases: dict = {}


def _case(fn):
    Light._cases[fn.__name__] = fn
    return fn


@_case
def relative_location():
    response.location = "/servers/2"  # made absolute, as WebOb does
    return {"ok": 1}


def _status_case(code, result):
    def case():
        response.status = code
        return result

    return case


for _code, _why in ((202, "a plain status"), (200, "200 on a handler declared 201"),
                    (204, "no content, yet a body"), (304, "not modified, yet a body"),
                    (404, "a status with an error page")):
    Light._cases[f"status_{_code}"] = _status_case(_code, {"why": _why})
for _code in (204, 304, 201, 200):  # and with nothing to send (None, or "" on /text)
    Light._cases[f"status_{_code}_none"] = _status_case(_code, None)
    Light._cases[f"status_{_code}_empty"] = _status_case(_code, "")


@_case
def deleted_with_location():
    response.status = 204
    response.location = "/servers/1"
    return None


@_case
def status_then_read():
    response.status = 201
    response.headers["X-Status"] = response.status  # a rare attribute: the real object
    return {"ok": 1}


@_case
def location_cleared():
    response.location = "/a"
    response.location = None
    return {"ok": 1}


@_case
def status_as_text():
    response.status = "299 Custom"  # not an int: straight to a real response
    return {"ok": 1}


@_case
def empty_result():
    response.status = 202
    return None


@_case
def return_the_response():
    response.status = 201
    response.text = "as text"
    return response


@_case
def raise_after_status():
    response.status = 201
    response.location = "/x"
    raise webob.exc.HTTPConflict("busy")


@_case
def replaced_response():
    response.status = 201
    response.location = "/x"
    state.response = webob.Response("replaced", status=203)
    return state.response


class LightRoot:
    servers = Light()

    @expose("json")
    @declared_status(201)
    def created(self):
        """The same cases in a handler whose declared success status is 201."""
        return Light._cases[request.GET.get("case", "")]()

    @expose()
    def text(self):
        """The same cases in a text handler (an empty result is no body at all)."""
        return Light._cases[request.GET.get("case", "")]()

    @expose()
    def notfound(self):
        return "the error page"


def _both(hooks=()):
    light = make_app(LightRoot(), hooks=list(hooks), errors={404: "/notfound"})
    heavy = make_app(LightRoot(), hooks=list(hooks), errors={404: "/notfound"},
                     request_cls=_HeavyRequest, response_cls=_HeavyResponse)
    assert light.light_request and light.light_response
    assert not heavy.light_request and not heavy.light_response
    return light, heavy


def _answer(app, method, path, body=None, **headers):
    req = webob.Request.blank(path, method=method, headers=headers, body=body)
    if body is not None:
        req.content_type = "application/json"
    resp = req.get_response(app)
    return resp.status, resp.headerlist, resp.body


@pytest.mark.parametrize("case", sorted(Light._cases))
@pytest.mark.parametrize("hooks", [(), (_TouchedHook(),)], ids=["plain", "after-hook"])
def test_light_path_answers_as_the_objects_do(case, hooks):
    light, heavy = _both(hooks)
    for method in ("GET", "HEAD"):
        for path in (f"/servers?case={case}", f"/created?case={case}", f"/text?case={case}"):
            assert _answer(light, method, path) == _answer(heavy, method, path)


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "t"}, {"Host": "api:8774"}])
@pytest.mark.parametrize("body", [b'{"a": [1, 2]}', b"{nope", b"", b"[" * 50000])
def test_light_create_answers_as_the_objects_do(headers, body):
    light, heavy = _both()
    got = _answer(light, "POST", "/servers", body, **headers)
    assert got == _answer(heavy, "POST", "/servers", body, **headers)
    if body == b'{"a": [1, 2]}':
        status, headerlist, _ = got
        assert status == "201 Created"
        assert ("Location", "http://" + headers.get("Host", "localhost:80").replace(":80", "")
                + "/servers/1") in headerlist


def test_light_request_answers_without_a_request_object():
    seen = {}

    class Root:
        @expose("json")
        def index(self):
            seen["headers"] = request.headers.get("X-A")
            seen["json"] = request.json
            seen["host"] = request.host_url
            seen["built"] = state._request is not None
            seen["again"] = request.json  # the body stays readable (WebOb reads it now)
            view = request.headers
            seen["same view"] = view is request.headers
            seen["object view"] = request.path is not None and state.request.headers is view
            return {}

    TestApp(make_app(Root())).post("/", b'{"k": 1}', headers={"X-A": "1"},
                                   content_type="application/json")
    assert seen == {"headers": "1", "json": {"k": 1}, "again": {"k": 1},
                    "host": "http://localhost", "built": False, "same view": True,
                    "object view": True}


def test_light_response_keeps_status_and_location_on_the_state():
    seen = {}

    class Root:
        @expose("json")
        def index(self):
            response.status = 201
            response.location = "http://x/1"
            seen["built"] = state._response is not None
            seen["pending"] = list(state.pending)
            with pytest.raises(ValueError, match="control characters"):
                response.location = "http://x/\r\nSet-Cookie: a=b"
            return {}

    resp = TestApp(make_app(Root())).get("/", status=201)
    assert resp.headers["Location"] == "http://x/1"
    assert seen == {"built": False, "pending": ["201 Created", "http://x/1"]}


@pytest.mark.parametrize("reader", ["request.json", "request.body", "carya.api"])
def test_a_body_shorter_than_its_length_is_a_400(reader):
    """WebOb calls it a disconnection; whoever is still listening gets a 400, not a 500."""
    from carya.api import APIRouter, Controller, ResourceExtension

    class Root:
        @expose("json")
        def index(self):
            return {"n": len(request.json if reader == "request.json" else request.body)}

    class Things(Controller):
        def create(self, req, body):
            return {"body": body}

    app = (APIRouter(resources=[ResourceExtension("things", Things())])
           if reader == "carya.api" else make_app(Root()))
    env = webob.Request.blank("/things" if reader == "carya.api" else "/", method="POST",
                              content_type="application/json").environ
    env.update({"CONTENT_LENGTH": "20", "wsgi.input": io.BytesIO(b'{"a": 1}')})
    resp = webob.Request(env).get_response(app)
    assert resp.status_int == 400
    assert "Incomplete request body" in resp.text and "12 more bytes" in resp.text

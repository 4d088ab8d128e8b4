"""carya's compiled ``wsexpose`` path: what it keeps of WSME's function and registry.

The answers themselves are compared with WSME's own path (and real Pecan) case
by case in :mod:`tests.compat.test_wsme`; here, the parts that table cannot see.
"""

from __future__ import annotations

import json

import wsme
import wsme.rest.args
import wsme.rest.json
from hypothesis import example, given, settings
from hypothesis import strategies as st
from webtest import TestApp
from wsme import types as wtypes

from carya import hooks
from carya.compat import wsexpose as compiled
from tests.compat.test_wsme import load_wsmeext, pecan_package, wsme_callfunction


def make(root, **kw) -> TestApp:
    return TestApp(pecan_package("carya").make_app(root, **kw))


def test_the_compiled_function_keeps_wsmes_attributes_for_hooks():
    """Hooks read ``state.controller`` (its WSME definition, name, signature)."""
    pecan = pecan_package("carya")
    wsexpose = load_wsmeext(pecan).wsexpose
    seen = {}

    class Recorder(hooks.PecanHook):
        def before(self, state):
            controller = state.controller
            seen["definition"] = controller._wsme_definition
            seen["name"] = controller.__name__
            seen["wrapped"] = controller.__wrapped__

    class Root:
        @wsexpose(wtypes.text, wtypes.text)
        def echo(self, word):
            return word

    original = Root.__dict__["echo"]
    app = make(Root(), hooks=[Recorder()])
    assert app.get("/echo/hi").json == "hi"
    assert seen == {"definition": original._wsme_definition, "name": "echo",
                    "wrapped": original.__wrapped__}


def test_a_conversion_registered_after_the_first_request_is_used():
    """WSME's generic functions can gain a conversion at any time: the compiled
    encoder notices and compiles again, so the answer is WSME's."""
    pecan = pecan_package("carya")
    wsexpose = load_wsmeext(pecan).wsexpose

    class Cents(wtypes.UserType):
        basetype = int
        name = "cents"

    cents = Cents()

    class Root:
        @wsexpose(cents)
        def price(self):
            return 250

    app = make(Root())
    assert app.get("/price").body == b"250"
    wsme.rest.json.tojson.when_object(cents)(lambda datatype, value: f"{value / 100:.2f}")
    assert app.get("/price").body == b'"2.50"'
    with wsme_callfunction():
        assert make(Root()).get("/price").body == b'"2.50"'


def test_a_conversion_registered_for_a_type_is_what_encodes_it(monkeypatch):
    """The application's own ``tojson`` for a type (and for an attribute's type) is
    called where WSME's dispatch would call it; WSME's encoder is not needed."""
    pecan = pecan_package("carya")
    wsexpose = load_wsmeext(pecan).wsexpose

    class Point(wtypes.Base):
        x = int
        y = int

    class Segment(wtypes.Base):
        start = Point
        name = wtypes.text

    wtypes.registry.register(Point)
    wtypes.registry.register(Segment)
    wsme.rest.json.tojson.when_object(Point)(lambda datatype, value: [value.x, value.y])

    class Root:
        @wsexpose(Segment)
        def segment(self):
            return Segment(start=Point(x=0, y=1), name="s")

    encoded = []
    encode_result = wsme.rest.json.encode_result
    monkeypatch.setattr(wsme.rest.json, "encode_result",
                        lambda *a, **kw: encoded.append(a) or encode_result(*a, **kw))
    assert make(Root()).get("/segment").json == {"start": [0, 1], "name": "s"}
    assert encoded == []
    with wsme_callfunction():
        assert make(Root()).get("/segment").json == {"start": [0, 1], "name": "s"}
    assert len(encoded) == 1


def test_disable_leaves_new_handlers_to_wsme(monkeypatch):
    pecan = pecan_package("carya")
    wsexpose = load_wsmeext(pecan).wsexpose
    parsed = []
    get_args = wsme.rest.args.get_args
    monkeypatch.setattr(wsme.rest.args, "get_args",
                        lambda *a, **kw: parsed.append(a[1]) or get_args(*a, **kw))

    class Root:
        @wsexpose(int, int)
        def twice(self, n):
            return 2 * n

    assert make(Root()).get("/twice/4").json == 8
    assert parsed == []  # compiled: WSME's parser did not run
    with wsme_callfunction():
        app = make(Root())
        assert compiled.adapt not in compiled.ADAPTERS
        assert app.get("/twice/5").json == 10
    assert compiled.adapt in compiled.ADAPTERS
    assert parsed == [("5",)]


def test_the_status_code_replaces_one_a_hook_set_as_wsme_does():
    """WSME sets its status after the call even when it is 200 and a hook set another."""
    pecan = pecan_package("carya")
    wsexpose = load_wsmeext(pecan).wsexpose

    class Accepting(hooks.PecanHook):
        def before(self, state):
            pecan.response.status = 202

    class Root:
        @wsexpose(wtypes.text)
        def plain(self):
            return "ok"

        @wsexpose(wtypes.text, status_code=201)
        def made(self):
            return "new"

    def statuses():
        app = make(Root(), hooks=[Accepting()])
        return [app.get(path).status for path in ("/plain", "/made")]

    compiled_answer = statuses()
    with wsme_callfunction():
        wsme_answer = statuses()
    assert compiled_answer == wsme_answer == ["200 OK", "201 Created"]


class Flat(wtypes.Base):
    text = wtypes.text
    number = int
    ratio = float
    flag = bool
    named = wsme.wsattr(wtypes.text, name="other-name")
    counted = wsme.wsattr(int, default=7)


wtypes.registry.register(Flat)
_unset = st.just(wtypes.Unset)
flat_values = st.fixed_dictionaries({
    "text": st.one_of(_unset, st.none(), st.text()),
    "number": st.one_of(_unset, st.none(), st.integers()),
    "ratio": st.one_of(_unset, st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    "flag": st.one_of(_unset, st.none(), st.booleans()),
    "named": st.one_of(_unset, st.text()),
    "counted": st.one_of(_unset, st.integers()),
})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(flat_values, st.integers(0, 3))
@example({"ratio": float("inf"), "text": "é\n\u2028"}, 1)
@example({"ratio": float("-inf"), "number": -(2**70), "flag": False}, 1)
@example({"ratio": float("nan"), "named": None, "counted": 0}, 2)
def test_flat_results_are_written_as_wsme_writes_them(values, how_many):
    """The directly written JSON text of a flat type (and of a list of them) is
    ``json.dumps(tojson(...))``, WSME's encoding, byte for byte."""
    item = Flat(**{key: value for key, value in values.items() if value is not wtypes.Unset})
    registry = compiled.registry()
    assert registry.json(Flat, item) == json.dumps(wsme.rest.json.tojson(Flat, item))
    assert registry._compile_text(Flat) is not None  # written directly, not via the dict
    many = wtypes.ArrayType(Flat)
    items = [item] * how_many + [None]
    assert registry.json(many, items) == json.dumps(wsme.rest.json.tojson(many, items))


class Node(wtypes.Base):
    """A type that contains itself (by name, resolved by WSME's registry)."""

    name = wtypes.text
    children = wsme.wsattr(["Node"])


wtypes.registry.register(Node)


def test_a_type_that_contains_itself_is_encoded_and_decoded_as_wsme_does():
    registry = compiled.registry()
    tree = Node(name="a", children=[Node(name="b", children=[]), Node(name="c")])
    assert registry.json(Node, tree) == json.dumps(wsme.rest.json.tojson(Node, tree))
    assert registry.encoder(Node) is not None
    body = {"name": "a", "children": [{"name": "b"}, {"children": []}]}
    made = registry.decoder(Node)(body)
    assert wsme.rest.json.tojson(Node, made) == wsme.rest.json.tojson(
        Node, wsme.rest.json.fromjson(Node, body))

"""A small WSME service, written once and built on real Pecan and on carya.

The types are plain WSME types (shared); :func:`build_root` writes the
controllers against one framework's ``pecan`` module and the ``wsexpose`` of
the ``wsmeext.pecan`` copy loaded for it (see :func:`tests.compat.test_wsme.load_wsmeext`).
It covers what OpenStack services use: ``wtypes.Base`` types with mandatory,
read-only, renamed and defaulted attributes and enums, lists and dicts,
``body=``, ``status_code=``, 204 results, ``wsme.api.Response``,
``ClientSideError`` faults, optional arguments and a ``RestController`` with nested resources.
"""

from __future__ import annotations

import datetime

import wsme
import wsme.api
from wsme import types as wtypes


class Color(wtypes.Base):
    name = wsme.wsattr(wtypes.text, mandatory=True)
    shade = wtypes.Enum(str, "light", "dark")
    weight = int
    tags = [wtypes.text]
    seen = datetime.datetime

    def __init__(self, **kw):
        super().__init__(**kw)


class Palette(wtypes.Base):
    colors = [Color]
    owner = wtypes.text


class Toy(wtypes.Base):
    toy_id = int
    name = wtypes.text


class Gadget(wtypes.Base):
    """Flat: every attribute a plain ``wsattr`` of str/int/float/bool, renamed,
    read-only, defaulted or mandatory, and a ``validate`` of the type's own."""

    gadget_id = wsme.wsattr(int, readonly=True)
    label = wsme.wsattr(wtypes.text, name="display_label")
    price = float
    active = bool
    count = wsme.wsattr(int, default=0)
    maker = wsme.wsattr(wtypes.text, mandatory=True)

    @staticmethod
    def validate(gadget):
        """The type's own check, which WSME runs on a body once its attributes are set."""
        if isinstance(gadget.price, float) and gadget.price < 0:
            raise ValueError("a price cannot be negative")
        return gadget


class Shelf(wtypes.Base):
    """A computed ``wsproperty`` beside a plain attribute."""

    name = wtypes.text

    def _get_size(self):
        return len(self.name or "")

    def _set_size(self, value):
        pass  # computed: a client's value is ignored

    size = wsme.wsproperty(int, _get_size, _set_size)


class NotFound(wsme.exc.ClientSideError):
    def __init__(self, what: str):
        super().__init__(f"{what} not found", status_code=404)


class Teapot(Exception):
    """A non-WSME exception carrying an HTTP code (WSME answers with it)."""

    code = 418


SEED = {
    "red": {"name": "red", "shade": "dark", "weight": 3, "tags": ["warm"],
            "seen": datetime.datetime(2024, 5, 1, 12, 30)},
    "sky": {"name": "sky", "shade": "light", "weight": 1, "tags": []},
}


def build_root(side) -> object:
    """The root controller, built with one side's ``expose``, ``abort``,
    ``RestController`` and ``wsexpose`` (the ``sides`` fixture of :mod:`tests.compat.test_wsme`)."""
    wsexpose = side.wsexpose
    store = {key: dict(value) for key, value in SEED.items()}
    toys: dict[int, dict[int, Toy]] = {}

    def color(name: str) -> Color:
        if name not in store:
            raise NotFound(f"color {name}")
        return Color(**store[name])

    class ToysController(side.RestController):
        """Nested: /colors/<name>/toys[/<id>]."""

        @wsexpose([Toy], wtypes.text)
        def get_all(self, color_name):
            color(color_name)
            return [toys[color_name][key] for key in sorted(toys.get(color_name, {}))]

        @wsexpose(Toy, wtypes.text, int)
        def get_one(self, color_name, toy_id):
            found = toys.get(color_name, {}).get(toy_id)
            if found is None:
                raise NotFound(f"toy {toy_id}")
            return found

        @wsexpose(Toy, wtypes.text, body=Toy, status_code=201)
        def post(self, color_name, toy):
            color(color_name)
            mine = toys.setdefault(color_name, {})
            toy.toy_id = len(mine) + 1
            mine[toy.toy_id] = toy
            return toy

    class ColorsController(side.RestController):
        toys = ToysController()

        _custom_actions = {"mix": ["POST"], "names": ["GET"]}

        @wsexpose([Color], wtypes.text, int)
        def get_all(self, shade=None, limit=None):
            found = [Color(**store[key]) for key in sorted(store)]
            if shade:
                found = [c for c in found if c.shade == shade]
            return found[:limit] if limit else found

        @wsexpose(Color, wtypes.text)
        def get_one(self, name):
            return color(name)

        @wsexpose(Color, body=Color, status_code=201)
        def post(self, new):
            if new.name in store:
                raise wsme.exc.ClientSideError(f"color {new.name} exists", status_code=409)
            store[new.name] = {
                key: getattr(new, key) for key in ("name", "shade", "weight", "tags", "seen")
                if getattr(new, key) is not wtypes.Unset
            }
            return new

        @wsexpose(Color, wtypes.text, body=Color)
        def put(self, name, changed):
            color(name)
            if changed.name != name:
                raise wsme.exc.ClientSideError("a color cannot be renamed")
            store[name] = {k: getattr(changed, k) for k in ("name", "shade", "weight", "tags")}
            return wsme.api.Response(color(name), status_code=202)

        @wsexpose(None, wtypes.text, status_code=204)
        def delete(self, name):
            color(name)
            del store[name]

        @wsexpose(Palette, body=[wtypes.text])
        def mix(self, names):
            return Palette(colors=[color(n) for n in names], owner="mixer")

        @wsexpose({wtypes.text: int})
        def names(self):
            return {key: store[key].get("weight", 0) for key in store}

    class RootController:
        colors = ColorsController()

        @wsexpose(wtypes.text)
        def hello(self):
            return "hello"

        @wsexpose(int, int, int)
        def add(self, a, b=10):
            return a + b

        @wsexpose(wtypes.text, wtypes.text, wtypes.text)
        def greet(self, who, greeting="hi"):
            return f"{greeting} {who}"

        @wsexpose(None)
        def nothing(self):
            return None

        @wsexpose(wtypes.text)
        def gone(self):
            side.abort(404)

        @wsexpose(wtypes.text)
        def teapot(self):
            raise Teapot("short and stout")

        @wsexpose(wtypes.text)
        def broken(self):
            raise RuntimeError("kaput")

        @wsexpose(Color, status_code=202)
        def accepted(self):
            return wsme.api.Response(None, status_code=204)

        @wsexpose([int], body=[int])
        def double(self, numbers):
            return [n * 2 for n in numbers]

        @wsexpose(wtypes.text, wtypes.Enum(str, "a", "b"))
        def pick(self, choice):
            return f"picked {choice}"

        @wsexpose(Gadget, body=Gadget, status_code=201)
        def gadgets(self, gadget):
            return gadget

        @wsexpose(Gadget, int)
        def gadget(self, gadget_id):
            made = Gadget(maker="acme", price=2.5)
            made.gadget_id = gadget_id
            return made

        @wsexpose(wtypes.text, datetime.date)
        def day(self, when):
            return when.isoformat()

        @wsexpose(Shelf, wtypes.text)
        def shelf(self, name):
            return Shelf(name=name)

        @wsexpose(Shelf, body=Shelf)
        def shelves(self, shelf):
            return shelf

        @side.expose("json")
        def plain(self):
            return {"plain": True}

    return RootController()

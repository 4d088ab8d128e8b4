"""Pecan internals real services use, on real Pecan and on carya's ``pecan`` package.

Each test runs against real Pecan and :mod:`carya.compat.pecan` (what the alias
gives), so what it asserts is Pecan's behaviour. They come from the services
scripts/real-services runs: Designate overrides ``RestController._handle_post``
and friends with ``_find_controller`` and ``pecan.routing.lookup_controller``,
and sets its error pages in the configuration before ``make_app``.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import SimpleNamespace

import pytest
from webtest import TestApp

PACKAGES = ("pecan", "carya.compat.pecan")


@pytest.fixture(params=PACKAGES)
def pk(request) -> SimpleNamespace:
    """One side's ``pecan``, ``pecan.rest``, ``pecan.routing``, ``pecan.configuration``."""
    name = request.param
    root = importlib.import_module(name)
    assert root.__name__ == name
    yield SimpleNamespace(
        name=name, pecan=root, rest=importlib.import_module(f"{name}.rest"),
        routing=importlib.import_module(f"{name}.routing"),
        configuration=importlib.import_module(f"{name}.configuration"),
    )
    defaults = importlib.import_module(f"{name}.configuration").initconf()
    root.set_config(dict(defaults), overwrite=True)


def designate_style_root(pk):
    """A RestController whose ``_handle_post`` is Designate's (abridged)."""

    class Tasks:
        @pk.pecan.expose("json")
        def abandon(self):
            return {"abandoned": pk.pecan.request.method}

    class Zones(pk.rest.RestController):
        tasks = Tasks()

        def _handle_post(self, method, remainder, request=None):
            if not remainder or remainder == [""]:
                controller = self._find_controller("post_all", "post")
                if controller:
                    return controller, []
                pk.pecan.abort(405)
            controller = getattr(self, remainder[0], None)
            if controller and not callable(controller):
                return pk.routing.lookup_controller(controller, remainder[1:], request=request)
            controller = self._find_controller("post_one", "post")
            if controller:
                return controller, remainder
            pk.pecan.abort(405)

        @pk.pecan.expose("json")
        def post_all(self):
            return {"made": "zone"}

        @pk.pecan.expose("json")
        def post_one(self, zone_id):
            return {"posted": zone_id}

    class Root:
        zones = Zones()

    return Root()


def test_overridden_handle_post_with_find_controller(pk):
    app = TestApp(pk.pecan.make_app(designate_style_root(pk)))
    assert app.post("/zones").json == {"made": "zone"}
    assert app.post("/zones/z1").json == {"posted": "z1"}


def test_lookup_controller_from_a_handle_override(pk):
    app = TestApp(pk.pecan.make_app(designate_style_root(pk)))
    assert app.post("/zones/tasks/abandon").json == {"abandoned": "POST"}


def test_find_controller_skips_what_is_not_exposed(pk):
    class Things(pk.rest.RestController):
        post_all = None

        @pk.pecan.expose()
        def post(self):
            return "post"

    assert Things()._find_controller("post_all", "missing", "post")() == "post"
    assert Things()._find_controller("post_all", "missing") is None


def test_make_app_takes_error_pages_from_the_configuration(pk):
    """Designate: ``set_config({'app': {'errors': ...}})``, then ``make_app`` without them."""

    class Errors:
        @pk.pecan.expose("json")
        def not_found(self):
            return {"page": "not found"}

    class Root:
        errors = Errors()

    config = {"app": {"errors": {404: "/errors/not_found", "__force_dict__": True}}}
    pk.configuration.set_config(config, overwrite=True)
    copied = dict(pk.pecan.conf)  # Designate copies the loaded config and sets it again
    pk.configuration.set_config(copied, overwrite=True)
    app = TestApp(pk.pecan.make_app(Root()))
    resp = app.get("/nowhere", status=404)
    assert resp.json == {"page": "not found"}


def test_error_pages_with_string_keys_are_not_served(pk):
    """``{'404': '/error/404'}`` (WSME's test app): Pecan matches integer codes only."""

    class Root:
        @pk.pecan.expose()
        def error(self, status):
            return f"error page {status}"

    errors = {"404": "/error/404", 405: "/error/405", "__force_dict__": True}
    pk.configuration.set_config({"app": {"errors": errors}}, overwrite=True)
    resp = TestApp(pk.pecan.make_app(Root())).get("/nowhere", status=404)
    assert "error page" not in resp.text
    app = TestApp(pk.pecan.make_app(Root(), errors={404: "/error/404"}))
    assert app.get("/nowhere", status=404).text == "error page 404"


def test_pecan_templating_and_util_come_with_import_pecan():
    """``import pecan`` alone gives ``pecan.templating`` and ``pecan.util`` (WSME uses both)."""
    code = (
        "from carya.compat import alias; alias.install(); import pecan, carya.render; "
        "assert pecan.templating._builtin_renderers is importlib.import_module("
        "'carya.render').BUILTIN; print(callable(pecan.util._cfg))"
    )
    done = subprocess.run([sys.executable, "-c", "import importlib; " + code],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"

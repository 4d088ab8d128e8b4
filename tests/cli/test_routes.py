"""``carya routes``: the URL map of object dispatch and RestControllers, and ``--match``."""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.conftest import CATALOG_CONFIG, run_carya

CATALOG = "catalog.controllers.root"
ZOO = "cli_zoo.controllers"


def _rows(stdout: str) -> list[list[str]]:
    """Table rows split on the column gaps (two or more spaces)."""
    import re

    lines = stdout.strip().splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in lines]


@pytest.fixture(scope="module")
def catalog_rows() -> list[list[str]]:
    done = run_carya("routes", CATALOG_CONFIG)
    assert done.returncode == 0, done.stderr
    return _rows(done.stdout)


@pytest.fixture(scope="module")
def zoo_routes() -> list[dict]:
    from tests.cli.conftest import ZOO_DIR

    done = run_carya("routes", os.path.join(ZOO_DIR, "config.py"), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _find(routes: list[dict], path: str, method: str | None = None) -> dict:
    hits = [r for r in routes if r["path"] == path
            and (method is None or method in r["methods"] or not r["methods"])]
    assert len(hits) == 1, (path, method, hits)
    return hits[0]


def test_table_header_and_alignment(catalog_rows):
    done = run_carya("routes", CATALOG_CONFIG)
    lines = done.stdout.strip().splitlines()
    assert catalog_rows[0] == ["METHODS", "PATH", "HANDLER", "KIND"]
    starts = {line.index("/") for line in lines[1:]}
    assert len(starts) == 1, "the PATH column is aligned"


def test_seed_003_object_dispatch(catalog_rows):
    rows = catalog_rows[1:]
    assert ["ANY", "/catalog/", f"{CATALOG}.CatalogController.index", "static"] in rows
    assert ["ANY", "/catalog/books/bestsellers", f"{CATALOG}.BooksController.bestsellers",
            "static"] in rows
    assert ["ANY", "/catalog", "-> /catalog/", "redirect"] in rows
    assert ["GET", "/", f"{CATALOG}.RootController.index", "static"] in rows
    assert ["POST", "/", f"{CATALOG}.RootController.index_post(q)", "static"] in rows
    assert ["POST", "/basemethod/", f"{CATALOG}.BaseMethodController.index_POST(**kw)",
            "static"] in rows
    assert ["ANY", "/error", f"{CATALOG}.RootController.error(status)", "static"] in rows
    assert ["ANY", "/look_test/{...}", f"{CATALOG}.LookupTest._lookup (dynamic)",
            "lookup"] in rows
    assert ["GET", "/my_restcontroller/{id}", f"{CATALOG}.MyRestController.get(id)",
            "rest"] in rows
    assert not any(r[1] == "/my_restcontroller" for r in rows), \
        "get(self, id) needs an id: there is no collection GET"


def test_json_has_every_field(zoo_routes):
    route = _find(zoo_routes, "/authors/{author_id}", "GET")
    assert route == {
        "methods": ["GET", "HEAD"],
        "path": "/authors/{author_id}",
        "handler": f"{ZOO}.AuthorsController.get_one",
        "kind": "rest",
        "params": ["author_id"],
        "dynamic": False,
        "name": None,
        "notes": [],
    }


@pytest.mark.parametrize("method, path, handler, kind", [
    ("GET", "/authors", "AuthorsController.get_all", "rest"),
    ("POST", "/authors", "AuthorsController.post", "rest"),
    ("GET", "/authors/new", "AuthorsController.new", "rest"),
    ("PUT", "/authors/{author_id}", "AuthorsController.put", "rest"),
    ("DELETE", "/authors/{author_id}", "AuthorsController.delete", "rest"),
    ("GET", "/authors/stats", "AuthorsController.stats", "action"),
    ("POST", "/authors/{author_id}/publish", "AuthorsController.publish", "action"),
    ("GET", "/authors/{author_id}/books", "BooksController.get_all", "rest"),
    ("POST", "/authors/{author_id}/books", "BooksController.post", "rest"),
    ("GET", "/authors/{author_id}/books/{book_id}", "BooksController.get_one", "rest"),
])
def test_rest_controllers(zoo_routes, method, path, handler, kind):
    route = _find(zoo_routes, path, method)
    assert route["handler"] == f"{ZOO}.{handler}"
    assert route["kind"] == kind
    assert method in route["methods"]


@pytest.mark.parametrize("path, handler, kind", [
    ("/items/{...}", "ItemsController._lookup", "lookup"),
    ("/pages/{...}", "PagesController._default", "default"),
    ("/proxy/{...}", "ProxyController._route", "route"),
])
def test_dynamic_places(zoo_routes, path, handler, kind):
    route = _find(zoo_routes, path)
    assert (route["handler"], route["kind"], route["dynamic"]) == (f"{ZOO}.{handler}", kind, True)
    assert route["methods"] == []


def test_secured_and_generic(zoo_routes):
    admin = _find(zoo_routes, "/admin/")
    assert (admin["kind"], admin["notes"]) == ("walk", ["secured"])
    about = _find(zoo_routes, "/about")
    assert (about["kind"], about["params"], about["methods"]) == ("static", ["topic"], [])
    post = _find(zoo_routes, "/", "POST")
    assert post["handler"] == f"{ZOO}.RootController.index_post"
    assert post["methods"] == ["POST"]


def test_every_listed_path_routes_where_listed(zoo_routes, zoo):
    """Each concrete route, asked with --match, reaches the handler the table names."""
    config = os.path.join(zoo, "config.py")
    for route in zoo_routes:
        if route["dynamic"] or route["kind"] == "redirect" or "admin" in route["path"]:
            continue
        path = route["path"].replace("{author_id}", "7").replace("{book_id}", "3")
        method = route["methods"][0] if route["methods"] else "GET"
        extra = "?name=x" if route["handler"].endswith(".hello") else ""
        done = run_carya("routes", config, "--json", "--match", method, path + extra)
        assert done.returncode == 0, (route, done.stdout, done.stderr)
        assert json.loads(done.stdout)["handler"] == route["handler"], route


# --- --match ----------------------------------------------------------------------------


def _match(config: str, *args: str) -> tuple[int, dict]:
    done = run_carya("routes", config, "--json", "--match", *args)
    return done.returncode, json.loads(done.stdout)


def test_match_nested_rest_with_hooks(zoo):
    code, info = _match(os.path.join(zoo, "config.py"), "GET", "/authors/7/books/3")
    assert code == 0
    assert info["handler"] == f"{ZOO}.BooksController.get_one"
    assert info["controller"] == f"{ZOO}.BooksController"
    assert info["args"] == ["7", "3"]
    assert info["content_type"] == "application/json"
    assert info["hooks"] == [f"{ZOO}.StampHook"]
    assert info["via"] == "router"


def test_match_lookup_default_and_route(zoo):
    config = os.path.join(zoo, "config.py")
    assert _match(config, "GET", "/items/5/")[1]["handler"] == f"{ZOO}.ItemController.index"
    code, info = _match(config, "GET", "/pages/a/b")
    assert (code, info["handler"], info["args"]) == (0, f"{ZOO}.PagesController._default",
                                                     ["a", "b"])
    code, info = _match(config, "DELETE", "/proxy/x/y")
    assert (code, info["handler"], info["args"]) == (0, f"{ZOO}.ProxyController.echo", ["x", "y"])


def test_match_query_extension_and_accept(zoo):
    config = os.path.join(zoo, "config.py")
    code, info = _match(config, "GET", "/about?topic=bears")
    assert (code, info["args"], info["via"]) == (0, ["bears"], "static table")
    assert info["content_type"] == "text/plain", "the outermost @expose is the default"
    assert _match(config, "GET", "/about.json")[1]["content_type"] == "application/json"
    done = run_carya("routes", config, "--json", "--match", "GET", "/about",
                     "-H", "Accept: application/json")
    assert json.loads(done.stdout)["content_type"] == "application/json"
    done = run_carya("routes", config, "--match", "GET", "/about", "-H", "Accept: image/png")
    assert done.returncode == 1
    assert "406 Not Acceptable" in done.stderr


def test_match_text_output(zoo):
    done = run_carya("routes", os.path.join(zoo, "config.py"), "--match", "POST",
                     "/authors/7/publish")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "POST /authors/7/publish",
        f"  handler:      {ZOO}.AuthorsController.publish",
        f"  controller:   {ZOO}.AuthorsController",
        "  args:         ['7']",
        "  kwargs:       {}",
        "  content type: application/json",
        f"  hooks:        {ZOO}.StampHook",
        "  routed by:    router",
    ]


def test_match_not_found_is_status_1(zoo):
    done = run_carya("routes", CATALOG_CONFIG, "--match", "GET", "/catalog/nowhere")
    assert done.returncode == 1
    assert done.stderr.strip() == "carya routes: GET /catalog/nowhere: 404 Not Found"
    assert done.stdout == ""
    # The root's generic index takes the path, but not that many segments.
    done = run_carya("routes", os.path.join(zoo, "config.py"), "--match", "GET", "/nowhere/x")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "carya routes: GET /nowhere/x: 404 Not Found: the path has more segments than the "
        f"handler takes [handler {ZOO}.RootController.index]"
    )


def test_match_method_not_allowed_is_status_1(zoo):
    done = run_carya("routes", os.path.join(zoo, "config.py"), "--match", "PATCH", "/authors/1")
    assert done.returncode == 1
    assert "405 Method Not Allowed (allowed: DELETE, GET, HEAD, POST, PUT)" in done.stderr
    done = run_carya("routes", CATALOG_CONFIG, "--match", "DELETE", "/my_restcontroller/5")
    assert done.returncode == 1
    assert "405 Method Not Allowed (allowed: GET, HEAD)" in done.stderr


def test_match_refusals_name_the_handler(zoo):
    config = os.path.join(zoo, "config.py")
    done = run_carya("routes", config, "--match", "GET", "/hello")
    assert done.returncode == 1
    assert "400 Bad Request: Missing argument 'name'" in done.stderr
    assert f"[handler {ZOO}.RootController.hello]" in done.stderr
    done = run_carya("routes", config, "--match", "GET", "/admin/")
    assert done.returncode == 1
    assert "401 Unauthorized" in done.stderr


def test_match_redirect(zoo):
    code, info = _match(os.path.join(zoo, "config.py"), "GET", "/pages")
    assert (code, info["status"], info["location"]) == (0, 302, "/pages/")
    code, info = _match(os.path.join(zoo, "config.py"), "POST", "/pages")
    assert info["status"] == 308


def test_match_seed_003_lookup():
    code, info = _match(CATALOG_CONFIG, "GET", "/look_test/66/name")
    assert (code, info["handler"]) == (0, f"{CATALOG}.StudentController.name")


def test_match_bad_path_argument(zoo):
    done = run_carya("routes", os.path.join(zoo, "config.py"), "--match", "GET", "authors")
    assert done.returncode == 2
    assert "must start with '/'" in done.stderr


# --- INI files: middleware and URL maps ------------------------------------------------------


def test_ini_url_map_prefixes_every_path(zoo):
    done = run_carya("routes", os.path.join(zoo, "zoo.ini") + "#mounted", "--json")
    assert done.returncode == 0, done.stderr
    routes = json.loads(done.stdout)
    assert all(r["path"].startswith("/api/v1/") for r in routes)
    assert _find(routes, "/api/v1/authors/{author_id}/books/{book_id}")["handler"] == \
        f"{ZOO}.BooksController.get_one"
    assert _find(routes, "/api/v1/pages")["handler"] == "-> /api/v1/pages/"


def test_ini_match_through_url_map(zoo):
    code, info = _match(os.path.join(zoo, "zoo.ini") + "#mounted", "GET", "/api/v1/authors/9")
    assert (code, info["handler"], info["args"], info["mount"]) == (
        0, f"{ZOO}.AuthorsController.get_one", ["9"], "/api/v1")
    code, info = _match(os.path.join(zoo, "zoo.ini") + "#mounted", "GET", "/authors/9")
    assert (code, info["status"]) == (1, 404)


def test_ini_pipeline_is_seen_through(zoo):
    plain = run_carya("routes", os.path.join(zoo, "config.py"))
    piped = run_carya("routes", os.path.join(zoo, "zoo.ini") + "#tagged")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == plain.stdout

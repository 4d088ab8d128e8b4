"""RestController routes precomputed when the app is built (carya/routing/rest.py:
``collection_targets``, ``member_target`` for GET, PUT and DELETE): each must answer as
the full walk does, and as real Pecan does."""

from __future__ import annotations

import pytest

from tests.parity import load_framework
from tests.routing.test_rest import _call, things_root

# --- the collection path itself (a precomputed route in carya) --------------------------------


def _answer(client, method, path, **kw):
    resp = getattr(client, method)(path, expect_errors=True, **kw)
    return resp.status_int, resp.body


def collection_root(fw):
    class Handled(fw.RestController):
        """``_handle_post`` takes over POST, so the plain ``post`` must not answer."""

        @fw.expose("json")
        def post(self, **kw):
            return _call("post", **kw)

        @fw.expose("json")
        def get_all(self):
            return _call("get_all")

        def _handle_post(self, method, remainder, request=None):
            return self.get_all, remainder

    class NeedsId(fw.RestController):
        @fw.expose("json")
        def get(self, thing_id):
            return _call("get", thing_id)

    class Root:
        things = things_root(fw).things
        handled = Handled()
        needs_id = NeedsId()

    return Root()


@pytest.mark.parametrize(("method", "path", "kw"), [
    ("get", "/things", {}),
    ("post_json", "/things", {"params": {"name": "x"}}),
    ("post", "/things?_method=delete", {}),
    ("post", "/things", {"params": {"_method": "put", "name": "x"}}),
    ("post", "/things", {"params": {"_method": "get"}}),
    ("get", "/things?_method=post", {}),
    ("head", "/things", {}),
    ("post_json", "/handled", {"params": {"a": 1}}),
    ("get", "/handled", {}),
    ("get", "/needs_id", {}),
    ("post_json", "/needs_id", {"params": {}}),
])
def test_collection_path_table_answers_as_the_walk(carya_fw, method, path, kw):
    """GET/POST on a RestController's own path route from a table built once; with the
    table emptied the full walk runs: overrides, ``_handle_<verb>`` and an id-taking
    ``get`` must answer the same either way."""
    table = carya_fw.client(collection_root(carya_fw))
    walk = carya_fw.client(collection_root(carya_fw))
    router = walk.app.router
    assert table.app.router.collections  # the fast table is in use
    router.collections.clear()
    assert _answer(table, method, path, **kw) == _answer(walk, method, path, **kw)


def test_collection_table_leaves_special_cases_to_the_walk(carya_fw):
    """Only plain ``post``/``get_all`` are precomputed: not ``_handle_post``, not a
    ``get`` that needs an id."""
    table = carya_fw.client(collection_root(carya_fw)).app.router.collections
    assert set(table["/things"]) == {"GET", "POST"}
    assert set(table["/handled"]) == {"GET"}
    assert "/needs_id" not in table or "GET" not in table["/needs_id"]


# --- GET <controller path>/<id> (a precomputed route in carya) ---------------------------------


def member_root(fw):
    class Handled(fw.RestController):
        """``_handle_get`` takes over GET: the plain ``get_one`` must not answer."""

        @fw.expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @fw.expose("json")
        def get_all(self):
            return _call("get_all")

        @fw.expose("json")
        def put(self, thing_id):
            return _call("put", thing_id)

        @fw.expose("json")
        def delete(self, thing_id):
            return _call("delete", thing_id)

        def _handle_get(self, method, remainder, request=None):
            return self.get_all, []

        def _handle_delete(self, method, remainder, request=None):
            return self.get_all, []

    class TwoIds(fw.RestController):
        @fw.expose("json")
        def get_one(self, first, second):
            return _call("get_one", first, second)

        @fw.expose("json")
        def delete(self, first, second):
            return _call("delete", first, second)

    class Root:
        things = things_root(fw).things
        handled = Handled()
        two = TwoIds()

    return Root()


MEMBER_PATHS = ["/things/7", "/things/stats", "/things/preview", "/things/new",
                "/things/edit", "/things/delete", "/things/get_all", "/things/7?_method=delete",
                "/things/7/", "/things/%41", "/handled/7", "/two/7", "/two/7/8"]


MEMBER_METHODS = ["get", "put", "delete"]


def _member_answer(client, method, path):
    if method == "put":
        return _answer(client, "put_json", path, params={"name": "x"})
    return _answer(client, method, path)


@pytest.mark.parametrize("method", MEMBER_METHODS)
@pytest.mark.parametrize("path", MEMBER_PATHS)
def test_member_table_answers_as_the_walk(carya_fw, method, path):
    """``GET``/``PUT``/``DELETE /things/<id>`` route from a table built once, except for
    the names a walk would route elsewhere (a sub-controller, a custom action, a form
    page); with the table emptied the full walk runs, and the answers must be the same."""
    table = carya_fw.client(member_root(carya_fw))
    walk = carya_fw.client(member_root(carya_fw))
    assert "/things" in table.app.router.members[method.upper()]  # the table is in use
    walk.app.router.members.clear()
    assert _member_answer(table, method, path) == _member_answer(walk, method, path)


@pytest.mark.parametrize("method", MEMBER_METHODS)
@pytest.mark.parametrize("path", MEMBER_PATHS)
def test_member_paths_answer_as_pecan(carya_fw, method, path):
    """The same requests on real Pecan: the same status, and the same body when it is
    200 (error pages are worded differently on purpose; see README, Where carya differs)."""
    pecan_fw = load_framework("pecan")
    carya_resp = _member_response(carya_fw.client(member_root(carya_fw)), method, path)
    try:
        pecan_resp = _member_response(pecan_fw.client(member_root(pecan_fw)), method, path)
    except TypeError:  # Pecan: a form page without its id raises (a 500); carya says 400
        assert carya_resp.status_int == 400
        return
    if method != "get" and pecan_resp.status_int == 302:
        # a write to a path needing its slash: 308, keeping the method (README)
        assert carya_resp.status_int == 308
        return
    assert carya_resp.status_int == pecan_resp.status_int
    if pecan_resp.status_int == 200:
        assert carya_resp.json == pecan_resp.json


def _member_response(client, method, path):
    if method == "put":
        return client.put_json(path, {"name": "x"}, expect_errors=True)
    return getattr(client, method)(path, expect_errors=True)


def test_member_tables_hold_only_plain_methods(carya_fw):
    members = carya_fw.client(member_root(carya_fw)).app.router.members
    # not _handle_get/_handle_delete, not a get_one/delete of two ids
    assert {method: set(paths) for method, paths in members.items()} == {
        "GET": {"/things"}, "PUT": {"/things", "/handled"}, "DELETE": {"/things"}}
    for method, name in (("GET", "get_one"), ("PUT", "put"), ("DELETE", "delete")):
        (target, _, _), walked = members[method]["/things"]
        assert target.name.endswith(name)
        assert {"stats", "preview", "publish"} <= walked
    assert {"new", "edit", "delete"} <= members["GET"]["/things"][1]

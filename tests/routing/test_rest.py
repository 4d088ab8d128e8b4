"""RestController routing: carya must route REST requests the way Pecan does.

Every behaviour is written once and run against real Pecan and against carya
(the ``fw`` fixture), so each assertion is known to be Pecan's behaviour.
Tests that only run on carya document an intended difference from Pecan;
"""

from __future__ import annotations

import pytest
from webtest import TestApp


def _call(fn, /, *args, **kw):
    return {"call": fn, "args": list(args), "kw": kw}


# --- the controllers -------------------------------------------------------------------


def things_root(fw):
    """A RestController with every conventional verb and two custom actions."""
    expose = fw.expose

    class StatsController:
        """A plain object-dispatch controller hanging off a RestController."""

        @expose("json")
        def index(self):
            return _call("stats.index")

        @expose("json")
        def count(self, *ids):
            return _call("stats.count", *ids)

    class ThingsController(fw.RestController):
        _custom_actions = {"preview": ["GET"], "publish": ["POST"]}

        stats = StatsController()

        @expose("json")
        def get_all(self, **kw):
            return _call("get_all", **kw)

        @expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @expose("json")
        def post(self, **kw):
            return _call("post", **kw)

        @expose("json")
        def put(self, thing_id, **kw):
            return _call("put", thing_id, **kw)

        @expose("json")
        def delete(self, thing_id):
            return _call("delete", thing_id)

        @expose("json")
        def new(self):
            return _call("new")

        @expose("json")
        def edit(self, thing_id):
            return _call("edit", thing_id)

        @expose("json")
        def get_delete(self, thing_id):
            return _call("get_delete", thing_id)

        @expose("json")
        def get_preview(self, thing_id=None):
            return _call("get_preview", thing_id)

        @expose("json")
        def post_publish(self, thing_id):
            return _call("post_publish", thing_id)

    class Root:
        things = ThingsController()

    return Root()


@pytest.fixture
def things(fw) -> TestApp:
    return fw.client(things_root(fw))


@pytest.fixture
def carya_things(carya_fw) -> TestApp:
    return carya_fw.client(things_root(carya_fw))


def authors_root(fw):
    """Nested RestControllers: /authors/<author_id>/books/<book_id>."""
    expose = fw.expose

    class BooksController(fw.RestController):
        @expose("json")
        def get_all(self, author_id):
            return _call("books.get_all", author_id)

        @expose("json")
        def get_one(self, author_id, book_id):
            return _call("books.get_one", author_id, book_id)

        @expose("json")
        def post(self, author_id, **kw):
            return _call("books.post", author_id, **kw)

        @expose("json")
        def put(self, author_id, book_id, **kw):
            return _call("books.put", author_id, book_id, **kw)

        @expose("json")
        def delete(self, author_id, book_id):
            return _call("books.delete", author_id, book_id)

    class AuthorsController(fw.RestController):
        books = BooksController()

        @expose("json")
        def get_all(self):
            return _call("authors.get_all")

        @expose("json")
        def get_one(self, author_id):
            return _call("authors.get_one", author_id)

    class Root:
        authors = AuthorsController()

    return Root()


@pytest.fixture
def authors(fw) -> TestApp:
    return fw.client(authors_root(fw))


def readonly_root(fw):
    """Only GET and POST: every other verb must be a 405 naming those two."""
    expose = fw.expose

    class ReadOnlyController(fw.RestController):
        @expose("json")
        def get_all(self):
            return _call("get_all")

        @expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @expose("json")
        def post(self, **kw):
            return _call("post", **kw)

    class Root:
        things = ReadOnlyController()

    return Root()


@pytest.fixture
def readonly(fw) -> TestApp:
    return fw.client(readonly_root(fw))


# --- the conventional verbs --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/things", "/things/"])
def test_get_collection_calls_get_all(things, path):
    assert things.get(path).json == _call("get_all")


def test_get_all_receives_query_parameters(things):
    assert things.get("/things?colour=red").json == _call("get_all", colour="red")


@pytest.mark.parametrize("path", ["/things/42", "/things/42/"])
def test_get_member_calls_get_one(things, path):
    assert things.get(path).json == _call("get_one", "42")


def test_post_collection_calls_post_with_form_fields(things):
    resp = things.post("/things", {"name": "bolt", "size": "3"})
    assert resp.status_int == 200
    assert resp.json == _call("post", name="bolt", size="3")


def test_post_collection_binds_json_body_to_kwargs(things):
    resp = things.post_json("/things", {"name": "bolt", "size": 3, "tags": ["a"]})
    # JSON keeps its types: the int stays an int, the list a list.
    assert resp.json == _call("post", name="bolt", size=3, tags=["a"])


def test_put_member_calls_put(things):
    resp = things.put("/things/7", {"name": "nut"})
    assert resp.json == _call("put", "7", name="nut")


def test_put_member_binds_json_body(things):
    resp = things.put_json("/things/7", {"name": "nut", "size": 5})
    assert resp.json == _call("put", "7", name="nut", size=5)


def test_delete_member_calls_delete(things):
    assert things.delete("/things/7").json == _call("delete", "7")


def test_get_new_calls_new(things):
    assert things.get("/things/new").json == _call("new")


def test_get_member_edit_calls_edit(things):
    assert things.get("/things/7/edit").json == _call("edit", "7")


def test_get_member_delete_calls_get_delete(things):
    assert things.get("/things/7/delete").json == _call("get_delete", "7")


def test_get_falls_back_for_get_all_and_get_one(fw):
    """Without get_all/get_one, ``get`` answers both the collection and a member."""

    class OnlyGet(fw.RestController):
        @fw.expose("json")
        def get(self, *ids):
            return _call("get", *ids)

    class Root:
        things = OnlyGet()

    app = fw.client(Root())
    assert app.get("/things").json == _call("get")
    assert app.get("/things/3").json == _call("get", "3")


def test_collection_get_with_defaulted_parameter(fw):
    """Intended difference: Pecan's ``_handle_bad_rest_arguments`` counts *all*
    positional parameters, defaults included, as required path ids, so
    ``get_all(self, limit=None)`` is a 404 for ``GET /things`` even with
    ``?limit=3``. carya counts only the required ones and calls ``get_all``."""

    class Paged(fw.RestController):
        @fw.expose("json")
        def get_all(self, limit=None):
            return _call("get_all", limit)

    class Root:
        things = Paged()

    app = fw.client(Root())
    if fw.name == "pecan":
        assert app.get("/things", expect_errors=True).status_int == 404
        assert app.get("/things?limit=3", expect_errors=True).status_int == 404
    else:
        assert app.get("/things").json == _call("get_all", None)
        assert app.get("/things?limit=3").json == _call("get_all", "3")


def test_post_delete_is_preferred_to_delete(fw):
    class Deleting(fw.RestController):
        @fw.expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @fw.expose("json")
        def post_delete(self, thing_id):
            return _call("post_delete", thing_id)

        @fw.expose("json")
        def delete(self, thing_id):
            return _call("delete", thing_id)

    class Root:
        things = Deleting()

    app = fw.client(Root())
    assert app.delete("/things/9").json == _call("post_delete", "9")
    assert app.post("/things/9", {"_method": "delete"}).json == _call("post_delete", "9")


# --- _method overrides ---------------------------------------------------------------------


def test_form_method_delete_routes_to_delete(things):
    assert things.post("/things/7", {"_method": "DELETE"}).json == _call("delete", "7")


def test_form_method_put_routes_to_put(things):
    resp = things.post("/things/7", {"_method": "PUT", "name": "washer"})
    # Pecan passes the _method field on to **kw like any other parameter.
    assert resp.json == _call("put", "7", _method="PUT", name="washer")


def test_query_string_method_override_on_post(things):
    assert things.post("/things/7?_method=delete").json == _call("delete", "7")


@pytest.mark.parametrize("verb", ["delete", "put"])
def test_get_cannot_override_to_unsafe_method(things, verb):
    resp = things.get(f"/things/7?_method={verb}", expect_errors=True)
    assert resp.status_int == 405


def test_unknown_form_method_is_405(things):
    resp = things.post("/things/7", {"_method": "bogus"}, expect_errors=True)
    assert resp.status_int == 405


def test_method_field_in_json_body_is_not_an_override(things):
    """Only query string and form fields override the verb; JSON is just data."""
    resp = things.post_json("/things", {"_method": "delete", "name": "x"})
    assert resp.json == _call("post", _method="delete", name="x")


@pytest.fixture
def patching(fw) -> TestApp:
    class Patchable(fw.RestController):
        _custom_actions = {"archive": ["PUT"]}

        @fw.expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @fw.expose("json")
        def patch(self, thing_id, **kw):
            return _call("patch", thing_id, **kw)

        @fw.expose("json")
        def put_archive(self, thing_id):
            return _call("put_archive", thing_id)

    class Root:
        things = Patchable()

    return fw.client(Root())


def test_other_verbs_route_to_a_method_of_that_name(patching):
    assert patching.patch("/things/3", {"a": "1"}).json == _call("patch", "3", a="1")


def test_form_method_routes_to_other_verbs(patching):
    resp = patching.post("/things/3", {"_method": "patch"})
    assert resp.json == _call("patch", "3", _method="patch")


def test_allow_header_includes_other_verbs(patching):
    resp = patching.options("/things/3", expect_errors=True)
    assert resp.status_int == 405
    assert {"GET", "PATCH"} <= _allow(resp)
    assert not _allow(resp) & {"POST", "PUT", "DELETE"}


# --- custom actions -------------------------------------------------------------------------


def test_custom_get_action_on_member_uses_get_prefixed_method(things):
    assert things.get("/things/7/preview").json == _call("get_preview", "7")


def test_custom_get_action_on_collection(things):
    assert things.get("/things/preview").json == _call("get_preview", None)


def test_custom_post_action_uses_post_prefixed_method(things):
    assert things.post("/things/7/publish").json == _call("post_publish", "7")


def test_custom_action_not_declared_for_the_method_is_not_routed(things):
    """``publish`` is declared for POST only: a GET is not routed to it."""
    assert things.get("/things/7/publish", expect_errors=True).status_int == 404


def test_custom_put_action_names_the_action_first(patching):
    assert patching.put("/things/archive/5").json == _call("put_archive", "5")


def test_custom_action_with_plain_method_name(fw):
    """``_custom_actions`` may name a method without the verb prefix."""

    class Docs(fw.RestController):
        _custom_actions = {"render": ["GET", "POST"], "archive": ["DELETE"]}

        @fw.expose("json")
        def render(self, doc_id=None):
            return _call("render", doc_id, method=fw.request.method)

        @fw.expose("json")
        def archive(self, doc_id):
            return _call("archive", doc_id)

    class Root:
        docs = Docs()

    app = fw.client(Root())
    assert app.get("/docs/5/render").json == _call("render", "5", method="GET")
    assert app.post("/docs/5/render").json == _call("render", "5", method="POST")
    # PUT and DELETE name the action first: DELETE /docs/archive/5.
    assert app.delete("/docs/archive/5").json == _call("archive", "5")


# --- nested controllers ----------------------------------------------------------------------


def test_nested_get_one_receives_parent_id(authors):
    assert authors.get("/authors/1/books/2").json == _call("books.get_one", "1", "2")


def test_nested_get_all_receives_parent_id(authors):
    assert authors.get("/authors/1/books").json == _call("books.get_all", "1")
    assert authors.get("/authors/1/books/").json == _call("books.get_all", "1")


def test_nested_post_receives_parent_id_and_body(authors):
    resp = authors.post("/authors/1/books", {"title": "Dune"})
    assert resp.json == _call("books.post", "1", title="Dune")


def test_nested_post_binds_json_body(authors):
    resp = authors.post_json("/authors/1/books", {"title": "Dune", "year": 1965})
    assert resp.json == _call("books.post", "1", title="Dune", year=1965)


def test_nested_put_and_delete(authors):
    assert authors.put("/authors/1/books/2", {"title": "Emma"}).json == _call(
        "books.put", "1", "2", title="Emma"
    )
    assert authors.delete("/authors/1/books/2").json == _call("books.delete", "1", "2")


def test_parent_routes_are_unaffected_by_nesting(authors):
    assert authors.get("/authors").json == _call("authors.get_all")
    assert authors.get("/authors/1").json == _call("authors.get_one", "1")


def test_missing_intermediate_id_is_404(authors):
    assert authors.get("/authors/books", expect_errors=True).status_int == 404


def test_nested_under_parent_with_varargs_get(fw):
    """A parent whose ``get`` takes ``*args`` hands every part before the child's name
    to the child; children set in ``__init__`` are found too."""

    class Books(fw.RestController):
        @fw.expose("json")
        def get_all(self, *parents):
            return _call("books.get_all", *parents)

    class Authors(fw.RestController):
        def __init__(self):
            self.books = Books()

        @fw.expose("json")
        def get(self, *args):
            return _call("authors.get", *args)

    class Root:
        authors = Authors()

    app = fw.client(Root())
    assert app.get("/authors/1/books").json == _call("books.get_all", "1")
    assert app.get("/authors/1/2/books").json == _call("books.get_all", "1", "2")
    assert app.get("/authors/1/2").json == _call("authors.get", "1", "2")


def test_nested_three_levels_deep(fw):
    class Pages(fw.RestController):
        @fw.expose("json")
        def get_one(self, author_id, book_id, page):
            return _call("pages.get_one", author_id, book_id, page)

    class Books(fw.RestController):
        pages = Pages()

        @fw.expose("json")
        def get_one(self, author_id, book_id):
            return _call("books.get_one", author_id, book_id)

    class Authors(fw.RestController):
        books = Books()

        @fw.expose("json")
        def get_one(self, author_id):
            return _call("authors.get_one", author_id)

    class Root:
        authors = Authors()

    app = fw.client(Root())
    assert app.get("/authors/a/books/b/pages/3").json == _call("pages.get_one", "a", "b", "3")


# --- unsupported methods, bad paths, missing arguments ---------------------------------------


def _allow(resp) -> set[str]:
    return {m.strip() for m in resp.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/things/1"), ("put", "/things/1"), ("patch", "/things/1")],
)
def test_unsupported_method_is_405_with_allow_header(readonly, method, path):
    resp = getattr(readonly, method)(path, expect_errors=True)
    assert resp.status_int == 405
    allow = _allow(resp)
    assert {"GET", "POST"} <= allow
    assert not allow & {"PUT", "DELETE", "PATCH"}


def test_allow_header_lists_every_supported_verb(things):
    resp = things.patch("/things/1", expect_errors=True)
    assert resp.status_int == 405
    assert {"GET", "POST", "PUT", "DELETE"} <= _allow(resp)
    assert "PATCH" not in _allow(resp)


def test_post_without_post_method_is_405(fw):
    class ReadOnly(fw.RestController):
        @fw.expose("json")
        def get_all(self):
            return _call("get_all")

    class Root:
        things = ReadOnly()

    resp = fw.client(Root()).post("/things", expect_errors=True)
    assert resp.status_int == 405
    assert "GET" in _allow(resp)


@pytest.mark.parametrize("path", ["/things/1/2", "/things/1/2/3"])
def test_too_many_path_parts_is_404(things, path):
    assert things.get(path, expect_errors=True).status_int == 404


def test_too_many_path_parts_on_post_is_404(things):
    assert things.post("/things/1/2", expect_errors=True).status_int == 404


def test_missing_required_argument_is_400(carya_fw):
    """carya only: Pecan calls ``post()`` without ``name`` and the TypeError becomes a
    500; carya answers 400 naming the argument (an intended improvement)."""

    class Strict(carya_fw.RestController):
        @carya_fw.expose("json")
        def post(self, name, size=None):
            return _call("post", name, size)

    class Root:
        things = Strict()

    app = carya_fw.client(Root())
    resp = app.post("/things", {"size": "2"}, expect_errors=True)
    assert resp.status_int == 400
    assert "name" in resp.text
    resp = app.post_json("/things", {"size": 2}, expect_errors=True)
    assert resp.status_int == 400


# --- binding bodies to named arguments -------------------------------------------------------


@pytest.fixture
def named(fw) -> TestApp:
    class Named(fw.RestController):
        @fw.expose("json")
        def post(self, name, size=None):
            return _call("post", name, size)

        @fw.expose("json")
        def put(self, thing_id, name, size="S"):
            return _call("put", thing_id, name, size)

    class Root:
        things = Named()

    return fw.client(Root())


def test_form_body_binds_to_named_arguments(named):
    assert named.post("/things", {"name": "bolt", "size": "3"}).json == _call("post", "bolt", "3")
    assert named.post("/things", {"name": "bolt"}).json == _call("post", "bolt", None)


def test_json_body_binds_to_named_arguments(named):
    assert named.post_json("/things", {"name": "bolt", "size": 3}).json == _call(
        "post", "bolt", 3
    )


def test_put_binds_path_id_then_body_fields(named):
    assert named.put_json("/things/4", {"name": "nut"}).json == _call("put", "4", "nut", "S")
    assert named.put("/things/4", {"name": "nut", "size": "L"}).json == _call(
        "put", "4", "nut", "L"
    )


def test_unknown_body_fields_are_dropped_without_kwargs(named):
    resp = named.post("/things", {"name": "bolt", "colour": "red"})
    assert resp.json == _call("post", "bolt", None)


def test_query_string_and_json_body_merge(named):
    resp = named.post_json("/things?size=XL", {"name": "bolt"})
    assert resp.json == _call("post", "bolt", "XL")


# --- _lookup and sub-controllers -------------------------------------------------------------


@pytest.fixture
def looking(fw) -> TestApp:
    class Item:
        def __init__(self, key):
            self.key = key

        @fw.expose("json")
        def detail(self):
            return _call("item.detail", self.key)

    class WithGetOne(fw.RestController):
        @fw.expose("json")
        def get_one(self, thing_id):
            return _call("get_one", thing_id)

        @fw.expose()
        def _lookup(self, key, *remainder):
            if key == "missing":
                return None
            return Item(key), remainder

    class LookupOnly(fw.RestController):
        @fw.expose("json")
        def get_all(self):
            return _call("get_all")

        @fw.expose()
        def _lookup(self, key, *remainder):
            return Item(key), remainder

    class Root:
        things = WithGetOne()
        others = LookupOnly()

    return fw.client(Root())


def test_lookup_does_not_shadow_get_one(looking):
    assert looking.get("/things/5").json == _call("get_one", "5")


def test_lookup_takes_paths_longer_than_get_one_accepts(looking):
    assert looking.get("/things/abc/detail").json == _call("item.detail", "abc")


def test_lookup_after_405(looking):
    """No get_one: the 405 falls back to ``_lookup``."""
    assert looking.get("/others/abc/detail").json == _call("item.detail", "abc")
    assert looking.get("/others").json == _call("get_all")


@pytest.mark.parametrize("method", ["post", "delete", "put"])
def test_lookup_after_405_for_other_methods(looking, method):
    resp = getattr(looking, method)("/others/abc/detail")
    assert resp.json == _call("item.detail", "abc")


def test_lookup_returning_none_is_404(looking):
    assert looking.get("/things/missing/detail", expect_errors=True).status_int == 404


def test_sub_controller_of_rest_controller(things):
    assert things.get("/things/stats/").json == _call("stats.index")
    assert things.get("/things/stats/count").json == _call("stats.count")


def test_sub_controller_after_an_id_receives_the_id(things):
    assert things.get("/things/7/stats/count").json == _call("stats.count", "7")


def test_sub_controller_index_without_slash_redirects(things):
    resp = things.get("/things/stats")
    assert resp.status_int == 302
    assert resp.location.endswith("/things/stats/")


def test_rest_controller_as_sub_controller_of_plain_controller(fw):
    class Widgets(fw.RestController):
        @fw.expose("json")
        def get_one(self, widget_id):
            return _call("get_one", widget_id)

    class V1:
        widgets = Widgets()

    class Root:
        v1 = V1()

    assert fw.client(Root()).get("/v1/widgets/8").json == _call("get_one", "8")


def test_route_argument_rejected_on_rest_controller(fw):
    """Pecan refuses ``expose(route=...)`` on a RestController (when it is built)."""
    with pytest.raises(ValueError):

        class Bad(fw.RestController):
            @fw.expose(route="some-path")
            def get_all(self):
                return "x"

        Bad()


# --- intended differences (carya only) ----------------------------------------------------


def test_head_maps_to_get(carya_things):
    """carya only: Pecan has no HEAD rule (405 unless a ``head`` method exists);
    carya answers HEAD like GET without a body (intended)."""
    resp = carya_things.head("/things/7")
    assert resp.status_int == 200
    assert resp.body == b""
    assert resp.content_type == "application/json"
    assert carya_things.head("/things").status_int == 200


def test_allow_header_includes_head(carya_fw):
    """carya only: because HEAD maps to GET, carya lists it in ``Allow``."""
    resp = carya_fw.client(readonly_root(carya_fw)).delete("/things/1", expect_errors=True)
    assert resp.status_int == 405
    assert _allow(resp) == {"GET", "HEAD", "POST"}


def test_post_to_noncanonical_sub_controller_index_is_308(carya_things):
    """carya only: Pecan raises RuntimeError for a POST that needs a trailing slash;
    carya redirects with 308, which keeps the method and body."""
    resp = carya_things.post("/things/stats?x=1", {"a": "b"})
    assert resp.status_int == 308
    assert resp.location.endswith("/things/stats/?x=1")


# --- malformed forms -----------------------------------------------------------------------


def test_malformed_multipart_form_is_a_400_not_a_500():
    """A form body the parser cannot read (multipart without a boundary) is the client's
    error, both where ``_method`` is looked for and where arguments are bound."""
    from carya import App, expose
    from carya.rest import RestController

    class Things(RestController):
        @expose("json")
        def post(self, **kw):
            return kw

    class Root:
        things = Things()

        @expose("json")
        def echo(self, **kw):
            return kw

    import webob

    app = App(Root())
    for path in ("/things", "/echo"):
        req = webob.Request.blank(path, method="POST", body=b'{"name": "x"}')
        req.environ["CONTENT_TYPE"] = "multipart/form-data"  # no boundary
        resp = req.get_response(app)
        assert resp.status_int == 400, resp.text
        assert "Malformed form data" in resp.text
        assert "Traceback" not in resp.text


# --- a nested RestController's own _lookup (Pecan files it before the routing runs) ------------


def nested_lookup_root(fw):
    class Bars(fw.RestController):
        @fw.expose()
        def get_one(self, foo_id, id):
            return "bar"

        @fw.expose()
        def get_all(self, foo_id):
            return "bars"

        @fw.expose("json")
        def _lookup(self, id, *remainder):
            fw.redirect("/lookup-hit/")

    class Foos(fw.RestController):
        bars = Bars()

        @fw.expose()
        def get_one(self, id):
            return "foo"

        @fw.expose()
        def get_all(self):
            return "foos"

    class Root:
        foos = Foos()

    return Root()


@pytest.mark.parametrize(("path", "status", "body"), [
    ("/foos/", 200, b"foos"),
    ("/foos/1/", 200, b"foo"),
    ("/foos/1/bars/", 200, b"bars"),
    ("/foos/1/bars/2/", 200, b"bar"),
    ("/foos/bars/", 302, None),   # no parent id: Bars' routing fails, its _lookup runs
    ("/foos/bars/1", 302, None),
])
def test_nested_rest_controller_without_parent_id_reaches_its_lookup(fw, path, status, body):
    resp = fw.client(nested_lookup_root(fw)).get(path, expect_errors=True)
    assert resp.status_int == status
    if body is not None:
        assert resp.body == body
    else:
        assert resp.headers["Location"].endswith("/lookup-hit/")


def lookup_only_root(fw):
    class Found(fw.RestController):
        def __init__(self, ident):
            self.ident = ident

        @fw.expose()
        def get_all(self):
            return f"ID: {self.ident}"

    class Things(fw.RestController):
        @fw.expose()
        def _lookup(self, ident, *remainder):
            return Found(ident), remainder

    class Root:
        things = Things()

    return Root()


@pytest.mark.parametrize(("path", "status"), [("/things", 405), ("/things/", 405),
                                              ("/things/foo", 200)])
def test_own_lookup_that_cannot_answer_keeps_the_routing_error(fw, path, status):
    """The controller's own _lookup is tried when its routing fails; called for an empty
    segment, or not callable with what is left, the routing's own error (405) stands."""
    resp = fw.client(lookup_only_root(fw)).get(path, expect_errors=True)
    assert resp.status_int == status
    if status == 200:
        assert resp.body == b"ID: foo"

"""MapperRouter: routes resolved once at build, Routes' mapper too, hooks, start-up errors."""

from __future__ import annotations

import pytest
import routes

from carya.api import APIRouter, Controller, Resource, ResourceExtension
from carya.api.router import MapperRouter, RouteConfigError
from carya.app import App
from carya.hooks import PecanHook
from carya.mapper import Mapper
from tests.api.conftest import MEMBER


class Recorder(PecanHook):
    def __init__(self):
        self.events = []

    def before(self, state):
        self.events.append(("before", state.controller.__name__))

    def after(self, state):
        self.events.append(("after", state.response.status_int))


CONTROLLER_HOOK = Recorder()


class Books(Controller):
    __hooks__ = [CONTROLLER_HOOK]

    def index(self, req):
        return {"books": [], "routing": req.environ["wsgiorg.routing_args"][1]["action"]}

    def show(self, req, id, project_id=None):
        return {"id": id, "project": project_id}

    def search(self, req, **params):
        return {"params": params}

    def _private(self, req):
        return "never"


@pytest.mark.parametrize("make_mapper", [Mapper, routes.Mapper], ids=["carya", "routes"])
def test_connect_routes_on_either_mapper(caller, make_mapper):
    mapper = make_mapper()
    books = Resource(Books())
    mapper.connect("/books", controller=books, action="index", conditions={"method": ["GET"]})
    mapper.connect("/shelf/{project_id}/books/{id}", controller=books, action="show")
    mapper.connect("/find/{genre}/{year}", controller=books, action="search")
    app = caller(APIRouter(mapper, list_extensions=False))
    assert app.get("/books").json == {"books": [], "routing": "index"}
    assert app.get("/shelf/p1/books/9").json == {"id": "9", "project": "p1"}
    assert app.get("/find/poetry/1999").json == {"params": {"genre": "poetry", "year": "1999"}}


def test_hooks_from_app_and_controller(caller):
    app_hook = Recorder()
    mapper = Mapper()
    mapper.connect("/books", controller=Resource(Books()), action="index")
    CONTROLLER_HOOK.events.clear()
    caller(APIRouter(mapper, hooks=[app_hook])).get("/books")
    assert app_hook.events == [("before", "index"), ("after", 200)]
    assert CONTROLLER_HOOK.events == [("before", "index"), ("after", 200)]
    caller(APIRouter(mapper, hooks=[app_hook])).get("/extensions")
    assert app_hook.events[-1] == ("after", 200)
    assert len(CONTROLLER_HOOK.events) == 2, "controller hooks stay on their controller"


def test_action_from_the_path(caller):
    mapper = Mapper()
    mapper.connect("/books/{action}", controller=Resource(Books()))
    app = caller(APIRouter(mapper, list_extensions=False))
    assert app.get("/books/index").json["books"] == []
    app.get("/books/_private", status=404)
    app.get("/books/nothing", status=404)


def test_string_controllers_need_a_registry(caller):
    mapper = Mapper()
    mapper.connect("/books", controller="books", action="index")
    with pytest.raises(RouteConfigError, match=r"route '/books' \(ANY\): controller 'books'"):
        APIRouter(mapper)
    app = caller(APIRouter(mapper, controllers={"books": Books()}))
    assert app.get("/books").json["books"] == []


@pytest.mark.parametrize("path, action, problem", [
    ("/books", "missing", "Books has no method 'missing'"),
    ("/books", "show", "Books.show needs 'id', which the route does not provide"),
])
def test_start_up_errors_name_the_route(path, action, problem):
    mapper = Mapper()
    mapper.connect(path, controller=Resource(Books()), action=action,
                   conditions={"method": ["GET"]})
    with pytest.raises(RouteConfigError) as error:
        APIRouter(mapper)
    assert f"route {path!r} (GET)" in str(error.value) and problem in str(error.value)


def test_resource_extension_custom_actions_must_exist():
    with pytest.raises(RouteConfigError, match="has no method 'publish'"):
        APIRouter(resources=[ResourceExtension("books", Books(),
                                               collection_actions={"publish": "POST"})])


def test_project_id_modes_and_the_url_project_check(caller):
    def build(mode):
        return APIRouter(resources=[ResourceExtension("books", Books())], project_id=mode)

    required = caller(build("required"))
    assert required.get("/p1/books/3").json == {"id": "3", "project": "p1"}
    required.get("/books/3", status=404)
    wrong = required.get("/p2/books/3", status=400)
    assert wrong.json["badRequest"]["message"] == (
        "Malformed request URL: URL's project_id 'p2' doesn't match Context's project_id 'p1'")
    optional = caller(build("optional"))
    assert optional.get("/books/3").json == {"id": "3", "project": None}
    assert optional.get("/p1/books/3").json["project"] == "p1"
    caller(build("none")).get("/p1/books/3", status=404)
    with pytest.raises(ValueError, match="project_id='sometimes'"):
        build("sometimes")


def test_router_in_a_plain_app(caller):
    mapper = Mapper()
    mapper.connect("/books", controller=Resource(Books()), action="index")
    app = App(None, router=MapperRouter(mapper))
    assert caller(app).get("/books").json["books"] == []
    assert caller(app).get("/nope", status=404).content_type == "text/plain", \
        "a plain App keeps carya's own error format"


def test_listing_and_match(caller):
    from carya.routing import listing

    api = APIRouter(resources=[ResourceExtension("books", Books(),
                                                 collection_actions={"search": "GET"})],
                    project_id="optional")
    rows = {(r.methods, r.path): r for r in listing.list_routes(api)}
    show = rows[(("GET",), "/{project_id}/books/{id}")]
    assert show.handler == "tests.api.test_router.Books.show" and show.kind == "mapper"
    assert (("GET",), "/books/search") in rows
    found = listing.match(api, "GET", "/p1/books/5")
    assert found.status == 200 and found.kwargs == {"project_id": "p1", "id": "5"}
    assert listing.match(api, "DELETE", "/books/5").status in (404, 405)


def test_member_context_is_optional(caller):
    mapper = Mapper()
    mapper.connect("/{project_id}/books/{id}", controller=Resource(Books()), action="show")
    app = caller(APIRouter(mapper), None)
    assert app.get("/p9/books/1").json["project"] == "p9", "no caller known: no project check"
    assert caller(APIRouter(mapper), MEMBER).get("/p9/books/1", status=400)

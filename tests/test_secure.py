"""Security: carya must guard controllers the way Pecan's ``pecan.secure`` does.

Every behaviour is written once and run against real Pecan and against carya
(the ``fw`` fixture), so each assertion is known to be Pecan's behaviour.
"""

from __future__ import annotations

import pytest
from webtest import TestApp

from tests.parity import load_framework


class Guard:
    """Named permission switches and a record of which checks ran."""

    def __init__(self):
        self.allow: dict[str, bool] = {}
        self.checked: list[str] = []

    def check(self, name: str) -> bool:
        self.checked.append(name)
        return self.allow.get(name, False)

    def checker(self, name: str):
        return lambda: self.check(name)


@pytest.fixture
def guard() -> Guard:
    return Guard()


def secured_root(fw, guard: Guard):
    expose = fw.expose

    class Item:
        def __init__(self, key):
            self.key = key

        @expose()
        def index(self):
            return "item " + self.key

        @expose()
        def detail(self):
            return "detail " + self.key

    class Plain:
        @expose()
        def index(self):
            return "plain index"

        @expose()
        def page(self):
            return "plain page"

    class Inner(fw.SecureController):
        @classmethod
        def check_permissions(cls):
            return guard.check("inner")

        @expose()
        def index(self):
            return "inner index"

    class Locked(fw.SecureController):
        @classmethod
        def check_permissions(cls):
            return guard.check("locked")

        @expose()
        def index(self):
            return "locked index"

        @expose()
        def page(self):
            return "locked page"

        @fw.unlocked
        @expose()
        def public(self):
            return "public"

        @expose()
        def _lookup(self, key, *remainder):
            if key == "nothing":
                return None
            return Item(key), remainder

        plain = Plain()
        inner = Inner()
        opened = fw.unlocked(Plain())

    class Handlers:
        def may_see(self):
            return guard.check("method")

        @fw.secure("may_see")
        @expose()
        def by_name(self):
            return "by name"

        @fw.secure(guard.checker("callable"))
        @expose()
        def by_callable(self):
            return "by callable"

        @expose()
        def open(self):
            return "open"

    class LookupToSecure:
        """A plain controller whose ``_lookup`` leads into a SecureController."""

        @expose()
        def _lookup(self, key, *remainder):
            return Locked(), remainder

    class Root:
        locked = Locked()
        handlers = Handlers()
        guarded = fw.secure(Plain(), guard.checker("instance"))
        via_lookup = LookupToSecure()

        @expose()
        def index(self):
            return "root"

    return Root()


@pytest.fixture
def app(fw, guard) -> TestApp:
    return fw.client(secured_root(fw, guard))


def status(app: TestApp, path: str, method: str = "get") -> int:
    return getattr(app, method)(path, expect_errors=True).status_int


# --- SecureController -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/locked/", "/locked/page"])
def test_secure_controller_denies_when_check_fails(app, guard, path):
    assert status(app, path) == 401
    assert "locked" in guard.checked


@pytest.mark.parametrize(("path", "body"), [("/locked/", "locked index"),
                                            ("/locked/page", "locked page")])
def test_secure_controller_allows_when_check_passes(app, guard, path, body):
    guard.allow["locked"] = True
    assert app.get(path).text == body
    assert "locked" in guard.checked


def test_check_runs_on_every_request(app, guard):
    """Nothing is cached: a permission change applies to the next request."""
    guard.allow["locked"] = True
    assert status(app, "/locked/page") == 200
    guard.allow["locked"] = False
    assert status(app, "/locked/page") == 401


def test_unlocked_method_skips_the_check(app, guard):
    assert app.get("/locked/public").text == "public"
    assert guard.checked == []


def test_sub_controller_of_secure_controller_is_guarded(app, guard):
    assert status(app, "/locked/plain/page") == 401
    guard.allow["locked"] = True
    assert app.get("/locked/plain/page").text == "plain page"


def test_unlocked_sub_controller_skips_the_check(app, guard):
    assert app.get("/locked/opened/page").text == "plain page"
    assert app.get("/locked/opened/").text == "plain index"
    assert guard.checked == []


def test_unlocked_instance_outside_a_secure_controller_is_reachable(fw, guard):
    class Plain:
        @fw.expose()
        def page(self):
            return "plain page"

    class Root:
        free = fw.unlocked(Plain())

    assert fw.client(Root()).get("/free/page").text == "plain page"


def test_nested_secure_controllers_check_both(app, guard):
    assert status(app, "/locked/inner/") == 401
    guard.allow["locked"] = True
    assert status(app, "/locked/inner/") == 401
    assert guard.checked[-2:] == ["locked", "inner"]
    guard.allow["inner"] = True
    assert app.get("/locked/inner/").text == "inner index"


def test_unsecured_paths_are_not_checked(app, guard):
    assert app.get("/").text == "root"
    assert app.get("/handlers/open").text == "open"
    assert guard.checked == []


# --- _lookup below a secured controller ------------------------------------------------------


def test_lookup_of_secure_controller_is_guarded(fw, app, guard):
    assert status(app, "/locked/abc/detail") == 401
    assert "locked" in guard.checked
    guard.allow["locked"] = True
    assert app.get("/locked/abc/detail").text == "detail abc"
    assert app.get("/locked/abc/").text == "item abc"


def test_lookup_returning_nothing_is_404_when_allowed(app, guard):
    guard.allow["locked"] = True
    assert status(app, "/locked/nothing/") == 404


def test_secure_controller_reached_by_lookup_is_guarded(app, guard):
    assert status(app, "/via_lookup/x/page") == 401
    assert "locked" in guard.checked
    guard.allow["locked"] = True
    assert app.get("/via_lookup/x/page").text == "locked page"


def test_unlocked_lookup_reaches_controllers_without_the_check(fw, guard):
    class Item:
        def __init__(self, key):
            self.key = key

        @fw.expose()
        def index(self):
            return "item " + self.key

    class Vault(fw.SecureController):
        @classmethod
        def check_permissions(cls):
            return guard.check("vault")

        @fw.expose()
        def index(self):
            return "vault"

        @fw.expose()
        @fw.unlocked
        def _lookup(self, key, *remainder):
            return Item(key), remainder

    class Root:
        vault = Vault()

    app = fw.client(Root())
    assert app.get("/vault/k/").text == "item k"
    assert guard.checked == []
    assert status(app, "/vault/") == 401


# --- @secure on handlers ----------------------------------------------------------------------


def test_secure_by_method_name(app, guard):
    assert status(app, "/handlers/by_name") == 401
    assert guard.checked == ["method"]
    guard.allow["method"] = True
    assert app.get("/handlers/by_name").text == "by name"


def test_secure_by_callable(app, guard):
    assert status(app, "/handlers/by_callable") == 401
    assert guard.checked == ["callable"]
    guard.allow["callable"] = True
    assert app.get("/handlers/by_callable").text == "by callable"


def test_secure_only_guards_the_decorated_handler(app, guard):
    assert app.get("/handlers/open").text == "open"
    assert status(app, "/handlers/by_callable") == 401
    assert guard.checked == ["callable"]


def test_secure_on_generic_handler_methods(fw, guard):
    class Root:
        @fw.expose(generic=True)
        def index(self):
            return "get"

        @fw.secure(guard.checker("post"))
        @index.when(method="POST")
        def index_post(self):
            return "post"

    app = fw.client(Root())
    assert app.get("/").text == "get"
    assert guard.checked == []
    assert status(app, "/", "post") == 401
    guard.allow["post"] = True
    assert app.post("/").text == "post"


def test_generic_handler_refuses_unregistered_methods_before_any_check():
    """carya only: Pecan sends a method without a ``when`` handler (here PUT) to the
    generic default; carya answers 405 (intended), and runs no permission check."""
    fw = load_framework("carya")
    guard = Guard()

    class Root:
        @fw.secure(guard.checker("get"))
        @fw.expose(generic=True)
        def index(self):
            return "get"

        @index.when(method="POST")
        def index_post(self):
            return "post"

    resp = fw.client(Root()).put("/", expect_errors=True)
    assert resp.status_int == 405
    assert {m.strip() for m in resp.headers["Allow"].split(",")} == {"GET", "HEAD", "POST"}
    assert guard.checked == []


def test_secure_on_rest_controller_methods(fw, guard):
    class Things(fw.RestController):
        @fw.expose()
        def get_one(self, thing_id):
            return "thing " + thing_id

        @fw.secure(guard.checker("delete"))
        @fw.expose()
        def delete(self, thing_id):
            return "deleted " + thing_id

    class Root:
        things = Things()

    app = fw.client(Root())
    assert app.get("/things/1").text == "thing 1"
    assert status(app, "/things/1", "delete") == 401
    guard.allow["delete"] = True
    assert app.delete("/things/1").text == "deleted 1"


def test_secure_controller_that_is_a_rest_controller(fw, guard):
    class Things(fw.SecureController, fw.RestController):
        @classmethod
        def check_permissions(cls):
            return guard.check("things")

        @fw.expose()
        def get_one(self, thing_id):
            return "thing " + thing_id

        @fw.expose()
        def post(self):
            return "created"

    class Root:
        things = Things()

    app = fw.client(Root())
    assert status(app, "/things/1") == 401
    assert status(app, "/things", "post") == 401
    guard.allow["things"] = True
    assert app.get("/things/1").text == "thing 1"
    assert app.post("/things").text == "created"


def test_secure_below_expose(fw, guard):
    class Root:
        @fw.expose()
        @fw.secure(guard.checker("below"))
        def locked(self):
            return "locked"

    app = fw.client(Root())
    assert status(app, "/locked") == 401
    guard.allow["below"] = True
    assert app.get("/locked").text == "locked"


def test_secure_object_needs_a_check(fw):
    class Plain:
        pass

    with pytest.raises(TypeError):
        fw.secure(Plain())


# --- secure(SubController(), check) -------------------------------------------------------------


def test_secured_instance_with_callable_check(app, guard):
    assert status(app, "/guarded/page") == 401
    assert status(app, "/guarded/") == 401
    assert guard.checked == ["instance", "instance"]
    guard.allow["instance"] = True
    assert app.get("/guarded/page").text == "plain page"
    assert app.get("/guarded/").text == "plain index"


def test_secured_instance_does_not_guard_its_siblings(app, guard):
    assert app.get("/").text == "root"
    assert app.get("/handlers/open").text == "open"
    assert guard.checked == []


@pytest.fixture
def named_instance_check(fw, guard):
    """``secure(obj, 'name')`` on an attribute: the name is a method of the parent."""

    class Plain:
        @fw.expose()
        def page(self):
            return "plain page"

    class Root:
        def may_enter(self):
            return guard.check("parent")

        sub = fw.secure(Plain(), "may_enter")

    return fw.client(Root())


def test_secured_instance_with_check_named_on_parent(fw, named_instance_check, guard):
    assert status(named_instance_check, "/sub/page") == 401
    assert guard.checked == ["parent"]
    guard.allow["parent"] = True
    assert named_instance_check.get("/sub/page").text == "plain page"


def test_secured_instance_in_secure_controller_uses_only_its_own_check(fw, guard):
    class Plain:
        @fw.expose()
        def page(self):
            return "plain page"

    class Locked(fw.SecureController):
        @classmethod
        def check_permissions(cls):
            return guard.check("class")

        special = fw.secure(Plain(), guard.checker("special"))

    class Root:
        locked = Locked()

    app = fw.client(Root())
    guard.allow["special"] = True
    assert app.get("/locked/special/page").text == "plain page"
    assert guard.checked == ["special"]


# --- every dynamic path to a secured controller runs its check (issue 10) ---------------------


def dynamic_paths_root(fw, guard: Guard):
    """Secured controllers reached only through ``_lookup``, ``_route``, ``_default``
    and RestController nesting/``_lookup``: no attribute path leads to them."""
    expose = fw.expose

    class Plain:
        @expose()
        def page(self):
            return "plain page"

    class ByLookup:
        def may_enter(self):
            return guard.check("named")

        @expose()
        def _lookup(self, key, *remainder):
            if key == "named":
                return fw.secure(Plain(), "may_enter"), remainder
            return fw.secure(Plain(), guard.checker("lookup")), remainder

    class LockedDefault(fw.SecureController):
        @classmethod
        def check_permissions(cls):
            return guard.check("default")

        @expose()
        def _default(self, *remainder):
            return "default " + "/".join(remainder)

    class SecuredDefault:
        @fw.secure(guard.checker("handler-default"))
        @expose()
        def _default(self, *remainder):
            return "secured default"

    class Items(fw.RestController):
        @expose()
        def get_one(self, parent_id, item_id):
            return f"item {parent_id}/{item_id}"

    class RestLookup(fw.RestController):
        @expose()
        def get_all(self):
            return "all"

        @expose()
        def _lookup(self, key, *remainder):
            return fw.secure(Plain(), guard.checker("rest-lookup")), remainder

    class LockedRest(fw.SecureController, fw.RestController):
        @classmethod
        def check_permissions(cls):
            return guard.check("locked-rest")

        @expose()
        def get_all(self):
            return "all"

        @expose()
        def _lookup(self, key, *remainder):
            return Plain(), remainder

    class Parents(fw.RestController):
        items = fw.secure(Items(), guard.checker("nested"))

        @expose()
        def get_one(self, parent_id):
            return "parent " + parent_id

    class Root:
        lookup = ByLookup()
        locked_default = LockedDefault()
        secured_default = SecuredDefault()
        rest_lookup = RestLookup()
        locked_rest = LockedRest()
        parents = Parents()

    return Root()


@pytest.fixture
def dynamic(fw, guard) -> TestApp:
    return fw.client(dynamic_paths_root(fw, guard))


def carya_dynamic(guard: Guard) -> TestApp:
    fw = load_framework("carya")
    return fw.client(dynamic_paths_root(fw, guard))


def test_secured_instance_returned_by_lookup_runs_its_check(dynamic, guard):
    """The reported hole: ``_lookup`` returning ``secure(obj, check)`` was served unchecked."""
    assert status(dynamic, "/lookup/x/page") == 401
    assert guard.checked == ["lookup"]
    guard.allow["lookup"] = True
    assert dynamic.get("/lookup/x/page").text == "plain page"


def test_secured_instance_from_lookup_with_check_named_on_the_parent(dynamic, guard):
    assert status(dynamic, "/lookup/named/page") == 401
    assert guard.checked == ["named"]
    guard.allow["named"] = True
    assert dynamic.get("/lookup/named/page").text == "plain page"


def test_default_of_secure_controller_is_guarded(guard):
    """carya only: Pecan serves a SecureController's ``_default`` without its check
    (its router returns ``_default`` before ``handle_security``); carya guards it."""
    dynamic = carya_dynamic(guard)
    assert status(dynamic, "/locked_default/a/b") == 401
    assert guard.checked == ["default"]
    guard.allow["default"] = True
    assert dynamic.get("/locked_default/a/b").text == "default a/b"


def test_secured_default_handler_is_guarded(guard):
    """carya only: Pecan also skips ``@secure`` on a ``_default`` handler; carya runs it."""
    dynamic = carya_dynamic(guard)
    assert status(dynamic, "/secured_default/anything") == 401
    guard.allow["handler-default"] = True
    assert dynamic.get("/secured_default/anything").text == "secured default"


def test_secured_instance_from_rest_controller_lookup_runs_its_check(dynamic, guard):
    assert dynamic.get("/rest_lookup/").text == "all"
    assert status(dynamic, "/rest_lookup/x/page") == 401
    assert "rest-lookup" in guard.checked
    guard.allow["rest-lookup"] = True
    assert dynamic.get("/rest_lookup/x/page").text == "plain page"


def test_lookup_of_secure_rest_controller_is_guarded(dynamic, guard):
    assert status(dynamic, "/locked_rest/x/page") == 401
    assert "locked-rest" in guard.checked
    guard.allow["locked-rest"] = True
    assert dynamic.get("/locked_rest/x/page").text == "plain page"


def test_secured_rest_controller_nested_in_a_rest_controller(dynamic, guard):
    assert dynamic.get("/parents/1").text == "parent 1"
    assert status(dynamic, "/parents/1/items/2") == 401
    assert guard.checked == ["nested"]
    guard.allow["nested"] = True
    assert dynamic.get("/parents/1/items/2").text == "item 1/2"


def test_secured_instance_returned_by_route_runs_its_check(guard):
    """carya only: Pecan's ``_route`` hands a ``secure()`` wrapper on without entering it
    (its ``handle_security`` then fails on the wrapper); carya runs the check."""
    fw = load_framework("carya")

    class Plain:
        @fw.expose()
        def page(self):
            return "plain page"

    class Router:
        @fw.expose()
        def _route(self, args, request):
            return fw.secure(Plain(), guard.checker("route")), args

    class Root:
        routed = Router()

    app = fw.client(Root())
    assert status(app, "/routed/page") == 401
    guard.allow["route"] = True
    assert app.get("/routed/page").text == "plain page"


# --- mapper resources (carya.api) ----------------------------------------------------------


def mapper_app(controller) -> TestApp:
    from carya.api.mapper_router import MapperRouter
    from carya.mapper import Mapper

    mapper = Mapper()
    mapper.resource("widget", "widgets", controller="widgets")
    router = MapperRouter(mapper, controllers={"widgets": controller})
    return load_framework("carya").client(None, router=router)


class Widgets:
    def index(self, req):
        return {"widgets": []}

    def show(self, req, id):
        return {"widget": id}


def test_mapper_resource_with_secure_controller_is_guarded(guard):
    class Locked(load_framework("carya").SecureController, Widgets):
        @classmethod
        def check_permissions(cls):
            return guard.check("resource")

    app = mapper_app(Locked())
    assert status(app, "/widgets") == 401
    assert status(app, "/widgets/1") == 401
    guard.allow["resource"] = True
    assert app.get("/widgets/1").json == {"widget": "1"}


def test_mapper_resource_with_secured_instance_is_guarded(guard):
    fw = load_framework("carya")
    app = mapper_app(fw.secure(Widgets(), guard.checker("instance")))
    assert status(app, "/widgets") == 401
    assert guard.checked == ["instance"]
    guard.allow["instance"] = True
    assert app.get("/widgets").json == {"widgets": []}

"""Object dispatch, generic handlers, RestControllers (nested, custom actions),
``_lookup``, ``_default``, a custom ``_route``, a secured controller and hooks."""

import time

from carya import expose, response
from carya.hooks import HookController, PecanHook
from carya.rest import RestController
from carya.secure import SecureController


class StampHook(PecanHook):
    """Marks responses; listed by ``carya routes --match`` for the paths below it."""

    def after(self, state):
        state.response.headers["X-Zoo"] = "stamped"


class BooksController(RestController):
    @expose("json")
    def get_all(self, author_id):
        return {"author": author_id, "books": ["b1"]}

    @expose("json")
    def get_one(self, author_id, book_id):
        return {"author": author_id, "book": book_id}

    @expose("json")
    def post(self, author_id, **kw):
        response.status = 201
        return {"author": author_id, "created": kw}


class AuthorsController(RestController, HookController):
    __hooks__ = [StampHook()]
    _custom_actions = {"stats": ["GET"], "publish": ["POST"]}

    books = BooksController()

    @expose("json")
    def get_all(self):
        return {"authors": ["a1"]}

    @expose("json")
    def get_one(self, author_id):
        return {"author": author_id}

    @expose("json")
    def new(self):
        return {"form": "new author"}

    @expose("json")
    def post(self, **kw):
        return {"created": kw}

    @expose("json")
    def put(self, author_id, **kw):
        return {"updated": author_id}

    @expose("json")
    def delete(self, author_id):
        return {"deleted": author_id}

    @expose("json")
    def stats(self):
        return {"count": 1}

    @expose("json")
    def publish(self, author_id):
        return {"published": author_id}


class ItemController:
    def __init__(self, item_id):
        self.item_id = item_id

    @expose()
    def index(self):
        return f"item {self.item_id}"


class ItemsController:
    @expose()
    def _lookup(self, item_id, *remainder):
        return ItemController(item_id), remainder


class PagesController:
    @expose()
    def index(self):
        return "pages"

    @expose()
    def _default(self, *parts):
        return "page " + "/".join(parts)


class ProxyController:
    @expose()
    def echo(self, *parts):
        return "echo " + "/".join(parts)

    def _route(self, args, request=None):
        return self.echo, args


class AdminController(SecureController):
    @classmethod
    def check_permissions(cls):
        return False

    @expose()
    def index(self):
        return "admin"


class RootController:
    authors = AuthorsController()
    items = ItemsController()
    pages = PagesController()
    proxy = ProxyController()
    admin = AdminController()

    @expose(generic=True, template="json")
    def index(self):
        return {"hello": "zoo"}

    @index.when(method="POST", template="json")
    def index_post(self, **kw):
        return kw

    @expose(content_type="text/plain")
    @expose("json")
    def about(self, topic="zoo"):
        return {"about": topic}

    @expose()
    def hello(self, name):
        return f"hello {name}"

    @expose()
    def sleep(self, seconds="1"):
        """A slow handler, for the server's request deadline (at most 10 s)."""
        time.sleep(min(float(seconds), 10.0))
        return "slept"

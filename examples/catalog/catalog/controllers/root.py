"""Seed 003's controllers, as the seed writes them, with ``pecan`` -> ``carya``."""

from webob.exc import status_map

from carya import abort, expose, redirect, response, rest


class BooksController:
    @expose()
    def index(self):
        return "Welcome to book section."

    @expose()
    def bestsellers(self):
        return "We have 5 books in the top 10."


class CatalogController:
    @expose()
    def index(self):
        return "Welcome to the catalog."

    books = BooksController()


class BaseMethodController:
    # HTTP GET /
    @expose(generic=True, template="json")
    def index(self):
        return dict()

    # HTTP POST /
    @index.when(method="POST", template="json")
    def index_POST(self, **kw):
        return kw


class Student:
    def __init__(self, name):
        self.name = name


class StudentController:
    def __init__(self, student):
        self.student = student

    @expose()
    def name(self):
        return self.student.name


class LookupTest:
    @expose()
    def _lookup(self, name, *remainder):
        student = Student(name)
        if student:
            return StudentController(student), remainder
        else:
            abort(404)


class MyRestController(rest.RestController):
    @expose()
    def get(self, id):
        return id


class ForbiddenController:
    @expose()
    def index(self):
        response.status = 403
        return "Not for you."


class RootController:
    @expose(generic=True, template="index.html")
    def index(self):
        return dict()

    @index.when(method="POST")
    def index_post(self, q):
        redirect("https://pecan.readthedocs.io/en/latest/search.html?q=%s" % q)  # noqa: UP031

    @expose("error.html")
    def error(self, status):
        try:
            status = int(status)
        except ValueError:  # pragma: no cover
            status = 500
        message = getattr(status_map.get(status), "explanation", "")
        return dict(status=status, message=message)

    catalog = CatalogController()
    basemethod = BaseMethodController()
    look_test = LookupTest()
    my_restcontroller = MyRestController()
    forbidden = ForbiddenController()

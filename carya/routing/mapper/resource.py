"""Generated route tables: ``Mapper.resource``, ``submapper`` and ``collection``.

``resource(member_name, collection_name, ...)`` connects the same routes, in
the same order and with the same names, as ``routes.Mapper.resource``:

====================  ======  ==============================  ==============
name                  method  path                            action
====================  ======  ==============================  ==============
(per custom collection action, then create)
formatted_rss_msgs    GET     /messages/rss.:(format)         rss
rss_messages          GET     /messages/rss                   rss
(unnamed)             POST    /messages.:(format)             create
(unnamed)             POST    /messages                       create
formatted_messages    GET     /messages.:(format)             index
messages              GET     /messages                       index
formatted_new_message GET     /messages/new.:(format)         new
new_message           GET     /messages/new                   new
(custom member actions, then update, delete, edit, by method)
(unnamed)             PUT     /messages/:(id).:(format)       update
...
formatted_message     GET     /messages/:(id).:(format)       show
message               GET     /messages/:(id)                 show
====================  ======  ==============================  ==============

Every route goes through ``self.connect`` so a subclass's ``connect`` (Nova's
``APIMapper`` adds a ``format`` requirement there) sees each one. The dicts
passed as ``collection``/``member``/``new`` are not modified (Routes adds
``edit``/``new`` to them; the table is the same either way).

``formatted=False`` is a carya extension that leaves out the ``.:(format)``
routes; Routes accepts and ignores the argument.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SubMapperParent", "SubMapper", "ResourceMixin", "COLLECTION_ACTIONS", "MEMBER_ACTIONS"]

COLLECTION_ACTIONS = ["index", "create", "new"]
MEMBER_ACTIONS = ["show", "update", "delete", "edit"]
# The member id: anything but '/', not ending in a backslash (Routes' exact regex).
MEMBER_ID_REGEX = "[^\\/]+(?<!\\\\)"


def strip_slashes(name: str) -> str:
    """Remove one leading and one trailing slash."""
    if name.startswith("/"):
        name = name[1:]
    if name.endswith("/"):
        name = name[:-1]
    return name


def _by_method(actions: dict) -> dict[str, list[str]]:
    """{'rss': 'get', 'mark': 'POST'} -> {'GET': ['rss'], 'POST': ['mark']} (first-seen order)."""
    methods: dict[str, list[str]] = {}
    for action, method in actions.items():
        methods.setdefault(method.upper(), []).append(action)
    return methods


class ResourceMixin:
    """``resource()`` for :class:`~.core.Mapper`."""

    def resource(self, member_name: str, collection_name: str, **kwargs: Any) -> None:
        """Connect the RESTful routes of a resource; see the module docstring for the table."""
        collection = dict(kwargs.pop("collection", None) or {})
        member = dict(kwargs.pop("member", None) or {})
        new = dict(kwargs.pop("new", None) or {})
        path_prefix = kwargs.pop("path_prefix", None)
        name_prefix = kwargs.pop("name_prefix", None)
        parent = kwargs.pop("parent_resource", None)
        formatted = kwargs.pop("formatted", True)
        if parent is not None:
            if path_prefix is None:
                path_prefix = f"{parent['collection_name']}/:{parent['member_name']}_id"
            if name_prefix is None:
                name_prefix = f"{parent['member_name']}_"
        path_prefix = path_prefix or ""
        name_prefix = name_prefix or ""
        member["edit"] = "GET"
        new["new"] = "GET"
        collection_methods = _by_method(collection)
        member_methods = _by_method(member)
        new_methods = _by_method(new)
        collection_methods.setdefault("POST", []).insert(0, "create")
        member_methods.setdefault("PUT", []).insert(0, "update")
        member_methods.setdefault("DELETE", []).insert(0, "delete")

        controller = strip_slashes(collection_name)
        prefix = "/" + strip_slashes(path_prefix)
        base = f"{prefix}/{controller}" if prefix != "/" else f"/{controller}"
        options: dict[str, Any] = {
            "controller": kwargs.get("controller", controller),
            "_member_name": member_name,
            "_collection_name": collection_name,
            "_parent_resource": parent,
            "_filter": kwargs.get("_filter"),
        }
        if "requirements" in kwargs:
            options["requirements"] = kwargs["requirements"]

        def pair(name: str | None, path: str, opts: dict) -> None:
            """The ``.:(format)`` route, then the plain one (named ``formatted_<name>``
            and ``<name>``, or both unnamed)."""
            if formatted:
                if name is None:
                    self.connect(path + ".:(format)", **opts)
                else:
                    self.connect("formatted_" + name, path + ".:(format)", **opts)
            if name is None:
                self.connect(path, **opts)
            else:
                self.connect(name, path, **opts)

        for method, actions in collection_methods.items():
            primary = (actions.pop(0) if method != "GET" else None) or None
            opts = {**options, "conditions": {"method": [method]}}
            for action in actions:
                opts["action"] = action
                pair(f"{name_prefix}{action}_{collection_name}", f"{base}/{action}", opts)
            if primary:
                opts["action"] = primary
                pair(None, base, opts)

        index = {**options, "action": "index", "conditions": {"method": ["GET"]}}
        pair(name_prefix + collection_name, base, index)

        new_path = base + "/new"
        for method, actions in new_methods.items():
            opts = {**options, "conditions": {"method": [method]}}
            for action in actions:
                opts["action"] = action
                name = "new_" + member_name
                path = new_path
                if action != "new":
                    path = f"{new_path}/{action}"
                    name = f"{action}_{name}"
                pair(name_prefix + name, path, opts)

        member_path = base + "/:(id)"
        for method, actions in member_methods.items():
            opts = {**options, "conditions": {"method": [method]},
                    "requirements": {"id": MEMBER_ID_REGEX}}
            # Routes compares the upper-cased method with 'any', so every
            # method but POST and GET has a primary (unnamed) member route.
            primary = actions.pop(0) if method not in ("POST", "GET", "any") else None
            for action in actions:
                opts["action"] = action
                pair(f"{name_prefix}{action}_{member_name}", f"{member_path}/{action}", opts)
            if primary:
                opts["action"] = primary
                pair(None, member_path, opts)

        show = {**options, "conditions": {"method": ["GET"]}, "action": "show",
                "requirements": {"id": MEMBER_ID_REGEX}}
        pair(name_prefix + member_name, member_path, show)


class SubMapperParent:
    """``submapper()`` and ``collection()``, shared by Mapper and SubMapper."""

    def submapper(self, **kargs: Any) -> SubMapper:
        """A partial mapper: its keyword arguments apply to every route it connects
        (``path_prefix``/``name_prefix`` are prepended, dicts are merged)."""
        return SubMapper(self, **kargs)

    def collection(self, collection_name: str, resource_name: str,
                   path_prefix: str | None = None, member_prefix: str = "/{id}",
                   controller: str | None = None,
                   collection_actions: list[str] = COLLECTION_ACTIONS,
                   member_actions: list[str] = MEMBER_ACTIONS,
                   member_options: dict | None = None, **kwargs: Any) -> SubMapper:
        """A submapper for a collection, with ``.member`` for its members (Routes' API)."""
        if controller is None:
            controller = resource_name or collection_name
        if path_prefix is None:
            prefix = "" if collection_name is None else f"/{collection_name}"
        else:
            prefix = path_prefix if collection_name is None else f"{path_prefix}/{collection_name}"
        coll = SubMapper(self, collection_name=collection_name, resource_name=resource_name,
                         path_prefix=prefix, controller=controller,
                         actions=collection_actions, **kwargs)
        coll.member = SubMapper(coll, path_prefix=member_prefix, actions=member_actions,
                                **(member_options or {}))
        return coll


def _with_method(kwargs: dict, method: str | None) -> dict:
    if method and "conditions" not in kwargs:
        return {**kwargs, "conditions": {"method": method}}
    return kwargs


class SubMapper(SubMapperParent):
    """Connects through its parent with saved options (Routes' ``SubMapper``)."""

    def __init__(self, obj: Any, resource_name: str | None = None,
                 collection_name: str | None = None, actions: list[str] | None = None,
                 formatted: bool | None = None, **kwargs: Any):
        self.kwargs = kwargs
        self.obj = obj
        self.collection_name = collection_name
        self.member: SubMapper | None = None
        self.resource_name = (
            resource_name
            or getattr(obj, "resource_name", None)
            or kwargs.get("controller", None)
            or getattr(obj, "controller", None)
        )
        if formatted is None:
            formatted = getattr(obj, "formatted", None)
        self.formatted = True if formatted is None else formatted
        self.add_actions(actions or [], **kwargs)

    def connect(self, routename: str | None, path: str | None = None, **kwargs: Any) -> Any:
        newkargs: dict[str, Any] = {}
        name, full_path = routename, path
        for key, value in self.kwargs.items():
            if key == "path_prefix":
                full_path = value + (path if path is not None else routename)
            elif key == "name_prefix":
                name = value + routename if path is not None else None
            elif key in kwargs:
                if isinstance(value, dict):
                    newkargs[key] = dict(value, **kwargs[key])
                else:
                    newkargs[key] = kwargs[key]
            else:
                newkargs[key] = value
        for key in kwargs:
            if key not in self.kwargs:
                newkargs[key] = kwargs[key]
        if full_path is None:
            return self.obj.connect(name, **newkargs)
        return self.obj.connect(name, full_path, **newkargs)

    def _suffix(self, formatted: bool | None) -> str:
        return "{.format}" if formatted or (formatted is None and self.formatted) else ""

    def link(self, rel: str | None = None, name: str | None = None, action: str | None = None,
             method: str = "GET", formatted: bool | None = None, **kwargs: Any) -> Any:
        """A named route below this submapper's path: ``/<rel>{.format}``."""
        return self.connect(name or f"{rel}_{self.resource_name}",
                            "/" + (rel or name) + self._suffix(formatted),
                            action=action or rel or name, **_with_method(kwargs, method))

    def new(self, **kwargs: Any) -> Any:
        return self.link(rel="new", **kwargs)

    def edit(self, **kwargs: Any) -> Any:
        return self.link(rel="edit", **kwargs)

    def action(self, name: str | None = None, action: str | None = None, method: str = "GET",
               formatted: bool | None = None, **kwargs: Any) -> Any:
        """A named route at this submapper's own path."""
        return self.connect(name or f"{action}_{self.resource_name}", self._suffix(formatted),
                            action=action or name, **_with_method(kwargs, method))

    def index(self, name: str | None = None, **kwargs: Any) -> Any:
        return self.action(name=name or self.collection_name, action="index", method="GET",
                           **kwargs)

    def show(self, name: str | None = None, **kwargs: Any) -> Any:
        return self.action(name=name or self.resource_name, action="show", method="GET",
                           **kwargs)

    def create(self, **kwargs: Any) -> Any:
        return self.action(action="create", method="POST", **kwargs)

    def update(self, **kwargs: Any) -> Any:
        return self.action(action="update", method="PUT", **kwargs)

    def delete(self, **kwargs: Any) -> Any:
        return self.action(action="delete", method="DELETE", **kwargs)

    def add_actions(self, actions: list[str], **kwargs: Any) -> None:
        for action in actions:
            getattr(self, action)(**kwargs)

    def __enter__(self) -> SubMapper:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

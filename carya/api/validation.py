"""Request validation with JSON Schema: ``@validate(body=schema, query=schema)``.

Schemas are compiled once, when the application is built, with
**fastjsonschema** (it generates a Python function per schema: about 1 µs to
accept a typical request body, against about 30 µs for a reused
``jsonschema`` validator; ``benchmarks/api`` measures both). fastjsonschema's
messages name the field and the rule but read differently from Nova's, so
when a request is *rejected* the same schema is run through **jsonschema**
(built on first use) and its first error is reported in Nova's words::

    Invalid input for field/attribute group/name. Value: 123. 123 is not of type 'string'

The hot path pays for the fast validator only; only bad requests pay for the
good message. Both use JSON Schema draft 4 (Nova's) unless the schema names
another ``$schema``, and both check formats; :func:`register_format` adds
one to both.

``@validate`` is a check factory (``extra['checks']``), so it works on
resource methods and on object-dispatch / RestController handlers alike.
Several ``@validate(..., min_version=, max_version=)`` on one method give
schemas by microversion; a request whose version no range holds is not
validated (Nova's rule); in an application without microversions the
lowest range applies. Query strings are validated as Nova does: as a dict
of lists (``?a=1&a=2`` is ``{"a": ["1", "2"]}``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema
import jsonschema
import webob.exc as exc

from ..expose import _info_for
from .binding import request_body
from .versions import API_VERSION_KEY, APIVersion

__all__ = ["validate", "schema", "query_schema", "SchemaValidator", "register_format"]

DRAFT4 = "http://json-schema.org/draft-04/schema#"
_FORMATS: dict[str, Callable[[Any], bool]] = {}
_COMPILED: dict[str, SchemaValidator] = {}


def register_format(name: str, check: Callable[[Any], bool]) -> None:
    """Add a ``format`` to both validators (schemas compiled after this see it)."""
    _FORMATS[name] = check
    _COMPILED.clear()


class SchemaValidator:
    """One schema: a fast compiled accept/reject, and jsonschema for the message."""

    __slots__ = ("schema", "label", "_fast", "_explainer")

    def __init__(self, schema: Mapping[str, Any], label: str = "schema"):
        if not isinstance(schema, Mapping):
            raise TypeError(f"{label}: a JSON schema is a dict, got {type(schema).__name__}")
        self.schema = schema
        self.label = label
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as error:
            where = "/".join(str(p) for p in error.path) or "(top)"
            raise ValueError(f"{label}: invalid JSON schema at {where}: {error.message}") from None
        definition = dict(schema)
        definition.setdefault("$schema", DRAFT4)
        try:
            self._fast = fastjsonschema.compile(
                definition, formats=dict(_FORMATS), use_default=False
            )
        except fastjsonschema.JsonSchemaDefinitionException as error:
            raise ValueError(f"{label}: cannot compile JSON schema: {error}") from None
        self._explainer: Any = None

    def __call__(self, value: Any) -> None:
        """Return quietly, or raise a 400 naming the field and the rule that failed."""
        try:
            self._fast(value)
        except fastjsonschema.JsonSchemaValueException as error:
            raise self.reject(value, error) from None

    @property
    def fast(self) -> Callable[[Any], Any]:
        """The compiled check alone: raises ``fastjsonschema.JsonSchemaValueException``."""
        return self._fast

    def reject(self, value: Any, fast_error: Any = None) -> exc.HTTPBadRequest:
        """The 400 for a ``value`` the fast check refused."""
        return exc.HTTPBadRequest(detail=self.explain(value, fast_error))

    def explain(self, value: Any, fast_error: Any = None) -> str:
        """Nova's message for why ``value`` fails (jsonschema's first error, as Nova reports)."""
        if self._explainer is None:
            cls = jsonschema.validators.validator_for(self.schema,
                                                      default=jsonschema.Draft4Validator)
            checker = copy.deepcopy(cls.FORMAT_CHECKER)
            for name, check in _FORMATS.items():
                checker.checks(name)(check)
            self._explainer = cls(self.schema, format_checker=checker)
        error = next(iter(self._explainer.iter_errors(value)), None)  # Nova reports the first
        if error is None:  # the validators disagree (a format): fastjsonschema's words
            return _fast_message(fast_error)
        if error.path:
            path = "/".join(str(part) for part in error.path)
            return (f"Invalid input for field/attribute {path}. "
                    f"Value: {_show(error.instance)}. {error.message}")
        return error.message


def _fast_message(error: Any) -> str:
    if error is None:
        return "Invalid input."
    name = error.name[len("data"):].lstrip(".") if error.name else ""
    if name:
        return (f"Invalid input for field/attribute {name.replace('.', '/')}. "
                f"Value: {_show(error.value)}. {error.message}")
    return f"Invalid input: {error.message}"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def compiled(schema: Mapping[str, Any], label: str) -> SchemaValidator:
    """The validator for a schema, compiled once per distinct schema."""
    key = json.dumps(schema, sort_keys=True, default=str)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = SchemaValidator(schema, label)
    return found


# --- the decorator ------------------------------------------------------------------


class _Spec:
    __slots__ = ("body", "query", "low", "high")

    def __init__(self, body: Any, query: Any, low: APIVersion | None, high: APIVersion | None):
        self.body = body
        self.query = query
        self.low = low
        self.high = high


def validate(
    body: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    min_version: str | None = None,
    max_version: str | None = None,
) -> Callable:
    """Validate the JSON body and/or the query string before the handler runs."""
    if body is None and query is None:
        raise TypeError("validate() needs body=schema and/or query=schema")
    low = APIVersion.parse(min_version) if min_version else None
    high = APIVersion.parse(max_version) if max_version else None

    def decorate(func: Callable) -> Callable:
        extra = _info_for(func).extra
        specs = extra.get("validation")
        if specs is None:
            specs = extra["validation"] = []
            extra.setdefault("checks", []).append(_factory)
        specs.append(_Spec(body, query, low, high))
        return func

    return decorate


def schema(request_body_schema: Mapping[str, Any], min_version: str | None = None,
           max_version: str | None = None) -> Callable:
    """Nova's ``@validation.schema(schema, min_version, max_version)``."""
    return validate(body=request_body_schema, min_version=min_version, max_version=max_version)


def query_schema(query_params_schema: Mapping[str, Any], min_version: str | None = None,
                 max_version: str | None = None) -> Callable:
    """Nova's ``@validation.query_schema(schema, min_version, max_version)``."""
    return validate(query=query_params_schema, min_version=min_version, max_version=max_version)


def _factory(handler: Any) -> Callable[[Any, list, dict], None]:
    """Compile the handler's schemas once; return the per-request check."""
    nova_style = getattr(handler.binder, "nova_style", False)
    table = []
    for spec in handler.extra["validation"]:
        body = compiled(spec.body, f"{handler.name} body schema") if spec.body else None
        query = compiled(spec.query, f"{handler.name} query schema") if spec.query else None
        table.append((spec.low, spec.high, body, query))
    versioned = any(low is not None or high is not None for low, high, _, _ in table)

    def run(state: Any, kwargs: dict, body_check: Any, query_check: Any) -> None:
        if query_check is not None:
            query_check(state.request.GET.dict_of_lists())
        if body_check is not None:
            if nova_style and "body" in kwargs:
                value = kwargs["body"]
            else:
                value = request_body(state, required=False)
            body_check(value)

    if not versioned:
        if len(table) > 1:
            raise ValueError(f"{handler.name}: several @validate without version ranges")
        _, _, body_check, query_check = table[0]
        if query_check is None and body_check is not None and nova_style:

            fast, refused = body_check.fast, fastjsonschema.JsonSchemaValueException

            def body_only(state: Any, args: list, kwargs: dict) -> None:
                """``run`` for the usual case (a body schema, one version), in one call."""
                value = kwargs["body"] if "body" in kwargs else request_body(state, False)
                try:
                    fast(value)
                except refused as error:
                    raise body_check.reject(value, error) from None

            return body_only
        return lambda state, args, kwargs: run(state, kwargs, body_check, query_check)

    table.sort(key=lambda row: row[0] or APIVersion())
    lowest = table[0]

    def check(state: Any, args: list, kwargs: dict) -> None:
        version = state.environ.get(API_VERSION_KEY)
        if version is None:  # no microversion negotiated: the default is the minimum
            run(state, kwargs, lowest[2], lowest[3])
            return
        for low, high, body_check, query_check in table:
            if version.matches(low, high):
                run(state, kwargs, body_check, query_check)
                return

    return check

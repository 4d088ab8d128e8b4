"""WSME's conversions (``from_param``, ``fromjson``, ``tojson``), compiled per type.

:class:`Registry` answers, for a type, the function WSME's generic functions would
run, compiled: path arguments, the JSON body of a complex type, and results
(complex types, arrays, dicts, dates, user types; a flat type's JSON text is
written directly). A conversion an application registered is called directly,
where WSME's dispatch would find it. For a value the compiled form does not
take, it answers ``None`` (or ``NO``) and WSME's own function runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from json import encoder as json_encoder
from typing import Any

from carya.jsonify import prebuilt_dumps

__all__ = ["NO", "Registry"]

_SIMPLE = (str, int, float, bool)
NO = object()  # "not a plain case": WSME's own path answers
_dumps = prebuilt_dumps()  # json.dumps(value), WSME's encoding, its C encoder built once


class _Generic:
    """One of WSME's generic functions, and the function it would call for a type.

    ``simplegeneric`` keeps its two tables in closures; both only ever grow, so
    their sizes tell whether anything was registered since a type compiled.
    """

    def __init__(self, generic: Any):
        self.default = generic.default
        tables = [cell.cell_contents for probe in (generic.has_type, generic.has_object)
                  for cell in probe.__closure__ or () if isinstance(cell.cell_contents, dict)]
        if len(tables) != 2:
            raise LookupError("simplegeneric's layout is not the one this adapter reads")
        self.by_type, self.by_object = tables

    def target(self, datatype: Any) -> Callable[..., Any]:
        """What ``generic(datatype, ...)`` calls: by object first, then by type."""
        hit = self.by_object.get(id(datatype))
        if hit is not None:
            return hit[1]
        for cls in type(datatype).__mro__:
            found = self.by_type.get(cls)
            if found is not None:
                return found
        return self.default


class Registry:
    """WSME's conversions, compiled per type.

    The input side (``from_param(s)``, ``fromjson``) and the output side (``tojson``)
    each keep a stamp, the size of their generic functions' tables: what compiled
    is dropped when it moves (cheap to check on every request).
    """

    def __init__(self) -> None:
        import wsme.api
        import wsme.rest.args
        import wsme.rest.json
        import wsme.types
        import wsme.utils

        self.wsme = wsme
        self.from_param = _Generic(wsme.rest.args.from_param)
        self.from_params = _Generic(wsme.rest.args.from_params)
        self.fromjson = _Generic(wsme.rest.json.fromjson)
        self.tojson = _Generic(wsme.rest.json.tojson)
        self.in_tables = (self.from_param.by_type, self.from_param.by_object,
                          self.from_params.by_type, self.from_params.by_object,
                          self.fromjson.by_type, self.fromjson.by_object)
        self.out_tables = (self.tojson.by_type, self.tojson.by_object)
        self.in_stamp = self.out_stamp = -1
        self._in: dict[int, tuple[Any, Callable[[Any], Any] | None]] = {}
        self._out: dict[int, tuple[Any, Callable[[Any], Any] | None]] = {}
        self._text: dict[int, tuple[Any, Callable[[Any], str | None] | None]] = {}

    def input_stamp(self) -> int:
        """The input side's stamp, its compiled decoders dropped if it moved."""
        stamp = sum(map(len, self.in_tables))
        if stamp != self.in_stamp:
            self.in_stamp, self._in = stamp, {}
        return stamp

    def _check_output(self) -> None:
        by_type, by_object = self.out_tables
        if len(by_type) + len(by_object) != self.out_stamp:
            self.out_stamp = len(by_type) + len(by_object)
            self._out, self._text = {}, {}

    # -- results: tojson -------------------------------------------------------

    def json(self, datatype: Any, value: Any) -> str | None:
        """``json.dumps(tojson(datatype, value))``, or ``None`` where WSME's encoder
        must answer (a type that does not compile)."""
        self._check_output()
        known = self._text.get(id(datatype))
        if known is None or known[0] is not datatype:
            known = self._text[id(datatype)] = (datatype, _compiled(self._compile_text, datatype))
        if known[1] is not None:
            text = known[1](value)
            if text is not None:
                return text
        encode = self.encoder(datatype)
        return None if encode is None else _dumps(encode(value))

    def encoder(self, datatype: Any) -> Callable[[Any], Any] | None:
        """``tojson(datatype, value)`` compiled, or ``None`` for a type that does not."""
        known = self._out.get(id(datatype))
        if known is None or known[0] is not datatype:
            known = self._out[id(datatype)] = (datatype, _compiled(self._compile_out, datatype))
        return known[1]

    def _compile_out(self, datatype: Any) -> Callable[[Any], Any] | None:
        rest_json, types = self.wsme.rest.json, self.wsme.types
        target = self.tojson.target(datatype)
        if target is self.tojson.default:
            if types.iscomplex(datatype):
                return self._complex_out(datatype)
            if types.isusertype(datatype):
                return self._user_out(datatype)
            return _same
        if target is rest_json.array_tojson:
            return _each(self.encoder(datatype.item_type))
        if target is rest_json.dict_tojson:
            return _pairs(self.encoder(datatype.key_type), self.encoder(datatype.value_type))
        if target in (rest_json.datetime_tojson, rest_json.date_tojson, rest_json.time_tojson):
            return _isoformat
        if target is rest_json.decimal_tojson:
            return _text
        if target is rest_json.bytes_tojson:
            return _ascii
        # A conversion the application registered: called as WSME's dispatch would.
        return partial(target, datatype)

    def _user_out(self, datatype: Any) -> Callable[[Any], Any] | None:
        base = self.encoder(datatype.basetype)
        if base is None:
            return None
        to_base = datatype.tobasetype

        def user_out(value: Any) -> Any:
            return None if value is None else base(to_base(value))

        return user_out

    def _fields(self, datatype: Any) -> tuple:
        """Per attribute ``(key, name, convert or None for as-is, default)``; an
        attribute whose type does not compile is converted by WSME's ``tojson``."""
        unset = self.wsme.types.Unset
        fields = []
        for attr in self.wsme.types.list_attributes(datatype):
            try:
                convert = self.encoder(attr.datatype)
            except Exception:  # noqa: BLE001 - WSME resolves it when a value needs it
                convert = None
            if convert is None:  # a type being compiled (it contains itself), or unreadable
                convert = partial(_lazy_tojson, self.wsme.rest.json.tojson, attr)
            fields.append((attr.key, attr.name, None if convert is _same else convert,
                           getattr(attr, "default", unset)))  # a wsproperty has none
        return tuple(fields)

    def _complex_out(self, datatype: Any) -> Callable[[Any], Any] | None:
        # A placeholder first: a type that refers to itself reaches here again.
        self._out[id(datatype)] = (datatype, None)
        read = self._fields(datatype)
        holder_reads = _plain_attributes(self.wsme.types, datatype)
        unset = self.wsme.types.Unset

        def complex_out(value: Any) -> Any:
            if value is None:
                return None
            out = {}
            if holder_reads and type(value) is datatype:
                # What each wsattr's __get__ would return, read from its data holder.
                holder = getattr(value, "_wsme_dataholder", None)
                for key, name, convert, default in read:
                    item = getattr(holder, key, default) if holder is not None else default
                    if item is not unset:
                        out[name] = item if convert is None else convert(item)
                return out
            for key, name, convert, _default in read:
                item = getattr(value, key)
                if item is not unset:
                    out[name] = item if convert is None else convert(item)
            return out

        return complex_out

    def _compile_text(self, datatype: Any) -> Callable[[Any], str | None] | None:
        """The JSON text of a flat complex type (or an array of one), written directly;
        ``None`` from it for any value it does not know, to take the general path."""
        types = self.wsme.types
        if types.isarray(datatype) and self.tojson.target(datatype) is \
                self.wsme.rest.json.array_tojson:
            item = self._compile_text(datatype.item_type)
            return None if item is None else _array_text(item)
        if not types.iscomplex(datatype) or self.encoder(datatype) is None \
                or not _plain_attributes(types, datatype):
            return None
        read = self._fields(datatype)
        if any(convert is not None for _k, _n, convert, _d in read):
            return None
        return _complex_text(datatype, read, types.Unset)

    # -- bodies: fromjson --------------------------------------------------------

    def decoder(self, datatype: Any) -> Callable[[Any], Any] | None:
        """``fromjson(datatype, data)`` for a complex type, answering ``NO`` for
        anything WSME would convert, refuse or complain about; else ``None``."""
        known = self._in.get(id(datatype))
        if known is None or known[0] is not datatype:
            known = self._in[id(datatype)] = (datatype, _compiled(self._compile_in, datatype))
        return known[1]

    def _compile_in(self, datatype: Any) -> Callable[[Any], Any] | None:
        """WSME's ``fromjson`` of a complex type, step for step: make the object, then
        for each attribute in order convert its value (the type's ``fromjson``
        function, found once) and set it (the attribute's own ``__set__``), then the
        type's ``validate``. A ``str``/``int``/``float``/``bool`` value of exactly its
        type, for a plain ``wsattr``, is written to the data holder directly, which
        is what that ``__set__`` would do with it."""
        types, rest_json = self.wsme.types, self.wsme.rest.json
        if self.fromjson.target(datatype) is not self.fromjson.default \
                or not types.iscomplex(datatype):
            return None
        validates = hasattr(datatype, "validate")
        validate_value = types.validate_value
        own = {str: rest_json.text_fromjson, int: rest_json.numeric_fromjson,
               float: rest_json.numeric_fromjson, bool: rest_json.bool_fromjson}
        plain = _plain_attribute_keys(types, datatype)
        fields = []
        for attr in types.list_attributes(datatype):
            try:
                kind = attr.datatype
                target = self.fromjson.target(kind)
            except Exception:  # noqa: BLE001 - WSME resolves it when a value needs it
                kind, target = None, partial(_lazy_fromjson, rest_json.fromjson, attr)
            inline = attr.key in plain and own.get(kind) is target
            fields.append((attr.key, attr.name, kind, attr.mandatory,
                           getattr(attr, "readonly", False), None if inline else target))
        names = frozenset(field[1] for field in fields)

        def complex_in(data: Any) -> Any:
            if type(data) is not dict or not names.issuperset(data):
                return NO
            obj = datatype()
            holder = None
            try:
                for key, name, kind, mandatory, readonly, target in fields:
                    if name not in data:
                        if mandatory:
                            return NO
                        continue
                    if readonly:
                        return NO
                    value = data[name]
                    if target is not None:
                        setattr(obj, key, target(kind, value))
                        continue
                    if value is not None and type(value) is not kind:
                        if kind is not float or type(value) is not int:
                            return NO
                        value = float(value)
                    if holder is None:
                        holder = getattr(obj, "_wsme_dataholder", None)
                        if holder is None:
                            holder = obj._wsme_dataholder = obj._wsme_DataHolderClass()
                    setattr(holder, key, value)
                return validate_value(datatype, obj) if validates else obj
            except Exception:  # noqa: BLE001 - any refusal is WSME's to report
                return NO

        return complex_in

    def from_path(self, datatype: Any) -> Callable[[Any], Any]:
        """``from_param(datatype, value)`` for a positional argument: the function WSME's
        dispatch finds for the type, found once (for str/int/float/bool WSME's rule,
        ``datatype(value)``, or ``None`` for ``None``, inline)."""
        target = self.from_param.target(datatype)
        if target is self.from_param.default and datatype in _SIMPLE:
            return _simple_param(datatype)
        return partial(target, datatype)

    def from_query(self, datatype: Any) -> Callable[[str], Any] | None:
        """``from_params`` of a query parameter of a simple type (``datatype(value)``);
        ``None`` for any other type (WSME's own path reads those)."""
        if (datatype not in _SIMPLE
                or self.from_params.target(datatype) is not self.from_params.default
                or self.from_param.target(datatype) is not self.from_param.default):
            return None
        return _simple_param(datatype)


def _simple_param(datatype: type) -> Callable[[Any], Any]:
    def simple_param(value: Any) -> Any:
        return None if value is None else datatype(value)

    return simple_param


def _lazy_tojson(tojson: Callable[..., Any], attr: Any, value: Any) -> Any:
    """WSME's generic ``tojson`` of an attribute whose type is only read when needed."""
    return tojson(attr.datatype, value)


def _lazy_fromjson(fromjson: Callable[..., Any], attr: Any, _kind: Any, value: Any) -> Any:
    """WSME's generic ``fromjson`` of an attribute whose type is only read when needed."""
    return fromjson(attr.datatype, value)


def _compiled(compile_for: Callable[[Any], Any], datatype: Any) -> Any:
    """``compile_for(datatype)``, or ``None`` (WSME's own functions) for a type this
    module cannot read: it is not tried again on every request."""
    try:
        return compile_for(datatype)
    except Exception:  # noqa: BLE001 - an unusual type is WSME's to handle
        return None


def _plain_attributes(types: Any, datatype: Any) -> bool:
    """Whether each attribute of ``datatype`` is a plain ``wsattr`` that keeps its value
    in the instance's data holder, so reading or writing the holder is what the
    attribute does (no property, no ``__setattr__``/``__getattribute__`` of its own)."""
    return len(_plain_attribute_keys(types, datatype)) == len(types.list_attributes(datatype))


def _plain_attribute_keys(types: Any, datatype: Any) -> frozenset[str]:
    """The keys of ``datatype``'s plain ``wsattr`` attributes (see _plain_attributes)."""
    if (datatype.__setattr__ is not object.__setattr__
            or datatype.__getattribute__ is not object.__getattribute__):
        return frozenset()
    return frozenset(attr.key for attr in types.list_attributes(datatype)
                     if type(attr) is types.wsattr and getattr(datatype, attr.key, None) is attr)


_quote = json_encoder.encode_basestring_ascii


def _scalar_text(value: Any) -> str | None:
    """``json.dumps(value)`` for str/int/None/bool/float, else ``None``."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        if value != value:
            return "NaN"
        if value in (_INFINITY, -_INFINITY):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return None


_INFINITY = float("inf")


def _complex_text(datatype: Any, read: tuple, unset: Any) -> Callable[[Any], str | None]:
    fields = tuple((key, default, _quote(name) + ": ") for key, name, _convert, default in read)
    quote, int_text = _quote, int.__repr__

    def complex_text(value: Any) -> str | None:
        if type(value) is not datatype:
            return "null" if value is None else None
        holder = getattr(value, "_wsme_dataholder", None)
        parts = []
        for key, default, prefix in fields:
            item = default if holder is None else getattr(holder, key, default)
            if item is unset:
                continue
            kind = type(item)
            if kind is str:
                parts.append(prefix + quote(item))
            elif kind is int:
                parts.append(prefix + int_text(item))
            else:
                text = _scalar_text(item)
                if text is None:
                    return None
                parts.append(prefix + text)
        return "{" + ", ".join(parts) + "}"

    return complex_text


def _array_text(item: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def array_text(value: Any) -> str | None:
        if value is None:
            return "null"
        if type(value) is not list:
            return None
        parts = []
        for element in value:
            text = item(element)
            if text is None:
                return None
            parts.append(text)
        return "[" + ", ".join(parts) + "]"

    return array_text


def _same(value: Any) -> Any:
    return value


def _isoformat(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _ascii(value: Any) -> Any:
    return None if value is None else value.decode("ascii")


def _each(item: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    if item is None:
        return None

    def each(value: Any) -> Any:
        return None if value is None else [item(element) for element in value]

    return each


def _pairs(key: Callable[[Any], Any] | None,
           item: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    if key is None or item is None:
        return None

    def pairs(value: Any) -> Any:
        return None if value is None else {key(k): item(v) for k, v in value.items()}

    return pairs

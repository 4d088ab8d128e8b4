"""Route path templates: Routes' path syntax, read once at ``connect`` time.

A path such as ``/{project_id}/servers/:(id).:(format)`` becomes a *routelist*
(Routes' own name and shape, kept so code that inspects ``route.routelist``
still works): literal strings and ``{'type': ..., 'name': ...}`` dicts, where
the type is ``':'`` (one segment), ``'.'`` (optional ``.suffix``, from
``{.format}``) or ``'*'`` (wildcard, may span ``/``).

Syntax, as Routes reads it:

- ``{name}``, ``{name:regex}``, ``{.name}``; ``:name`` (ends at one of
  ``/ , ; . # -``; the ``-`` is swallowed) and ``:(name)``; ``*name``.
- ``\\`` escapes the next character: ``\\:``, ``\\*``, ``\\{``, ``\\}`` and ``\\\\``
  give the bare character, any other escaped character keeps its backslash.

Where Routes would silently build a route that can never work, this module
raises :class:`RouteDefinitionError` instead: unbalanced braces or
parentheses, empty or non-identifier variable names, a name used twice, a
dangling backslash. Two deliberate extensions: a requirement may contain
balanced braces (``{id:\\d{1,3}}``, as well as Routes' escaped form
``{id:\\d{1,3\\}}``) and colons (``{x:(?:a|b)}``); Routes cuts both short and
builds a broken regex. (So an unbalanced ``{`` inside a requirement, which
Routes would take literally, is an error here.)

The module also turns the routelist into the regex pieces Routes would build
(the full regex is the reference for behaviour) and plans how the segment
tree will match it: which ``/``-separated segments are static strings, which
need a per-segment test, and from which segment on a variable may cross a
``/`` so the rest of the path must be matched by one regex (the "tail").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .errors import RouteDefinitionError

__all__ = [
    "DONE_CHARS",
    "parse_path",
    "var_regex",
    "full_regex",
    "static_prefix",
    "plan_segments",
    "Plan",
    "SegmentTest",
]

DONE_CHARS = ("/", ",", ";", ".", "#")
_LEGACY_END = frozenset(DONE_CHARS) | {"-"}
_ESCAPABLE = frozenset("\\:*{}")
# What a variable matches when it has no requirement, by type.
DEFAULT_REGEX = {":": "[^/]+?", ".": "[^/.]+?", "*": ".+?"}
_ANY_SEGMENT = DEFAULT_REGEX[":"]


# --- parsing -----------------------------------------------------------------------------


def parse_path(routepath: str, static: bool = False) -> tuple[list, dict[str, str]]:
    """Return ``(routelist, inline_requirements)`` for a route path.

    In a static (generation-only) route ``:`` and ``*`` are plain characters,
    as in Routes; ``{...}`` still marks a variable.
    """
    tokens: list = []
    inline: dict[str, str] = {}
    seen: set[str] = set()
    text: list[str] = []
    i, n = 0, len(routepath)
    while i < n:
        ch = routepath[i]
        if ch == "\\":
            if i + 1 >= n:
                raise RouteDefinitionError(routepath, "ends with a lone backslash")
            nxt = routepath[i + 1]
            text.append(nxt if nxt in _ESCAPABLE else "\\" + nxt)
            i += 2
        elif ch == "{":
            _flush(text, tokens)
            i, var = _read_braced(routepath, i, inline)
            _add_var(routepath, var, tokens, seen)
        elif ch in ":*" and not static:
            _flush(text, tokens)
            i, var, end = _read_legacy(routepath, i)
            _add_var(routepath, var, tokens, seen)
            if end in DONE_CHARS:
                tokens.append(end)
        elif ch == "}":
            raise RouteDefinitionError(
                routepath, "has a '}' without a matching '{' (write '\\}' for a literal brace)"
            )
        else:
            text.append(ch)
            i += 1
    _flush(text, tokens)
    return tokens, inline


def _flush(text: list[str], tokens: list) -> None:
    if text:
        tokens.append("".join(text))
        text.clear()


def _add_var(routepath: str, var: dict, tokens: list, seen: set[str]) -> None:
    name = var["name"]
    if not name:
        raise RouteDefinitionError(routepath, "has a variable with an empty name")
    if not name.isidentifier():
        raise RouteDefinitionError(
            routepath, f"variable name {name!r} is not a valid identifier"
        )
    if name in seen:
        raise RouteDefinitionError(routepath, f"variable {name!r} appears more than once")
    seen.add(name)
    tokens.append(var)


def _read_braced(routepath: str, start: int, inline: dict[str, str]) -> tuple[int, dict]:
    """Read ``{...}`` from ``start``; return the index after ``}`` and the variable."""
    body: list[str] = []
    depth = 0
    i, n = start + 1, len(routepath)
    while i < n:
        ch = routepath[i]
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = routepath[i + 1]
            body.append(nxt if nxt in _ESCAPABLE else "\\" + nxt)
            if nxt == "}" and depth:
                depth -= 1  # Routes' way to write a brace in a requirement: \d{4\}
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i + 1, _braced_var("".join(body), inline)
            depth -= 1
        body.append(ch)
        i += 1
    raise RouteDefinitionError(routepath, f"has a '{{' at offset {start} that is never closed")


def _braced_var(body: str, inline: dict[str, str]) -> dict:
    kind = ":"
    if body.startswith("."):
        kind, body = ".", body[1:]
    name, colon, requirement = body.partition(":")
    if colon:
        inline[name] = requirement
    return {"type": kind, "name": name}


def _read_legacy(routepath: str, start: int) -> tuple[int, dict, str]:
    """Read ``:name``, ``:(name)`` or ``*name``; return (next index, variable, terminator)."""
    kind = routepath[start]
    i, n = start + 1, len(routepath)
    if i < n and routepath[i] == "(":
        close = routepath.find(")", i + 1)
        if close < 0:
            raise RouteDefinitionError(routepath, f"has a '{kind}(' that is never closed")
        return close + 1, {"type": kind, "name": routepath[i + 1 : close]}, ")"
    j = i
    while j < n and routepath[j] not in _LEGACY_END:
        j += 1
    end = routepath[j] if j < n else ""
    return (j + 1 if end else j), {"type": kind, "name": routepath[i:j]}, end


# --- regexes -----------------------------------------------------------------------------


def var_regex(var: dict, reqs: dict, controllers: str) -> str:
    """The regex piece Routes builds for one variable (``controllers``: the
    alternation of known controller names, used for a ``controller`` variable)."""
    name = var["name"]
    if name == "controller":
        inner = controllers
    else:
        inner = reqs.get(name) or DEFAULT_REGEX[var["type"]]
    group = f"(?P<{name}>{inner})"
    if var["type"] == ".":
        return rf"(?:\.{group})??"
    return group


def full_regex(routelist: list, reqs: dict, controllers: str) -> str:
    """The whole-path regex Routes would match this route with (minimization off)."""
    parts = [
        re.escape(tok) if isinstance(tok, str) else var_regex(tok, reqs, controllers)
        for tok in routelist
    ]
    return "^" + "".join(parts) + "$"


def static_prefix(routelist: list) -> str:
    """The literal text before the first variable, trailing slashes removed.

    Routes tries routes grouped by this prefix, longest first, then in connect
    order; the tree ranks candidates by the same key.
    """
    lead = []
    for tok in routelist:
        if not isinstance(tok, str):
            break
        lead.append(tok)
    return "".join(lead).rstrip("/")


# --- planning the tree path ----------------------------------------------------------------

SAFE, TAIL, WHOLE = 0, 1, 2


class SegmentTest:
    """How one dynamic segment is tested.

    ``kind``: ``"any"`` (a lone variable without requirement: any non-empty
    segment), ``"one"`` (a lone variable whose regex has no inner groups: the
    captured value is the whole segment) or ``"groups"`` (anything else: the
    regex's groupdict is the capture). ``key`` identifies equal tests so routes
    can share a tree node.

    ``stem``: when the segment starts with literal text containing a ``.``
    (``servers.:(format)``), the text before that ``.``; a path segment can
    only match if it has a ``.`` and the text before *its* first ``.`` is the
    same, so the tree files such tests in a dict by stem instead of trying
    them one by one.

    ``need``: the longest literal text of the segment (``.`` in ``:(id).:(format)``):
    a segment without it cannot match, which is cheaper to see than to run the regex.
    """

    __slots__ = ("kind", "name", "source", "key", "stem", "need")

    def __init__(self, kind: str, name: str | None, source: str, stem: str | None = None,
                 need: str | None = None):
        self.kind = kind
        self.name = name
        self.source = source
        self.stem = stem
        self.need = need
        self.key = (kind, name, source)


class Plan:
    """Where a route sits in the tree: ``steps`` (a static string or a
    :class:`SegmentTest` per segment), then an optional ``tail`` regex source
    matched from the start of the next segment to the end of the path."""

    __slots__ = ("steps", "tail")

    def __init__(self, steps: list, tail: str | None):
        self.steps = steps
        self.tail = tail


def plan_segments(routelist: list, reqs: dict, controllers: str) -> Plan:
    """Split a routelist at literal ``/`` and decide how each segment is matched."""
    segments: list[list] = [[]]
    for tok in routelist:
        if isinstance(tok, str):
            first, *rest = tok.split("/")
            if first:
                segments[-1].append(first)
            for piece in rest:
                segments.append([piece] if piece else [])
        else:
            segments[-1].append(tok)
    safety = [_segment_safety(seg, reqs, controllers) for seg in segments]
    cut = len(segments)
    if WHOLE in safety:
        cut = 0
    elif TAIL in safety:
        cut = safety.index(TAIL)
    steps = [_step(seg, reqs, controllers) for seg in segments[:cut]]
    tail = None
    if cut < len(segments):
        tail = "/".join(_segment_source(seg, reqs, controllers) for seg in segments[cut:]) + "$"
    return Plan(steps, tail)


def _segment_source(seg: list, reqs: dict, controllers: str) -> str:
    return "".join(
        re.escape(tok) if isinstance(tok, str) else var_regex(tok, reqs, controllers)
        for tok in seg
    )


def _step(seg: list, reqs: dict, controllers: str) -> Any:
    if all(isinstance(tok, str) for tok in seg):
        return "".join(seg)
    source = _segment_source(seg, reqs, controllers)
    if len(seg) == 1 and seg[0]["type"] == ":":
        name = seg[0]["name"]
        if name != "controller" and not reqs.get(name):
            return SegmentTest("any", name, _ANY_SEGMENT)
        if _group_count(source) == 1:
            return SegmentTest("one", name, source)
    lead = "".join(tok for tok in _leading_text(seg))
    stem = lead.partition(".")[0] if "." in lead else None
    literals = [tok for tok in seg if isinstance(tok, str)]
    need = max(literals, key=len) if literals else None
    return SegmentTest("groups", None, source, stem, need)


@lru_cache(maxsize=4096)
def _group_count(source: str) -> int:
    return re.compile(source).groups


def _leading_text(seg: list) -> list[str]:
    lead = []
    for tok in seg:
        if not isinstance(tok, str):
            break
        lead.append(tok)
    return lead


def _segment_safety(seg: list, reqs: dict, controllers: str) -> int:
    worst = SAFE
    for tok in seg:
        if isinstance(tok, str):
            continue
        name = tok["name"]
        inner = controllers if name == "controller" else (
            reqs.get(name) or DEFAULT_REGEX[tok["type"]]
        )
        worst = max(worst, regex_safety(inner))
    return worst


# --- can a regex reach past its segment? ----------------------------------------------------

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_SLASH = ord("/")


@lru_cache(maxsize=4096)
def regex_safety(source: str) -> int:
    """SAFE if the regex can neither consume ``/`` nor look past its own text
    (lookahead, anchors); WHOLE if it refers to other groups (backreferences),
    so only the whole-path regex gives Routes' answer; TAIL otherwise.

    Anything this analysis does not recognise counts as TAIL: the tail regex
    is always correct, only slower.
    """
    try:
        return _walk(_sre_parse.parse(source))
    except Exception:  # noqa: BLE001 - unknown parser internals: be conservative
        return TAIL


def _walk(items: Any) -> int:
    worst = SAFE
    for op, av in items:
        worst = max(worst, _item(op.name, av))
        if worst == WHOLE:
            break
    return worst


def _item(op: str, av: Any) -> int:
    if op == "LITERAL":
        return TAIL if av == _SLASH else SAFE
    if op == "NOT_LITERAL":
        return SAFE if av == _SLASH else TAIL
    if op == "IN":
        return TAIL if _class_has_slash(av) else SAFE
    if op == "SUBPATTERN":
        return _walk(av[-1])
    if op == "BRANCH":
        return max((_walk(alt) for alt in av[1]), default=SAFE)
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return _walk(av[2])
    if op == "ATOMIC_GROUP":
        return _walk(av)
    if op in ("ASSERT", "ASSERT_NOT"):
        # Lookbehind is evaluated against the real path (the tree passes the
        # whole string with a start offset); lookahead would stop at the
        # segment's end, where the full regex sees the rest of the path.
        return SAFE if av[0] < 0 else TAIL
    if op in ("GROUPREF", "GROUPREF_EXISTS"):
        return WHOLE
    return TAIL  # ANY, AT (anchors), and anything unexpected


def _class_has_slash(items: Any) -> bool:
    negate = False
    hit = False
    for op, av in items:
        name = op.name
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or av == _SLASH
        elif name == "RANGE":
            hit = hit or av[0] <= _SLASH <= av[1]
        elif name == "CATEGORY":
            # '/' is no digit, space, word character or line break: only the
            # negated categories (\D \S \W ...) contain it.
            hit = hit or "NOT" in av.name
        else:
            return True
    return hit != negate

"""The segment tree: routes compiled at ``connect`` time, matched in O(path depth).

A path is split at ``/``; each tree level is one segment. A node holds

- ``static``: literal segment -> child (one dict lookup);
- ``dynamic``: segment tests (a variable, or a segment mixing text and
  variables, with requirement regexes compiled once) -> child, ordered by
  the best rank reachable below them; tests for segments that start with
  literal text up to a ``.`` (``servers.:(format)``) are filed in ``stems``
  by that text instead, so one dict lookup finds the few that can match;
- ``tails``: routes whose rest may cross ``/`` (``*path``, requirements that
  allow ``/``): one compiled regex from this segment to the end of the path;
- ``ends``: routes that end exactly here, by rank.

Routes answers with the first route, in this order, that matches: longest
static prefix first, then connect order (see ``template.static_prefix``).
Each route carries that order as one integer, its *rank*; every node knows
the best rank below it. The search visits the static child first, then
dynamic children, and skips any subtree whose best rank cannot beat the best
candidate found so far, so the usual request walks one branch and stops.

A route with a ``function`` condition cannot end the search by itself (the
function may refuse), so such candidates are kept and tried later, in rank
order, before the best unconditional candidate -- exactly the calls, in the
same order, that Routes would make.
"""

from __future__ import annotations

import re
from bisect import insort
from typing import Any

from .route import Route

__all__ = ["Node", "SegmentTree", "Search", "NEVER"]

NEVER = 1 << 62
_ANY, _ONE, _GROUPS = 0, 1, 2
_KINDS = {"any": _ANY, "one": _ONE, "groups": _GROUPS}


class Node:
    """One tree level; see the module docstring."""

    __slots__ = ("static", "dynamic", "stems", "by_test", "tails", "ends", "best", "need")

    def __init__(self) -> None:
        self.static: dict[str, Node] = {}
        self.dynamic: list[tuple[int, str | None, Any, Node]] = []
        self.stems: dict[str, list[tuple[int, str | None, Any, Node]]] = {}
        self.by_test: dict[tuple, Node] = {}
        self.tails: list[tuple[int, Route, re.Pattern]] = []
        self.ends: list[Route] = []
        self.best = NEVER
        #: literal text a segment must hold to reach this node by its test (compiled.py)
        self.need: str | None = None


class Search:
    """The state of one lookup: best unconditional candidate, pending function candidates."""

    __slots__ = ("method", "sub_domain", "best", "route", "caps", "pending", "stack")

    def __init__(self, method: str | None, sub_domain: str | None):
        self.method = method
        self.sub_domain = sub_domain
        self.best = NEVER
        self.route: Route | None = None
        self.caps: tuple = ()
        self.pending: list[tuple[int, Route, tuple]] = []
        self.stack: list = []

    def found(self, route: Route, caps: tuple) -> None:
        if route._function is None:
            self.best = route.rank
            self.route = route
            self.caps = caps
        else:
            self.pending.append((route.rank, route, caps))

    def candidates(self) -> list[tuple[Route, tuple]]:
        """Candidates in the order Routes would try them, ending at the first certain one."""
        order = sorted(item for item in self.pending if item[0] < self.best)
        chosen = [(route, caps) for _, route, caps in order]
        if self.route is not None:
            chosen.append((self.route, self.caps))
        return chosen


class SegmentTree:
    """All matchable routes of one mapper."""

    def __init__(self) -> None:
        self.root = Node()

    def insert(self, route: Route) -> None:
        """Add a route (its ``plan`` and ``rank`` already set)."""
        rank = route.rank
        node = self.root
        visited = [node]
        node.best = min(node.best, rank)
        for step in route.plan.steps:
            if step.__class__ is str:
                child = node.static.get(step)
                if child is None:
                    child = node.static[step] = Node()
            else:
                child = node.by_test.get(step.key)
                if child is None:
                    child = node.by_test[step.key] = Node()
                    child.need = step.need
                    regex = None if step.kind == "any" else re.compile(step.source)
                    entry = (_KINDS[step.kind], step.name, regex, child)
                    if step.stem is None:
                        node.dynamic.append(entry)
                    else:
                        node.stems.setdefault(step.stem, []).append(entry)
            child.best = min(child.best, rank)
            node = child
            visited.append(node)
        if route.plan.tail is None:
            insort(node.ends, route, key=_rank_of)
        else:
            insort(node.tails, (rank, route, re.compile(route.plan.tail)), key=_first)
        for seen in visited:
            seen.dynamic.sort(key=_child_best)
            for bucket in seen.stems.values():
                bucket.sort(key=_child_best)

    def search(self, path: str, method: str | None, sub_domain: str | None) -> Search:
        state = Search(method, sub_domain)
        segs = path.split("/")
        _walk(self.root, segs, len(segs), 0, 0, path, state)
        return state


def _rank_of(route: Route) -> int:
    return route.rank


def _first(item: tuple) -> int:
    return item[0]


def _child_best(entry: tuple) -> int:
    return entry[3].best


def _walk(node: Node, segs: list[str], n: int, i: int, pos: int, path: str,
          st: Search) -> None:
    """Depth-first search with pruning by rank; see the module docstring."""
    if i == n:
        method = st.method
        for route in node.ends:
            if route.rank >= st.best:
                break
            methods = route._methods
            if methods is not None and method is not None and method not in methods:
                continue
            if route._sub_domain_cond and not route.admits(method, st.sub_domain):
                continue
            if route._function is None:
                st.best = route.rank
                st.route = route
                st.caps = tuple(st.stack)
                break  # ``ends`` is in rank order: nothing after this can win
            st.pending.append((route.rank, route, tuple(st.stack)))
        return
    seg = segs[i]
    end = pos + len(seg)
    child = node.static.get(seg)
    if child is not None and child.best < st.best:
        _walk(child, segs, n, i + 1, end + 1, path, st)
    if node.stems and "." in seg:
        # a stem test needs the segment's first '.' right after the stem
        bucket = node.stems.get(seg.partition(".")[0])
        if bucket is not None:
            _descend(bucket, seg, segs, n, i, pos, end, path, st)
    for kind, name, regex, child in node.dynamic:  # _descend, inlined for the common case
        if child.best >= st.best:
            break
        if kind == _ANY:
            if not seg:
                continue
            cap: Any = (name, seg)
        else:
            found = regex.fullmatch(path, pos, end)
            if found is None:
                continue
            cap = (name, seg) if kind == _ONE else found
        st.stack.append(cap)
        _walk(child, segs, n, i + 1, end + 1, path, st)
        st.stack.pop()
    for rank, route, regex in node.tails:
        if rank >= st.best:
            break
        found = regex.match(path, pos)
        if found is None or not route.admits(st.method, st.sub_domain):
            continue
        st.found(route, (*st.stack, found))


def _descend(entries: list, seg: str, segs: list[str], n: int, i: int, pos: int, end: int,
             path: str, st: Search) -> None:
    """Try the dynamic tests of one node on segment ``i`` and search below each that passes."""
    for kind, name, regex, child in entries:
        if child.best >= st.best:
            break
        if kind == _ANY:
            if not seg:
                continue
            cap: Any = (name, seg)
        else:
            found = regex.fullmatch(path, pos, end)
            if found is None:
                continue
            cap = (name, seg) if kind == _ONE else found
        st.stack.append(cap)
        _walk(child, segs, n, i + 1, end + 1, path, st)
        st.stack.pop()


def captures_to_dict(caps: tuple) -> dict:
    """The values a match captured, in path order: (name, value) pairs or regex matches."""
    result: dict = {}
    for cap in caps:
        if cap.__class__ is tuple:
            result[cap[0]] = cap[1]
        else:
            result.update(cap.groupdict())
    return result

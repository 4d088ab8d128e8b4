"""Random route tables and random URLs: carya must pick Routes' route every time.

The hand-written definitions cover known cases; this sweep builds tables from
random pieces (static words, variables with and without requirements, ``.``
suffixes, wildcards, mixed segments, overlapping prefixes, method conditions)
so the tree's ordering and pruning meet shapes nobody wrote down.
"""

from __future__ import annotations

import random

import pytest
import routes

from carya.mapper import Mapper

WORDS = ["a", "b", "ab", "api", "v1", "x.y", "servers", "detail", "new", "edit"]
VALUES = WORDS + ["1", "42", "1.json", "a.b.c", "ab-1", "", "Z", "x.y.json", "7.xml", "a b"]
METHODS = ["GET", "POST", "PUT"]


def random_segment(rnd: random.Random, names: list[str]) -> str:
    def var() -> str:
        name = f"v{len(names)}"
        names.append(name)
        return name

    kind = rnd.random()
    if kind < 0.35:
        return rnd.choice(WORDS)
    if kind < 0.55:
        return "{" + var() + "}"
    if kind < 0.65:
        regex = rnd.choice(["\\d+", "[a-z]+", "a|b", "[^/]+(?<!1)"])
        return "{" + var() + ":" + regex + "}"
    if kind < 0.72:
        return ":(" + var() + ")"
    if kind < 0.80:
        return rnd.choice(WORDS) + "{." + var() + "}"
    if kind < 0.86:
        first = var()
        return "{" + first + "}.{" + var() + "}"
    if kind < 0.91:
        return rnd.choice(WORDS) + ".:(" + var() + ")"
    if kind < 0.95:
        return "*" + var()
    return "{" + var() + ":[a-z/]+}"


def random_table(seed: int) -> list[tuple[str, dict]]:
    rnd = random.Random(seed)
    table = []
    for k in range(rnd.randint(5, 25)):
        names: list[str] = []
        depth = rnd.randint(0, 4)
        path = "/" + "/".join(random_segment(rnd, names) for _ in range(depth))
        options: dict = {"controller": f"c{k}", "action": f"a{k}"}
        if rnd.random() < 0.4:
            options["conditions"] = {"method": rnd.sample(METHODS, rnd.randint(1, 2))}
        table.append((path, options))
    return table


def random_url(rnd: random.Random) -> str:
    return "/" + "/".join(rnd.choice(VALUES) for _ in range(rnd.randint(0, 5)))


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_match_like_routes(seed):
    table = random_table(seed)
    ref, mine = routes.Mapper(), Mapper()
    for path, options in table:
        ref.connect(path, **options)
        mine.connect(path, **options)
    rnd = random.Random(seed * 7919)
    urls = [random_url(rnd) for _ in range(250)]
    # and URLs derived from the table's own paths, so matches are common
    for path, _ in table:
        urls.append("".join(rnd.choice(["1", "ab", "x.y", "7.xml"]) if ch in "{:*" else ch
                            for ch in path.split("}")[0]))
    for url in urls:
        for method in (None, "GET", "POST"):
            env = {"REQUEST_METHOD": method} if method else None
            expected = ref.routematch(url, env and dict(env))
            got = mine.routematch(url, env and dict(env))
            if expected is None:
                assert got is None, (url, method, table)
            else:
                assert got is not None, (url, method, table)
                assert got[0] == expected[0], (url, method)
                assert mine.matchlist.index(got[1]) == ref.matchlist.index(expected[1]), (
                    url, method)

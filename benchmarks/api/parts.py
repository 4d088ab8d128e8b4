"""Where a carya.api request's time goes, against Falcon: ``python -m benchmarks.api.parts``.

Times one shape (``--shape``, default ``api_action``) on carya.api and on the
hand-written Falcon app four ways: whole, without the schema check, without the
policy check, without both, so each part's cost is the difference. carya's checks
are taken off the handler it builds; Falcon's by building its app with a no-op
schema compiler and policy (the same engine carya uses). Each figure is the best
of ``--repeats`` loops of ``--number`` calls (µs per request); in-process, no
server. This is an explanation, not a target: ``python -m benchmarks`` has those.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import timeit
from collections.abc import Callable, Iterator

import fastjsonschema

import benchmarks.api.impl_falcon as falcon_impl
from benchmarks.driver import make_caller
from benchmarks.profile import find
from benchmarks.shapes import api_shapes
from carya.api import policy as policy_engine
from carya.api.dispatch import targets_of


def best_us(call: Callable[[], object], number: int, repeats: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=repeats)) / number * 1e6


def carya_handler(app, shape):
    """The carya handler the shape reaches (its ``checks`` list is what is taken off)."""
    for entry in app.router.entries.values():
        for handler, _ in targets_of(entry):
            if shape.name == "api_action" and handler.name.endswith("_reboot"):
                return handler
            if shape.name == "api_show" and handler.name.endswith(".show"):
                return handler
            if shape.name == "api_create" and handler.name.endswith(".create"):
                return handler
    raise LookupError(f"no handler for {shape.name}")


def carya_parts(shape, number: int, repeats: int) -> dict[str, float]:
    app, _ = find("carya", shape.name)
    call = make_caller(app, shape)
    handler = carya_handler(app, shape)
    checks = list(handler.checks)
    schema = [c for c in checks if "validation" in c.__module__]
    policy = [c for c in checks if "policy" in c.__module__]
    out = {"whole": best_us(call, number, repeats)}
    for label, dropped in (("without schema", schema), ("without policy", policy),
                           ("without both", schema + policy)):
        handler.checks = [c for c in checks if c not in dropped]
        out[label] = best_us(call, number, repeats)
    handler.checks = checks
    return out


@contextlib.contextmanager
def falcon_without(schema: bool, policy: bool) -> Iterator[None]:
    compile_, enforce, creds = (fastjsonschema.compile, policy_engine.Enforcer.enforce,
                                falcon_impl.credentials)
    if schema:
        fastjsonschema.compile = lambda *a, **k: (lambda body: body)
    if policy:
        policy_engine.Enforcer.enforce = lambda self, name, target, creds: True
        falcon_impl.credentials = lambda context: None
    try:
        yield
    finally:
        fastjsonschema.compile = compile_
        policy_engine.Enforcer.enforce = enforce
        falcon_impl.credentials = creds


def falcon_parts(shape, number: int, repeats: int) -> dict[str, float]:
    out = {}
    for label, schema, policy in (("whole", False, False), ("without schema", True, False),
                                  ("without policy", False, True),
                                  ("without both", True, True)):
        with falcon_without(schema, policy):
            out[label] = best_us(make_caller(falcon_impl.build(), shape), number, repeats)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api.parts", description=__doc__)
    parser.add_argument("--shape", default="api_action",
                        choices=[s.name for s in api_shapes()])
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args(argv)
    shape = next(s for s in api_shapes() if s.name == opts.shape)
    rows = {"carya": carya_parts(shape, opts.number, opts.repeats),
            "falcon": falcon_parts(shape, opts.number, opts.repeats)}
    print(f"{shape.name}: µs per request (best of {opts.repeats} x {opts.number})")
    print(f"{'':8} {'whole':>7} {'rest':>7} {'schema':>7} {'policy':>7}")
    for name, r in rows.items():
        schema = r["whole"] - r["without schema"]
        policy = r["whole"] - r["without policy"]
        print(f"{name:8} {r['whole']:7.2f} {r['without both']:7.2f} {schema:7.2f} {policy:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

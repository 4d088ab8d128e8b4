"""Where a carya.api request's time goes, against Falcon: ``python -m benchmarks.api.parts``.

Times one shape (``--shape``, default ``api_action``) on carya.api and on the
hand-written Falcon app four ways: whole, without the schema check, without the
policy check, without both, so each part's cost is the difference. carya's checks
are taken off the handler of an app built for that variant; Falcon's app is built
without them (``impl_falcon.build(schema=..., policy=...)``; Nova's project-in-URL
check stays, as it does in carya). The eight variants take turns loop by loop
(``--rounds`` of them, best loop kept), so a slow spell of a shared machine lands
on all alike. µs per request, in-process, no server. This is an explanation, not a
target: ``python -m benchmarks`` has those.
"""

from __future__ import annotations

import argparse
import sys

import benchmarks.api.impl_falcon as falcon_impl
from benchmarks.driver import make_caller
from benchmarks.profile import find
from benchmarks.shapes import api_shapes
from benchmarks.timing import best_in_turns
from carya.api.dispatch import targets_of

VARIANTS = (("whole", False, False), ("without schema", True, False),
            ("without policy", False, True), ("without both", True, True))


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


def carya_variant(shape, no_schema: bool, no_policy: bool):
    app, _ = find("carya", shape.name)  # a new app (and handler) per variant
    handler = carya_handler(app, shape)
    handler.checks = [c for c in handler.checks
                      if not (no_schema and "validation" in c.__module__)
                      and not (no_policy and "policy" in c.__module__)]
    return make_caller(app, shape)


def falcon_variant(shape, no_schema: bool, no_policy: bool):
    return make_caller(falcon_impl.build(schema=not no_schema, policy=not no_policy), shape)


def measure(shape, number: int, rounds: int) -> dict[str, dict[str, float]]:
    calls = {(name, label): build(shape, no_schema, no_policy)
             for name, build in (("carya", carya_variant), ("falcon", falcon_variant))
             for label, no_schema, no_policy in VARIANTS}
    best = best_in_turns(calls, number, rounds)
    return {name: {label: best[(name, label)] for label, _, _ in VARIANTS}
            for name in ("carya", "falcon")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api.parts", description=__doc__)
    parser.add_argument("--shape", default="api_action",
                        choices=[s.name for s in api_shapes()])
    parser.add_argument("--number", type=int, default=2000, help="calls per loop")
    parser.add_argument("--rounds", type=int, default=60, help="loops per variant, taking turns")
    opts = parser.parse_args(argv)
    shape = next(s for s in api_shapes() if s.name == opts.shape)
    rows = measure(shape, opts.number, opts.rounds)
    print(f"{shape.name}: µs per request (best of {opts.rounds} loops of {opts.number}, "
          "the variants taking turns)")
    print(f"{'':8} {'whole':>7} {'rest':>7} {'schema':>7} {'policy':>7}")
    for name, r in rows.items():
        schema = r["whole"] - r["without schema"]
        policy = r["whole"] - r["without policy"]
        print(f"{name:8} {r['whole']:7.2f} {r['without both']:7.2f} {schema:7.2f} {policy:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

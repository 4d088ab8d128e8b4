"""JSON libraries on the bodies the request shapes use: ``python -m benchmarks.json_libs``.

carya parses ``request.json`` and renders ``@expose('json')`` results on every
one of the body-carrying shapes, so the library is part of the hot path. This
times, per body, decoding bytes and encoding to bytes with the standard
library's ``json`` (as carya uses it: a reused encoder, compact separators, a
``default`` hook for Pecan's jsonify rules), ``orjson`` and ``msgspec`` (a
reused ``msgspec.json.Encoder``/``Decoder``), each if installed. Best of a few
bounded loops, in microseconds per call.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial

from benchmarks.shapes import BOOK_PAYLOAD, CREATE_PAYLOAD, ECHO_PAYLOAD, TOKEN, created_server
from benchmarks.timing import timed_run

SMALL_RESPONSE = {"id": "7"}


def bodies() -> dict:
    """The request and response bodies of the suite's shapes, by a short name."""
    from benchmarks.api import scenario

    return {
        "get_one response {id}": SMALL_RESPONSE,
        "echo {a, b[3]}": ECHO_PAYLOAD,
        "create request": CREATE_PAYLOAD,
        "create response": created_server(TOKEN, CREATE_PAYLOAD),
        "WSME book": BOOK_PAYLOAD,
        "api create request": scenario.CREATE_BODY,
        "api show response": scenario.shown("abc"),
    }


def libraries() -> dict:
    """``{name: (encode -> bytes, decode(bytes))}`` for every library installed."""
    stdlib_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False,
                                     default=str).encode
    libs = {"json": (lambda value: stdlib_encode(value).encode(), json.loads)}
    try:
        import orjson

        libs["orjson"] = (orjson.dumps, orjson.loads)
    except ImportError:
        pass
    try:
        import msgspec

        encoder, decoder = msgspec.json.Encoder(), msgspec.json.Decoder()
        libs["msgspec"] = (encoder.encode, decoder.decode)
    except ImportError:
        pass
    return libs


def micros(call, seconds: float) -> float:
    """Best µs per call over three loops bounded by ``seconds`` each and 200k calls."""
    return min(1e6 / timed_run(call, seconds, 200_000, 100)[0] for _ in range(3))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.json_libs", description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.2, help="per loop (0.2)")
    opts = parser.parse_args(argv)
    libs = libraries()
    names = list(libs)
    print(f"µs per call, best of 3 loops (libraries: {', '.join(names)})")
    print(f"{'body':<24}{'op':<8}" + "".join(f"{n:>10}" for n in names))
    for label, value in bodies().items():
        data = libs["json"][0](value)
        for op in ("decode", "encode"):
            cells = []
            for name in names:
                encode, decode = libs[name]
                if decode(encode(value)) != value:
                    cells.append("WRONG")
                    continue
                fn, arg = (decode, data) if op == "decode" else (encode, value)
                call = partial(fn, arg)
                cells.append(f"{micros(call, opts.seconds):.2f}")
            print(f"{label:<24}{op:<8}" + "".join(f"{c:>10}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())

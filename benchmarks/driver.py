"""Measure one framework in this process and print the results as one JSON line.

Run by ``python -m benchmarks`` as ``python -m benchmarks.driver FRAMEWORK ...``;
one subprocess per framework keeps imports and peak RSS from mixing. Apps are
called directly through WSGI (no server, no sockets), so the figures are the
framework's own per-request overhead plus a small, identical harness cost.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import resource
import sys
import time
import traceback
from io import BytesIO

from benchmarks.shapes import LOOKUP_SIZES, PROBES, SHAPES, api_shapes, lookup_shape
from benchmarks.timing import timed_run as _timed_run
from benchmarks.timing import wsgi_caller

APP_MODULES = {
    "raw": "benchmarks.apps.raw",
    "falcon": "benchmarks.apps.falcon_app",
    "pecan": "benchmarks.apps.pecan_app",
    "carya": "benchmarks.apps.carya_app",
}
BATCH = 50
CLOCK = ["cpu"]  # set from --clock
BODY_PREVIEW = 300


def _write(data):
    """The ``write`` callable PEP 3333 requires start_response to return; unused."""


def _start_response(status, headers, exc_info=None):
    """No-op start_response: the timing loop must not pay for recording anything."""
    return _write


def make_environ(shape):
    """A minimal but complete PEP 3333 environ for ``shape``, as a server would build."""
    path, _, query = shape.path.partition("?")
    environ = {
        "REQUEST_METHOD": shape.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if shape.body:
        environ["CONTENT_TYPE"] = shape.content_type
        environ["CONTENT_LENGTH"] = str(len(shape.body))
    for name, value in shape.headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ.update(shape.extra_environ)
    return environ


def make_caller(app, shape):
    """A zero-argument callable doing one full request, bound to locals for speed.

    Every call gets a fresh environ copy and a fresh ``wsgi.input``, because
    frameworks may mutate the environ and consume the input stream.
    """
    return wsgi_caller(app, make_environ(shape), shape.body)


def capture(app, shape):
    """Run one request and return ``(status_code, headers, body)`` for checking."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers
        return _write

    environ = make_environ(shape)
    environ["wsgi.input"] = BytesIO(shape.body)
    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(seen["status"].split()[0]), list(seen["headers"]), body


def header(headers, name):
    """First value of header ``name`` (case-insensitive), or None."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def check(shape, status, headers, body):
    """Return a list of ways the response differs from what ``shape`` requires."""
    problems = []
    if status != shape.status:
        problems.append(f"status {status}, expected {shape.status}")
    if shape.text is not None and body != shape.text.encode():
        problems.append(f"body {body[:BODY_PREVIEW]!r}, expected {shape.text!r}")
    if shape.location is not None and header(headers, "location") != shape.location:
        problems.append(f"location {header(headers, 'location')!r}, expected {shape.location!r}")
    for name, value in shape.response_headers:
        if header(headers, name.lower()) != value:
            problems.append(f"{name} {header(headers, name.lower())!r}, expected {value!r}")
    if shape.json_body is not None:
        ctype = header(headers, "content-type") or ""
        if not ctype.startswith("application/json"):
            problems.append(f"content-type {ctype!r}, expected application/json")
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = ValueError
        if parsed != shape.json_body:
            problems.append(f"body {body[:BODY_PREVIEW]!r}, expected JSON {shape.json_body!r}")
    return problems


def verify(app, shape):
    """Check one shape once; return ``(observed, problems)``; exceptions are problems."""
    try:
        status, headers, body = capture(app, shape)
    except Exception:
        return None, [f"exception:\n{traceback.format_exc()}"]
    return describe(status, headers, body), check(shape, status, headers, body)


def describe(status, headers, body):
    """The observable parts of a response, kept for the carya-vs-Pecan comparison."""
    return {
        "status": status,
        "content_type": header(headers, "content-type"),
        "header_names": sorted({key.lower() for key, _ in headers}),
        "body": body[:BODY_PREVIEW].decode("utf-8", "replace"),
    }


def probe(app, shape):
    """Record whatever the app does for an edge request, exception included."""
    try:
        status, headers, body = capture(app, shape)
    except Exception as exc:
        return {"exception": f"{type(exc).__name__}: {exc}"}
    return describe(status, headers, body)



def timed_run(call, budget, max_iter):
    """Calls per second over one loop bounded by time and count (see benchmarks.timing)."""
    return _timed_run(call, budget, max_iter, BATCH, CLOCK[0])


def measure(call, opts):
    """Warm up, then the best req/s of ``opts.repeats`` loops (best = least disturbed)."""
    budget = opts.seconds / opts.repeats
    timed_run(call, min(0.1, budget / 4), 2000)
    runs = [timed_run(call, budget, opts.max_iter) for _ in range(opts.repeats)]
    best = max(runs)
    return {"rate": best[0], "iterations": best[1]}


def peak_rss_kb(calls, total):
    """Peak RSS (KiB on Linux) after ``total`` requests cycling over ``calls``."""
    for i in range(total):
        calls[i % len(calls)]()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def null_app(environ, start_response):
    """The cheapest possible WSGI app: what is left is the harness's own cost."""
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def verified_calls(pairs, report):
    """Check each ``(shape, app)`` once; a timing caller for every shape answered right."""
    calls = {}
    for shape, app in pairs:
        observed, problems = verify(app, shape)
        report["observed"][shape.name] = observed
        report["errors"].extend(f"{shape.name}: {p}" for p in problems)
        if not problems:
            calls[shape.name] = make_caller(app, shape)
    return calls


def prepare_fixed_shapes(module, opts, report):
    """Verify every fixed shape and measure peak RSS; the timing callers of those that passed.

    Peak RSS is read on the shapes every framework serves, before WSME is imported
    (Pecan and carya serve two more shapes with it) and before the carya.api/Falcon
    API app is built, so it compares the frameworks (raw and Pecan have no API app).
    """
    takes_wsme = "wsme" in inspect.signature(module.build).parameters
    built = module.build(wsme=False) if takes_wsme else module.build()
    served = [shape for shape in SHAPES
              if shape.serves(opts.framework) and shape.group != "wsme"]
    calls = verified_calls([(shape, built.app) for shape in served], report)
    report["probes"] = {shape.name: probe(built.app, shape) for shape in PROBES}
    if calls:
        report["rss_kb"] = peak_rss_kb(list(calls.values()), opts.rss_requests)
    wsme_shapes = [shape for shape in SHAPES
                   if shape.serves(opts.framework) and shape.group == "wsme"]
    if takes_wsme and wsme_shapes:
        with_wsme = module.build()
        report["skipped"] = dict(with_wsme.skipped)
        pairs = [(shape, with_wsme.app) for shape in wsme_shapes
                 if shape.name not in with_wsme.skipped]
        calls.update(verified_calls(pairs, report))
    else:
        report["skipped"] = dict(built.skipped)
    if hasattr(module, "build_api"):
        api = module.build_api()
        pairs = [(shape, api) for shape in api_shapes() if shape.serves(opts.framework)]
        calls.update(verified_calls(pairs, report))
    return calls


def prepare_lookup(module, n_routes, report):
    """Build the N-route app, verify the last and middle routes; their timing callers,
    keyed ``lookup:N:position``."""
    start = time.perf_counter()
    built = module.build(n_routes)
    report["lookup"][str(n_routes)] = {"build_ms": (time.perf_counter() - start) * 1000}
    if len(built.routes) != n_routes:
        report["errors"].append(f"lookup {n_routes}: app reports {len(built.routes)} routes")
        return {}
    calls = {}
    for position, index in (("last", n_routes - 1), ("middle", n_routes // 2)):
        shape = lookup_shape(built.routes[index])
        observed, problems = verify(built.app, shape)
        report["errors"].extend(f"lookup {n_routes} {position}: {p}" for p in problems)
        if not problems:
            calls[f"lookup:{n_routes}:{position}"] = make_caller(built.app, shape)
    return calls


def record(report, key, result):
    """Put one key's timing where the report keeps it (shape, lookup or harness)."""
    if key == "harness":
        report["harness_rate"] = result["rate"]
    elif key.startswith("lookup:"):
        _, size, position = key.split(":")
        report["lookup"][size][position] = result
    else:
        report["shapes"][key] = result


def prepare(opts, report):
    """Import the framework, build, verify and measure memory: ``{key: caller}`` to time."""
    module = importlib.import_module(APP_MODULES[opts.framework])
    report["version"] = framework_version(opts.framework)
    calls = prepare_fixed_shapes(module, opts, report)
    if opts.framework == "raw":
        calls["harness"] = make_caller(null_app, SHAPES[0])
    if not opts.only_shapes:
        for n_routes in (int(n) for n in opts.sizes.split(",")):
            calls.update(prepare_lookup(module, n_routes, report))
    return calls


def serve(calls, opts, report):
    """Time on request, for ``python -m benchmarks`` taking turns between frameworks.

    Prints the setup report (with ``keys``) as one JSON line, then reads one JSON
    command per line (``{"key", "budget", "max_iter"}``; ``{"quit": true}`` ends)
    and answers each with one timed loop's ``{"rate", "iterations"}``.
    """
    report["keys"] = list(calls)
    print(json.dumps(report), flush=True)
    warmed = set()
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        key = command["key"]
        call = calls[key]
        if key not in warmed:
            timed_run(call, min(0.1, command["budget"] / 4), 2000)
            warmed.add(key)
        rate, count = timed_run(call, command["budget"], command["max_iter"])
        print(json.dumps({"rate": rate, "iterations": count}), flush=True)
    return 1 if report["errors"] else 0


def framework_version(name):
    """Installed version of the framework, or a best effort for uninstalled carya."""
    if name == "raw":
        return "python " + sys.version.split()[0]
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return getattr(sys.modules.get(name), "__version__", "unknown")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("framework", choices=sorted(APP_MODULES))
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=200_000)
    parser.add_argument("--rss-requests", type=int, default=5000)
    parser.add_argument("--sizes", default=",".join(map(str, LOOKUP_SIZES)))
    parser.add_argument("--only-shapes", action="store_true", help="skip the lookup apps")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--serve", action="store_true",
                        help="after setup, time keys on request (see serve)")
    return parser.parse_args(argv)


def main(argv=None):
    """Measure, print one JSON line, exit 1 if any answer was wrong (or serve, --serve)."""
    opts = parse_args(argv)
    CLOCK[0] = opts.clock
    report = {"framework": opts.framework, "errors": [], "observed": {}, "shapes": {}}
    report["lookup"] = {}
    calls = prepare(opts, report)
    if opts.serve:
        return serve(calls, opts, report)
    for key, call in calls.items():
        record(report, key, measure(call, opts))
    return finish(report)


def finish(report):
    """Print the report as the one JSON line the parent reads; 1 if any answer was wrong."""
    print(json.dumps(report))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

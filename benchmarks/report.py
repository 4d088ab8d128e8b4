"""Turn the drivers' JSON into the printed table, the PASS/FAIL targets and saved files.

Nothing here measures; it only compares. Ratios are carya's req/s divided by
the other framework's req/s, so above 1.0 means carya is faster.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.shapes import API_SHAPES, FRAMEWORKS, LOOKUP_SIZES, PROBES, REST_SHAPES, SHAPES

LABELS = {
    "static": "static text    GET /hello",
    "param_json": "path param     GET /user/42",
    "rest_get_one": "Rest get_one   GET /things/7",
    "post_echo": "JSON echo      POST /echo",
    "not_found": "404            GET /does/not/exist",
    "header_read": "Rest + header  GET /tokens/7",
    "hooks": "Rest + 2 hooks GET /hooked/7",
    "abort_404": "Rest abort 404 GET /gone/7",
    "rest_delete": "Rest delete 204 DELETE /volumes/7",
    "list_query": "Rest get_all   GET /flavors?limit&marker",
    "rest_post": "Rest post 201  POST /items",
    "create": "create 201+Loc POST /servers",
    "wsme_get": "WSME get_one   GET /books/9",
    "wsme_create": "WSME post 201  POST /books",
    "api_create": "api create     POST /p1/servers",
    "api_action": "api action     POST .../action",
    "api_show": "api show       GET /p1/servers/abc",
}
FALCON_MIN, PECAN_MIN, RAW_MIN, FLAT_MAX = 1.0, 50.0, 0.5, 1.2
SMALL, LARGE = LOOKUP_SIZES[0], LOOKUP_SIZES[-1]
LABEL_WIDTH, NUM_WIDTH, RATIO_WIDTH = 36, 11, 14


def row_keys():
    """Every timed row: the fixed shapes, the API shapes, then the lookup sizes."""
    keys = [shape.name for shape in SHAPES] + list(API_SHAPES)
    for size in LOOKUP_SIZES:
        keys += [f"lookup {size} last", f"lookup {size} middle"]
    return keys


def label(key):
    if key in LABELS:
        return LABELS[key]
    _, size, position = key.split()
    index = int(size) - 1 if position == "last" else int(size) // 2
    return f"lookup N={size:<5} {position:<6} GET /r{index}"


def rate(report, key):
    """req/s of one row in one framework's report, or None if not measured."""
    if report is None:
        return None
    if key.startswith("lookup"):
        _, size, position = key.split()
        entry = report.get("lookup", {}).get(size, {}).get(position)
    else:
        entry = report.get("shapes", {}).get(key)
    return entry["rate"] if entry else None


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def verdict(passed):
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def ratio_cell(value, minimum=None):
    """A ratio with its PASS/FAIL mark when this cell carries a target."""
    if value is None:
        return "-".rjust(RATIO_WIDTH)
    mark = "" if minimum is None else " " + verdict(value >= minimum)
    digits = 2 if value >= 0.1 else 4
    return f"{value:.{digits}f}x{mark}".rjust(RATIO_WIDTH)


def number(value, fmt="{:,.0f}"):
    return ("-" if value is None else fmt.format(value)).rjust(NUM_WIDTH)


def header_lines(names):
    """Two header lines: column names, then the target each ratio column is held to."""
    first = "req/s (best of repeats)".ljust(LABEL_WIDTH) + "".join(
        n.rjust(NUM_WIDTH) for n in names
    )
    second = " " * (LABEL_WIDTH + NUM_WIDTH * len(names))
    for title, target in (
        ("carya/falcon", f">={FALCON_MIN:g}x"),
        ("carya/pecan", f">={PECAN_MIN:g}x Rest"),
        ("carya/raw", f">={RAW_MIN:g}x"),
    ):
        first += title.rjust(RATIO_WIDTH)
        second += target.rjust(RATIO_WIDTH)
    return [first, second]


def table_row(key, reports, names):
    """One shape: req/s per framework, then carya's ratios (marked where a target applies)."""
    rates = {name: rate(reports.get(name), key) for name in FRAMEWORKS}
    line = label(key).ljust(LABEL_WIDTH) + "".join(number(rates[n]) for n in names)
    carya = rates["carya"]
    pecan_target = PECAN_MIN if key in REST_SHAPES else None
    line += ratio_cell(ratio(carya, rates["falcon"]), FALCON_MIN)
    line += ratio_cell(ratio(carya, rates["pecan"]), pecan_target)
    line += ratio_cell(ratio(carya, rates["raw"]), RAW_MIN)
    return line


def flatness(report):
    """time(N=1000)/time(N=10) for the last route, i.e. req/s(10) / req/s(1000)."""
    return ratio(rate(report, f"lookup {SMALL} last"), rate(report, f"lookup {LARGE} last"))


def rss_mib(report):
    kb = (report or {}).get("rss_kb")
    return None if kb is None else kb / 1024


def extra_rows(reports, imports, names):
    """Per-framework figures that are not req/s: flatness, peak RSS, import time."""
    rows = [
        (
            f"lookup flatness t({LARGE})/t({SMALL})",
            {n: flatness(reports.get(n)) for n in names},
            "{:.2f}",
            f"carya <= {FLAT_MAX}",
        ),
        (
            "peak RSS MiB (5k mixed requests)",
            {n: rss_mib(reports.get(n)) for n in names},
            "{:.1f}",
            "carya <= falcon",
        ),
        (
            "import time ms (min of 9, - pass)",
            {n: imports.get(n) for n in names},
            "{:.1f}",
            "carya <= falcon",
        ),
    ]
    lines = []
    for title, values, fmt, target in rows:
        cells = "".join(number(values[n], fmt) for n in names)
        lines.append(
            title.ljust(LABEL_WIDTH) + cells + ("target: " + target).rjust(RATIO_WIDTH * 2)
        )
    ceiling = (reports.get("raw") or {}).get("harness_rate")
    if ceiling:
        lines.append(
            f"harness ceiling: a no-op WSGI app does {ceiling:,.0f} req/s in the same loop"
        )
    return lines


def worst_ratio(reports, other, keys):
    """carya's smallest ratio to ``other`` across rows: the one that decides 'every shape'."""
    pairs = [(ratio(rate(reports.get("carya"), k), rate(reports.get(other), k)), k) for k in keys]
    pairs = [(value, k) for value, k in pairs if value is not None]
    return min(pairs) if pairs else (None, None)


def target(name, value, passed, detail=""):
    return {"target": name, "value": value, "passed": passed, "detail": detail}



def check_at_least(value, minimum):
    return None if value is None else value >= minimum


def check_at_most(value, maximum):
    return None if value is None or maximum is None else value <= maximum


def evaluate_targets(reports, imports):
    """The targets carya is held to, each PASS, FAIL or n/a (nothing to compare)."""
    keys = row_keys()
    falcon_worst, falcon_key = worst_ratio(reports, "falcon", keys)
    raw_worst, raw_key = worst_ratio(reports, "raw", keys)
    rest_worst, rest_key = worst_ratio(reports, "pecan", REST_SHAPES)
    api_worst, api_key = worst_ratio(reports, "falcon", API_SHAPES)
    flat = flatness(reports.get("carya"))
    rss, falcon_rss = rss_mib(reports.get("carya")), rss_mib(reports.get("falcon"))
    imp, falcon_imp = imports.get("carya"), imports.get("falcon")
    return [
        target(
            f"carya >= {FALCON_MIN:g}x Falcon on every shape",
            falcon_worst,
            check_at_least(falcon_worst, FALCON_MIN),
            f"worst: {falcon_key}",
        ),
        target(
            f"carya >= {PECAN_MIN:g}x Pecan on RestController shapes",
            rest_worst,
            check_at_least(rest_worst, PECAN_MIN),
            f"worst: {rest_key}",
        ),
        target(
            f"carya.api >= {FALCON_MIN:g}x hand-written Falcon",
            api_worst,
            check_at_least(api_worst, FALCON_MIN),
            f"worst: {api_key}",
        ),
        target(
            f"carya >= {RAW_MIN:g}x raw WSGI on every shape",
            raw_worst,
            check_at_least(raw_worst, RAW_MIN),
            f"worst: {raw_key}",
        ),
        target(
            f"carya lookup time({LARGE})/time({SMALL}) <= {FLAT_MAX}",
            flat,
            check_at_most(flat, FLAT_MAX),
        ),
        target(
            "carya peak RSS <= Falcon's",
            rss,
            check_at_most(rss, falcon_rss),
            "" if falcon_rss is None else f"falcon {falcon_rss:.1f} MiB",
        ),
        target(
            "import carya <= import falcon",
            imp,
            check_at_most(imp, falcon_imp),
            "" if falcon_imp is None else f"falcon {falcon_imp:.1f} ms",
        ),
    ]


def target_lines(targets, missing):
    lines = ["Targets:"]
    for item in targets:
        value = "-" if item["value"] is None else f"{item['value']:.3g}"
        detail = f"  ({item['detail']})" if item["detail"] and item["value"] is not None else ""
        lines.append(f"  [{verdict(item['passed']):>4}] {item['target']:<52} {value:>8}{detail}")
    if missing:
        lines.append(f"  (n/a: carya is not importable yet: {missing})")
    return lines


def content_type_lines(reports, names):
    """What each framework sends for the plain-text shape (Pecan/carya: their default)."""
    lines = ["Content-Type of GET /hello (Pecan/carya: default for a str from @expose()):"]
    for name in names:
        observed = (reports.get(name) or {}).get("observed", {}).get("static")
        lines.append(f"  {name:<7} {observed['content_type'] if observed else '(not run)'}")
    return lines


def carya_vs_pecan(reports):
    """Every observable difference between carya's and Pecan's answers, shape by shape."""
    carya, pecan = reports.get("carya") or {}, reports.get("pecan") or {}
    diffs = []
    for section, shapes in (("observed", SHAPES), ("probes", PROBES)):
        for shape in shapes:
            diffs += response_diffs(
                shape.name,
                carya.get(section, {}).get(shape.name),
                pecan.get(section, {}).get(shape.name),
            )
    return diffs


def response_diffs(name, mine, theirs):
    """Field-by-field differences of two recorded responses (an exception is a field too)."""
    if mine is None or theirs is None:
        return []
    diffs = []
    for field in sorted(set(mine) | set(theirs)):
        if mine.get(field) != theirs.get(field):
            diffs.append(
                {
                    "shape": name,
                    "field": field,
                    "pecan": theirs.get(field),
                    "carya": mine.get(field),
                }
            )
    return diffs


def short(value, limit=70):
    """repr() of a recorded value, cut so one difference fits on one line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def outcome(response):
    """One-phrase summary of a recorded response: what a client would get."""
    if response.get("exception"):
        return f"raises {short(response['exception'])} (a server answers 500)"
    return f"{response['status']} {response['content_type']}"


def diff_lines(diffs, compared):
    """Group the differences per request; one line per request when one side raised."""
    if not compared:
        return []
    if not diffs:
        return ["carya vs Pecan: same status, Content-Type, header names and body everywhere."]
    lines = ["carya vs Pecan differences (same controller code, same requests):"]
    by_shape = {}
    for d in diffs:
        by_shape.setdefault(d["shape"], []).append(d)
    for name, items in by_shape.items():
        if any(d["field"] == "exception" for d in items):
            pecan = {d["field"]: d["pecan"] for d in items}
            carya = {d["field"]: d["carya"] for d in items}
            lines.append(f"  {name}: pecan {outcome(pecan)}; carya {outcome(carya)}")
            continue
        for d in items:
            lines.append(
                f"  {name} {d['field']}: pecan={short(d['pecan'])} carya={short(d['carya'])}"
            )
    return lines


def skipped_lines(reports):
    """Shapes a framework's app could not serve, and why (not an error: reported)."""
    lines = []
    for name, rep in reports.items():
        for shape, why in (rep.get("skipped") or {}).items():
            lines.append(f"  {name} {shape}: {why}")
    return ["Not run:", *lines] if lines else []


def spread_lines(reports):
    """carya/falcon and carya/pecan per round (min-max): how much the noise moved a ratio."""
    carya = (reports.get("carya") or {}).get("round_rates") or []
    if len(carya) < 2:
        return []
    lines = [f"Spread over {len(carya)} rounds (per-round ratio, min-max):"]
    for key in [shape.name for shape in SHAPES] + list(API_SHAPES):
        cells = []
        for other in ("falcon", "pecan"):
            theirs = (reports.get(other) or {}).get("round_rates") or []
            pairs = zip(carya, theirs, strict=False)
            values = [ratio(mine.get(key), their.get(key)) for mine, their in pairs]
            values = [v for v in values if v is not None]
            if values:
                cells.append(f"carya/{other} {min(values):.2f}-{max(values):.2f}")
        if cells:
            lines.append(f"  {label(key):<{LABEL_WIDTH}} " + "   ".join(cells))
    return lines


def error_lines(reports):
    lines = []
    for name, rep in reports.items():
        for error in rep.get("errors", []):
            lines.append(f"  WRONG ANSWER [{name}] {error}")
    return ["Verification failures:", *lines] if lines else []


def render(reports, imports, missing):
    """Build the printed report and everything that goes into latest.json."""
    names = [n for n in FRAMEWORKS if n in reports or (n == "carya" and missing)]
    targets = evaluate_targets(reports, imports)
    diffs = carya_vs_pecan(reports)
    errors = error_lines(reports)
    sections = [
        header_lines(names) + [table_row(key, reports, names) for key in row_keys()],
        extra_rows(reports, imports, names),
        target_lines(targets, missing),
        content_type_lines(reports, names),
        diff_lines(diffs, "carya" in reports and "pecan" in reports),
        spread_lines(reports),
        skipped_lines(reports),
        errors,
    ]
    return {
        "text": "\n\n".join("\n".join(section) for section in sections if section),
        "wrong_answers": bool(errors),
        "targets": targets,
        "carya_vs_pecan": diffs,
        "carya_missing": missing,
        "frameworks": reports,
        "import_ms": imports,
    }


def save(directory, summary, args):
    """Write latest.json (and latest.png when matplotlib happens to be installed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "args": {
            key: str(value) if isinstance(value, Path) else value for key, value in args.items()
        },
    }
    data = {"meta": meta, **{k: v for k, v in summary.items() if k != "text"}}
    path = directory / "latest.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nwrote {path}")
    chart = save_chart(directory / "latest.png", summary["frameworks"])
    print(f"wrote {chart}" if chart else "(matplotlib not installed: no chart)")


def save_chart(path, reports):
    """Grouped bars of req/s per shape, log scale; skipped quietly without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = [n for n in FRAMEWORKS if n in reports]
    keys = row_keys()
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(14, 6))
    for i, name in enumerate(names):
        values = [rate(reports[name], k) or 0 for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels(
        [" ".join(label(k).split()) for k in keys], rotation=30, ha="right", fontsize=8
    )
    ax.set_yscale("log")
    ax.set_ylabel("requests/s (in-process WSGI call)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

"""Run ``wrk`` against loopback for a bounded time and parse its summary."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

from benchmarks.http.launch import on_cpus

_RPS = re.compile(r"Requests/sec:\s*([\d.]+)")
_TOTAL = re.compile(r"(\d+) requests in")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)\b")
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_PERCENTILE = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Request:
    """What wrk sends: a GET by default; a method, body and headers go in a Lua script."""

    path: str
    method: str = "GET"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    fragment: str = ""  # a piece of the correct answer's body, for the check

    def script(self) -> str:
        """The wrk Lua script setting this request's method, headers and body."""
        lines = [f"wrk.method = {lua_string(self.method)}"]
        if self.body:
            lines.append(f"wrk.body = {lua_string(self.body.decode())}")
        for name, value in self.headers:
            lines.append(f"wrk.headers[ {lua_string(name)} ] = {lua_string(value)}")
        return "\n".join(lines) + "\n"


def lua_string(text: str) -> str:
    """A Lua string literal (long-bracket form: no escaping needed for JSON)."""
    return "[==[" + text + "]==]"


@dataclass
class WrkResult:
    rps: float
    requests: int
    non_2xx: int
    socket_errors: dict
    latency_ms: float
    #: latency percentiles in ms, ``{50: ..., 99: ...}`` (``run(..., percentiles=True)``)
    percentiles: dict = field(default_factory=dict)
    #: server CPU per request, filled in by run.measure (least of the repeats)
    cpu_us: float | None = None
    #: req/s of every round of the same app and route, in order (run.measure)
    rounds: list = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Failed requests: bad statuses, refused connects and timeouts.

        Read errors are left out: wrk counts a server closing a connection it
        will not keep alive (gunicorn's sync worker) as one, after a good answer.
        """
        return self.non_2xx + self.socket_errors["connect"] + self.socket_errors["timeout"]


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: run scripts/ci-deps (apt-get install wrk)")
    return path


def run(url: str, seconds: float, connections: int = 32, threads: int = 2,
        request: Request | None = None, cpus: frozenset[int] | None = None,
        percentiles: bool = False) -> WrkResult:
    """One wrk run; the subprocess is bounded by wrk's own ``-d`` and a hard timeout.

    A ``request`` other than a plain GET is sent through a temporary Lua script;
    ``cpus`` keeps wrk on those CPUs (``launch.split_cores``); ``percentiles`` asks
    wrk for its latency distribution (the median and the 99th percentile are kept).
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks only target loopback, not {url}")
    cmd = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           "--timeout", "5s", *(["--latency"] if percentiles else []), url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if request is not None and (request.method != "GET" or request.headers):
            script.write(request.script())
            script.flush()
            cmd[-1:-1] = ["-s", script.name]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30,
                             check=True, preexec_fn=on_cpus(cpus)).stdout
    return parse(out)


def parse(out: str) -> WrkResult:
    rps = _RPS.search(out)
    if rps is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    sock = _SOCKET.search(out)
    names = ("connect", "read", "write", "timeout")
    counts = map(int, sock.groups()) if sock else (0, 0, 0, 0)
    errors = dict(zip(names, counts, strict=True))
    non2xx = _NON2XX.search(out)
    latency = _LATENCY.search(out)
    return WrkResult(
        rps=float(rps.group(1)),
        requests=int(_TOTAL.search(out).group(1)),
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=errors,
        latency_ms=float(latency.group(1)) * _UNIT[latency.group(2)] if latency else 0.0,
        percentiles={int(p): float(v) * _UNIT[u] for p, v, u in _PERCENTILE.findall(out)},
    )

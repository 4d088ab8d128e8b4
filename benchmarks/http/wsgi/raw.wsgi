# mod_wsgi script for the HTTP benchmarks (the repository root is on python-path).
from benchmarks.http.entry import build

application = build("raw")

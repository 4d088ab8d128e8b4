"""End-to-end OpenStack-style resource requests: carya.api against Routes+WebOb and Falcon.

``python -m benchmarks.api`` (see :mod:`benchmarks.api.run` and the README).
"""

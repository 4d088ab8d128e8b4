"""Side-by-side micro-benchmarks: raw WSGI, Falcon, Pecan and carya.

Run ``python -m benchmarks`` from the repository root (see README.md). Each
framework is measured in its own subprocess so that imports, caches and peak
memory of one framework never leak into another's figures.
"""

"""Mapper benchmark: carya's segment-tree Mapper against Routes on Nova-like route tables.

Run ``python -m benchmarks.mapper`` from the repository root; see ``run.py``.
"""

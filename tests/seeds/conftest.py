"""The Paste Deploy lab's modules (novalab, labapi, pastedeploylab) and the seed-001
module are importable in-process, as they are for their scripts run from their folder."""

from __future__ import annotations

import sys

from tests.seeds.serving import LAB, WSGI_BASICS

for _folder in (LAB, WSGI_BASICS):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

"""Import WebOb without the one warning it emits on Python 3.11 and 3.12.

WebOb 1.8 imports the standard library's ``cgi`` module, deprecated in 3.11
and removed in 3.13 (where WebOb depends on ``legacy-cgi``, which provides it
without a warning). carya imports it here first, with exactly that warning
ignored and the warning filters restored right after, so that
``python -W error -c 'import carya'`` passes and no filter outlives the import.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
    import webob.compat  # noqa: F401

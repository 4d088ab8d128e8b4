"""``pecan.ext``: Pecan's extension namespace (empty, as in Pecan 1.8)."""

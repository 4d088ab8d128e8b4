"""One module per framework, each with ``build(n_routes=None) -> BuiltApp``.

``build()`` returns the app answering the five fixed shapes; ``build(n)``
returns an app with ``n`` sibling routes ``/r0 .. /r{n-1}`` for the lookup shape.
"""

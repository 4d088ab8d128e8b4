"""Routing: how a request path finds its handler.

- :mod:`carya.routing.spec`: what a controller class offers, read once.
- :mod:`carya.routing.objects`: object dispatch (the compiled tree and the walk).
- :mod:`carya.routing.rest`: RestController's verb routing.
"""

"""``setup_app(config)``: how the project builds its WSGI app (Pecan's project layout).

``carya.deploy`` calls it because ``app.modules`` in config.py names this package.
"""

from carya import make_app


def setup_app(config):
    app_conf = dict(config.app)
    return make_app(app_conf.pop('root'), **app_conf)

# Seed 000's /var/www/pecan_test/config.py, ported to carya.

# Server Specific Configurations (used by `carya serve`, not by Apache,
# which listens where its own config says).
server = {
    'port': '8080',
    'host': '127.0.0.1',
}

# carya Application Configurations
app = {
    'root': 'pecanrest.controllers.root.RootController',
    'modules': ['pecanrest'],
    'static_root': '%(confdir)s/public',
    'template_path': '%(confdir)s/pecanrest/templates',
    # The seed sets debug True; behind Apache a traceback must never reach a client.
    'debug': False,
    'errors': {
        404: '/error/404',
        '__force_dict__': True,
    },
}

# Server Specific Configurations
server = {
    'port': '8080',
    'host': '127.0.0.1',
}

# carya Application Configurations
app = {
    'root': 'catalog.controllers.root.RootController',
    'modules': ['catalog'],
    'template_path': '%(confdir)s/catalog/templates',
    'debug': False,
    'errors': {
        404: '/error/404',
        '__force_dict__': True,
    },
}

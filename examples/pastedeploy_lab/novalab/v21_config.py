# The /v2.1 app's carya config (``config = novalab/v21_config.py`` in api-paste.ini).
app = {
    'root': 'novalab.controllers.V21Controller',
    'modules': [],
    'debug': False,
}

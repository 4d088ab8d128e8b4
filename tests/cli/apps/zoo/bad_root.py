# A config whose root controller cannot be imported.
app = {"root": "cli_zoo_missing.controllers.RootController", "modules": []}

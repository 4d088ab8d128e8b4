# The zoo application for the `carya` command's tests.
server = {"host": "127.0.0.1", "port": "8080"}

app = {
    "root": "cli_zoo.controllers.RootController",
    "modules": ["cli_zoo"],
    "debug": False,
}

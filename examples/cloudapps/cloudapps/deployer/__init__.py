"""Service A, the deployer: deployments of cloud apps over the cloud API, and the web GUI.

- :mod:`.db`: its tables and ``migrate(engine)``;
- :mod:`.cloud`: the HTTP client of the cloud's compute API;
- :mod:`.service`: what a deployment is and how it changes (shared by API and tracker);
- :mod:`.controllers`: the Pecan-style API (object dispatch, RestController) and GUI;
- :mod:`.app`: ``setup_app(conf)``, called by ``carya serve``/``deploy()``;
- :mod:`.tracker`: the notification endpoint that follows the servers' progress.
"""

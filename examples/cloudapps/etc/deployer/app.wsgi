# The deployer under Apache mod_wsgi (WSGIScriptAlias / .../etc/deployer/app.wsgi).
import os

from carya.deploy import deploy

application = deploy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py"))

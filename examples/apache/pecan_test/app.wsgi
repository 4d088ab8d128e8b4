# Seed 000's /var/www/pecan_test/app.wsgi, with pecan -> carya. mod_wsgi loads it
# as a script (not a module), so the config path is found from this file's own.
import os

from carya.deploy import deploy

application = deploy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py"))

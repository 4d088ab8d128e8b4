# The mod_wsgi entry of the seed-003 catalog service (seed 003's
# /var/www/simpleapp/app.wsgi, with pecan -> carya). mod_wsgi loads it as a
# script, so the config is found beside this file.
import os

from carya.deploy import deploy

application = deploy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py"))

"""The alarm API under Apache mod_wsgi: ``WSGIScriptAlias / .../etc/alarms/app.wsgi``.

The CLOUDAPPS_* settings must be in the daemon's environment before the config
is read (``python -m cloudapps apache-site`` writes a copy with them baked in).
"""

import os

from carya.deploy import deploy

application = deploy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py"))

"""carya and plain WSGI apps behind real Apache httpd + mod_wsgi, on loopback.

* seed 004: the environ-dump test page at ``/hello.py`` in daemon process group
  ``pyApps`` (hand-written config: ``examples/apache/hello_py.conf``);
* seed 000: the ``pecan_test`` project (``app.wsgi`` -> ``deploy('config.py')``)
  with a RestController answering GET/POST/PUT, once under the seed's own
  site config and once under the config ``carya apache-conf`` generates;
* seed 003: the catalog app under ``mod_wsgi-express``.

Each Apache is private: ``examples/apache/httpd.conf`` keeps its pid file,
logs and sockets in a scratch directory and listens on 127.0.0.1 only. Run as
root, Apache's children and the mod_wsgi daemons are the ``carya-wsgi`` user
(``scripts/ci-deps`` creates it and lets it read this Python).
"""

from __future__ import annotations

import ast
import json
import os
import pwd
import re
import subprocess
import sys
import time

from tests.deploy.conftest import (
    APACHE_EXAMPLES,
    CATALOG,
    VENV,
    WSGI_USER,
    run_as,
    running,
    tool,
)

HTTPD_CONF = os.path.join(APACHE_EXAMPLES, "httpd.conf")
PECAN_TEST = os.path.join(APACHE_EXAMPLES, "pecan_test")
JSON = {"Content-Type": "application/json"}


def mod_wsgi_module() -> str:
    express = tool("mod_wsgi-express", "pip install mod_wsgi")
    return subprocess.run([express, "module-location"], capture_output=True, text=True,
                          check=True).stdout.strip()


def account() -> str:
    return WSGI_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def apache(site: str, port: int, workdir: str, probe: str):
    """The private Apache of ``examples/apache/httpd.conf`` serving ``site``."""
    apache2 = tool("apache2", "apt-get install apache2")
    run_as()  # fails loudly when root and the account is missing
    env = {
        "CARYA_RUN_DIR": workdir, "CARYA_PORT": str(port), "CARYA_MOD_WSGI": mod_wsgi_module(),
        "CARYA_VENV": VENV, "CARYA_EXAMPLES": APACHE_EXAMPLES, "CARYA_SITE": site,
        "CARYA_USER": account(), "CARYA_GROUP": account(),
    }
    return running([apache2, "-f", HTTPD_CONF, "-DFOREGROUND"], port, workdir, probe=probe,
                   env=env)


def error_log(workdir: str) -> str:
    with open(os.path.join(workdir, "error_log"), errors="replace") as handle:
        return handle.read()


# --- seed 004: the environ dump at /hello.py ---------------------------------------


def environ_of(body: str) -> dict:
    """The WSGI environ the page printed (pprint of a dict; objects shown as <...>)."""
    text = body.split("WSGI environment:\n", 1)[1].split("\nQuery String:", 1)[0]
    return ast.literal_eval(re.sub(r": <.*>(,?)$", r": None\1", text, flags=re.M))


def test_seed004_hello_py_in_daemon_group(port, workdir):
    site = os.path.join(APACHE_EXAMPLES, "hello_py.conf")
    with apache(site, port, workdir, probe="/hello.py") as server:
        status, headers, body = server.get("/hello.py?name=carya&x=1&x=2")
        assert status == 200
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert body.startswith("WSGI: It works!")
        environ = environ_of(body)
        assert environ["mod_wsgi.process_group"] == "pyApps"
        assert environ["mod_wsgi.application_group"] == ""  # %{GLOBAL}: main interpreter
        assert environ["SCRIPT_NAME"] == "/hello.py"
        assert environ["QUERY_STRING"] == "name=carya&x=1&x=2"
        assert environ["SERVER_SOFTWARE"].startswith("Apache/2.4")
        assert "{'name': ['carya'], 'x': ['1', '2']}" in body
        assert f"Python prefix:     {VENV}" in body  # WSGIPythonHome: the virtualenv
        uid = pwd.getpwnam(account()).pw_uid
        assert f"pw_name='{account()}'" in body and f"user/group:        {uid}/" in body
        pid = int(re.search(r"process id:\s+(\d+)", body).group(1))
        parent = int(re.search(r"parent process:\s+(\d+)", body).group(1))
        assert pid != server.proc.pid and parent == server.proc.pid  # a daemon of Apache's

        # maximum-requests=5 over processes=2: daemons are replaced, requests still served.
        # Apache starts the replacement in its own time (a loaded machine once served 14
        # requests from the first two daemons), so ask until a third daemon answers,
        # bounded in requests and time.
        pids = set()
        deadline = time.monotonic() + 60
        for _ in range(200):
            status, _, body = server.get("/hello.py")
            assert status == 200
            pids.add(int(re.search(r"process id:\s+(\d+)", body).group(1)))
            if len(pids) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(pids) >= 3, f"expected recycled daemons, saw {pids}"

        assert server.get("/index.wsgi")[0] in (403, 404)  # only the alias is served
    assert server.returncode == 0
    assert "caught SIGTERM, shutting down" in error_log(workdir)


# --- seed 000: pecan_test, GET/POST/PUT to a RestController ----------------------------


def exercise_tasks(server) -> None:
    """GET/POST/PUT against ``/tasks`` the way seed 000's screenshot shows, plus bad input."""
    assert json.loads(server.get("/")[2]) == {"service": "pecan_test", "resources": ["/tasks"]}
    status, headers, body = server.request("POST", "/tasks", json.dumps({"name": "deploy"}),
                                           JSON)
    assert status == 201 and headers["Content-Type"].startswith("application/json")
    task = json.loads(body)
    assert task["name"] == "deploy" and task["done"] is False
    status, _, body = server.request("PUT", f"/tasks/{task['id']}", json.dumps({"done": True}),
                                     JSON)
    assert (status, json.loads(body)) == (200, {**task, "done": True})
    status, _, body = server.get(f"/tasks/{task['id']}")
    assert (status, json.loads(body)) == (200, {**task, "done": True})
    assert {**task, "done": True} in json.loads(server.get("/tasks")[2])["tasks"]

    status, _, body = server.request("POST", "/tasks", "{broken", JSON)
    assert status == 400 and "must be JSON" in body and "Traceback" not in body
    status, _, body = server.request("PUT", f"/tasks/{task['id']}", json.dumps({"done": "y"}),
                                     JSON)
    assert status == 400 and "'done' must be true or false" in body
    assert server.get("/tasks/999999")[0] == 404
    status, headers, _ = server.request("DELETE", f"/tasks/{task['id']}")
    assert status == 405 and "PUT" in headers["Allow"]


def test_seed000_pecan_test_under_seed_site_config(port, workdir):
    site = os.path.join(APACHE_EXAMPLES, "pecan_test.conf")
    with apache(site, port, workdir, probe="/") as server:
        exercise_tasks(server)
        status, _, body = server.get("/tasks", headers={"Authorization": "Bearer t"})
        assert status == 200
    assert server.returncode == 0


def carya_apache_conf(port: int, workdir: str) -> str:
    """The site ``carya apache-conf`` writes for pecan_test, saved in ``workdir``."""
    carya = tool("carya", "pip install -e .")
    cmd = [carya, "apache-conf", os.path.join(PECAN_TEST, "config.py"),
           "--name", "pecan_test", "--user", account(), "--group", account(),
           "--processes", "1", "--threads", "5", "--port", str(port),
           "--python-home", VENV, "--log-dir", workdir,
           "--wsgi-file", os.path.join(PECAN_TEST, "app.wsgi")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"carya apache-conf failed:\n{result.stderr}"
    site = os.path.join(workdir, "pecan_test.conf")
    with open(site, "w") as handle:
        handle.write(result.stdout)
    return site


def test_seed000_pecan_test_under_carya_apache_conf(port, workdir):
    site = carya_apache_conf(port, workdir)
    with open(site) as handle:
        text = handle.read()
    assert "WSGIApplicationGroup %{GLOBAL}" in text and "WSGIProcessGroup pecan_test" in text
    with apache(site, port, workdir, probe="/") as server:
        exercise_tasks(server)
    assert server.returncode == 0


# --- seed 003: the catalog under mod_wsgi-express -----------------------------------


def test_catalog_under_mod_wsgi_express(port, workdir):
    express = tool("mod_wsgi-express", "pip install mod_wsgi")
    cmd = [express, "start-server", os.path.join(CATALOG, "app.wsgi"),
           "--host", "127.0.0.1", "--port", str(port),
           "--server-root", os.path.join(workdir, "express"),
           "--processes", "2", "--threads", "4", "--locale", "C.UTF-8", *run_as()]
    with running(cmd, port, workdir, probe="/catalog/") as server:
        assert server.get("/catalog/books/bestsellers")[2] == "We have 5 books in the top 10."
        assert server.get("/my_restcontroller/13579")[2] == "13579"
        status, _, body = server.request(
            "POST", "/basemethod/", "hello=world",
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert (status, body) == (200, '{"hello": "world"}')
        status, _, body = server.get("/no/such/page")
        assert status == 404 and "Error 404" in body
        status, headers, _ = server.request("DELETE", "/my_restcontroller/13579")
        assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert server.returncode == 0


def test_wsgi_user_can_import_this_python():
    """What Apache's daemons need: the account reads the interpreter, the venv and carya."""
    if os.geteuid() != 0:
        return
    run_as()
    result = subprocess.run(
        ["runuser", "-u", WSGI_USER, "--", sys.executable, "-c",
         "import carya, webob, sys; print(sys.prefix)"],
        capture_output=True, text=True, timeout=60, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == VENV

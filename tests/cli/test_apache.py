"""``carya apache-conf``: a VirtualHost Apache 2.4 + mod_wsgi accepts, and its app.wsgi."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.cli.conftest import run_carya

APACHE2CTL = shutil.which("apache2ctl") or (
    "/usr/sbin/apache2ctl" if os.path.exists("/usr/sbin/apache2ctl") else None
)
MODULES = "/usr/lib/apache2/modules"


def _site(project: str, *options: str) -> str:
    done = run_carya("apache-conf", os.path.join(project, "config.py"), *options)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _directives(text: str) -> list[str]:
    """Logical lines (continuations joined), comments and blanks dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_virtual_host(project):
    text = _site(project, "--user", "www-data", "--group", "www-data", "--processes", "3",
                 "--threads", "5", "--port", "8089", "--python-home", sys.prefix)
    name = os.path.basename(project)
    assert _directives(text) == [
        "Listen 127.0.0.1:8089",
        "<VirtualHost 127.0.0.1:8089>",
        "ServerName localhost",
        f"WSGIDaemonProcess {name} user=www-data group=www-data processes=3 threads=5 "
        f"display-name=%{{GROUP}} python-home={sys.prefix} python-path={project}",
        f"WSGIProcessGroup {name}",
        "WSGIApplicationGroup %{GLOBAL}",
        "WSGIPassAuthorization On",
        f"WSGIScriptAlias / {project}/app.wsgi",
        f"<Directory {project}>",
        "Require all granted",
        "</Directory>",
        f"ErrorLog ${{APACHE_LOG_DIR}}/{name}_error.log",
        f"CustomLog ${{APACHE_LOG_DIR}}/{name}_access.log combined",
        "</VirtualHost>",
    ]


def test_defaults_and_renames(project, tmp_path):
    text = _site(project, "--name", "svc-a", "--host", "::1", "--log-dir", str(tmp_path))
    lines = _directives(text)
    assert "Listen [::1]:8080" in lines
    assert any(line.startswith("WSGIDaemonProcess svc-a processes=2 threads=8 ") for line in lines)
    assert f"ErrorLog {tmp_path}/svc-a_error.log" in lines
    assert not any("user=" in line for line in lines)


def test_write_wsgi_serves_the_app(project, tmp_path):
    wsgi = tmp_path / "site.wsgi"
    done = run_carya("apache-conf", os.path.join(project, "config.py"), "--write-wsgi", str(wsgi))
    assert done.returncode == 0, done.stderr
    assert f"WSGIScriptAlias / {wsgi}" in done.stdout
    assert f"<Directory {tmp_path}>" in done.stdout
    # mod_wsgi executes the file and calls `application`; do the same.
    script = textwrap.dedent(f"""
        import runpy, webtest
        ns = runpy.run_path({str(wsgi)!r})
        print(webtest.TestApp(ns["application"]).get("/notes/").json)
    """)
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, cwd="/")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "{'notes': []}"


def test_scaffold_wsgi_is_what_apache_conf_writes(project):
    wsgi = os.path.join(project, "app.wsgi")
    done = run_carya("apache-conf", os.path.join(project, "config.py"), "--write-wsgi", wsgi)
    assert done.returncode == 0, done.stderr
    assert "unchanged" in done.stderr


def test_existing_different_wsgi_is_kept(project, tmp_path):
    wsgi = tmp_path / "app.wsgi"
    wsgi.write_text("application = None\n")
    done = run_carya("apache-conf", os.path.join(project, "config.py"), "--write-wsgi", str(wsgi))
    assert done.returncode == 2
    assert "add --force" in done.stderr
    assert wsgi.read_text() == "application = None\n"
    done = run_carya("apache-conf", os.path.join(project, "config.py"), "--write-wsgi", str(wsgi),
                     "--force")
    assert done.returncode == 0
    assert "from carya.deploy import deploy" in wsgi.read_text()


def test_ini_wsgi_uses_paste_deploy(zoo, tmp_path):
    wsgi = tmp_path / "zoo.wsgi"
    done = run_carya("apache-conf", os.path.join(zoo, "zoo.ini") + "#mounted",
                     "--write-wsgi", str(wsgi))
    assert done.returncode == 0, done.stderr
    assert "WSGIDaemonProcess mounted " in done.stdout
    expected = repr("config:" + os.path.join(zoo, "zoo.ini"))
    assert f"application = loadapp({expected}, name='mounted')" in wsgi.read_text()
    script = f"import runpy, webtest; ns = runpy.run_path({str(wsgi)!r}); " \
             "print(webtest.TestApp(ns['application']).get('/api/v1/authors').json)"
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, cwd="/")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "{'authors': ['a1']}"


@pytest.mark.parametrize("options, message", [
    (["--name", "bad name"], "--name 'bad name'"),
    (["--user", "root; rm"], "--user 'root; rm' is not a valid account name"),
    (["--processes", "0"], "must be at least 1"),
    (["--port", "0"], "out of range"),
    (["--python-home", "/nonexistent/venv"], "is not a directory"),
    (["--wsgi-file", "/nonexistent/app.wsgi"], "does not exist"),
    (["--wsgi-file", "/tmp/a.wsgi", "--write-wsgi", "/tmp/b.wsgi"], "name different files"),
])
def test_bad_options(project, options, message):
    done = run_carya("apache-conf", os.path.join(project, "config.py"), *options)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def _mod_wsgi() -> str:
    """mod_wsgi built for this Python (scripts/ci-deps pip-installs it), else Debian's."""
    express = os.path.join(os.path.dirname(sys.executable), "mod_wsgi-express")
    if os.path.exists(express):
        found = subprocess.run([express, "module-location"], capture_output=True, text=True,
                               timeout=60).stdout.strip()
        if os.path.isfile(found):
            return found
    if os.path.isfile(f"{MODULES}/mod_wsgi.so"):
        return f"{MODULES}/mod_wsgi.so"
    pytest.fail("mod_wsgi is not installed: run scripts/ci-deps (pip install mod_wsgi)")


def _apache_check(tmp_path, site: str, modules: dict[str, str]) -> subprocess.CompletedProcess:
    """``apache2ctl -t`` on a minimal server config that includes ``site``."""
    (tmp_path / "site.conf").write_text(site)
    loads = "\n".join(f"LoadModule {name}_module {path}" for name, path in modules.items())
    (tmp_path / "httpd.conf").write_text(textwrap.dedent(f"""\
        ServerRoot {tmp_path}
        DefaultRuntimeDir {tmp_path}
        PidFile {tmp_path}/httpd.pid
        ErrorLog {tmp_path}/error.log
        LogFormat "%h %l %u %t \\"%r\\" %>s %O" combined
        """) + loads + f"\nInclude {tmp_path}/site.conf\n")
    return subprocess.run([APACHE2CTL, "-t", "-f", str(tmp_path / "httpd.conf")],
                          capture_output=True, text=True, timeout=60)


BASE_MODULES = {"mpm_event": f"{MODULES}/mod_mpm_event.so",
                "authz_core": f"{MODULES}/mod_authz_core.so"}
def _require_apache():
    """scripts/ci-deps installs apache2: a machine without it fails here, loudly."""
    assert APACHE2CTL is not None, "apache2ctl not found: run scripts/ci-deps"


needs_apache = pytest.mark.usefixtures("_apache_installed")


@pytest.fixture
def _apache_installed():
    _require_apache()


@needs_apache
@pytest.mark.parametrize("options", [
    [],
    ["--user", "www-data", "--group", "www-data", "--name", "svc.v1", "--host", "::1"],
    ["--server-name", "api.example.org", "--python-home", sys.prefix, "--processes", "4"],
])
def test_apache_accepts_the_site(project, tmp_path, options):
    """Apache 2.4 with mod_wsgi loaded parses the generated VirtualHost."""
    site = _site(project, "--port", "8090", "--log-dir", str(tmp_path), *options)
    done = _apache_check(tmp_path, site, {**BASE_MODULES, "wsgi": _mod_wsgi()})
    assert done.returncode == 0, site + done.stdout + done.stderr
    assert "Syntax OK" in done.stdout + done.stderr


@needs_apache
def test_apache_rejects_a_broken_site(project, tmp_path):
    """The check above can fail: the same site without its closing tag is refused."""
    site = _site(project, "--port", "8090", "--log-dir", str(tmp_path))
    broken = site.replace("</VirtualHost>", "")
    done = _apache_check(tmp_path, broken, {**BASE_MODULES, "wsgi": _mod_wsgi()})
    assert done.returncode != 0
    assert "VirtualHost" in done.stdout + done.stderr


def test_the_site_says_where_the_state_goes_and_how_to_create_it(project):
    site = _site(project, "--user", "svc", "--group", "svcgrp")
    assert "/var/lib/cli_made_svc (CARYA_STATE_DIR, set by app.wsgi)" in site
    assert "install -d -o svc -g svcgrp /var/lib/cli_made_svc" in site
    with open(os.path.join(project, "app.wsgi")) as fh:
        assert "os.environ.setdefault(\"CARYA_STATE_DIR\", '/var/lib/cli_made_svc')" in fh.read()

"""``carya create``: the scaffold is a working project, installable, tested, servable."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.cli.conftest import PROJECT_NAME, carya_command, run_carya
from tests.support import ROOT, fetch, free_port, running

EXPECTED_FILES = [
    ".gitignore",
    "README.md",
    "app.wsgi",
    "config.py",
    "pyproject.toml",
    f"{PROJECT_NAME}/__init__.py",
    f"{PROJECT_NAME}/app.py",
    f"{PROJECT_NAME}/controllers/__init__.py",
    f"{PROJECT_NAME}/controllers/notes.py",
    f"{PROJECT_NAME}/controllers/root.py",
    f"{PROJECT_NAME}/model/__init__.py",
    f"{PROJECT_NAME}/public/css/style.css",
    f"{PROJECT_NAME}/templates/error.html",
    f"{PROJECT_NAME}/templates/index.html",
    f"{PROJECT_NAME}/templates/layout.html",
    f"{PROJECT_NAME}/tests/__init__.py",
    f"{PROJECT_NAME}/tests/conftest.py",
    f"{PROJECT_NAME}/tests/test_functional.py",
    f"{PROJECT_NAME}/tests/test_model.py",
]


def _files(root: str) -> list[str]:
    found = []
    for dirpath, _dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
    return sorted(found)


def test_layout(tmp_path):
    target = tmp_path / PROJECT_NAME
    done = run_carya("create", PROJECT_NAME, str(target))
    assert done.returncode == 0, done.stderr
    assert _files(str(target)) == sorted(EXPECTED_FILES)
    assert f"created {PROJECT_NAME} in {target} ({len(EXPECTED_FILES)} files)" in done.stdout


def test_names_are_filled_in(project):
    with open(os.path.join(project, "app.wsgi")) as fh:
        wsgi = fh.read()
    assert "from carya.deploy import deploy" in wsgi
    assert f"application = deploy({os.path.join(project, 'config.py')!r})" in wsgi
    with open(os.path.join(project, "config.py")) as fh:
        config = fh.read()
    assert f'"root": "{PROJECT_NAME}.controllers.root.RootController"' in config
    assert '"host": "127.0.0.1"' in config
    with open(os.path.join(project, "pyproject.toml")) as fh:
        pyproject = fh.read()
    assert f'name = "{PROJECT_NAME}"' in pyproject
    assert re.search(r'"carya>=\d', pyproject)
    for path in EXPECTED_FILES:
        with open(os.path.join(project, path), encoding="utf-8") as fh:
            assert "${" not in fh.read(), f"{path} has an unfilled placeholder"


def test_default_directory_is_the_name(tmp_path):
    done = run_carya("create", "cli_here_svc", cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert os.path.isfile(tmp_path / "cli_here_svc" / "cli_here_svc" / "app.py")
    assert "created cli_here_svc" in done.stdout


def test_empty_directory_is_used(tmp_path):
    done = run_carya("create", "cli_empty_svc", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert os.path.isfile(tmp_path / "config.py")


@pytest.mark.parametrize("name, reason", [
    ("my-app", "not a valid Python package name"),
    ("2fast", "not a valid Python package name"),
    ("class", "Python keyword"),
    ("os", "standard library module"),
    ("json", "standard library module"),
    ("webob", "already an importable module"),
    ("carya", "already an importable module"),
])
def test_bad_names_are_refused(tmp_path, name, reason):
    done = run_carya("create", name, str(tmp_path / "p"))
    assert done.returncode == 2
    assert reason in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "p").exists()


def test_non_empty_directory_is_not_touched(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    done = run_carya("create", "cli_clash_svc", str(tmp_path))
    assert done.returncode == 2
    assert "is not empty" in done.stderr
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_target_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    done = run_carya("create", "cli_file_svc", str(tmp_path / "f"))
    assert done.returncode == 2
    assert "not a directory" in done.stderr


def test_generated_code_is_ruff_clean(project):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ruff"), "check", "."],
                          cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> str:
    """A fresh virtualenv that sees the repository venv's packages (carya, pytest,
    WebTest...) through a .pth file, so the project installs without the network."""
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True,
                   timeout=120)
    python = str(root / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout
    repo_site = sysconfig.get_paths()["purelib"]
    with open(os.path.join(site.strip(), "_repo_venv.pth"), "w") as fh:
        fh.write(f"import site; site.addsitedir({repo_site!r})\n")
    return python


@pytest.fixture(scope="module")
def installed(venv, tmp_path_factory) -> str:
    """A project created and ``pip install -e``'d into the fresh venv."""
    target = str(tmp_path_factory.mktemp("installed") / "cli_installed_svc")
    done = run_carya("create", "cli_installed_svc", target, python=venv)
    assert done.returncode == 0, done.stderr
    pip = subprocess.run(
        [venv, "-m", "pip", "install", "--no-deps", "-e", target],
        capture_output=True, text=True, timeout=300,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return target


def test_project_installs_and_its_tests_pass(venv, installed):
    where = subprocess.run(
        [venv, "-c", "import cli_installed_svc, carya; print(cli_installed_svc.__file__); "
                     "print(carya.__file__)"],
        capture_output=True, text=True, timeout=60, cwd="/",
    )
    assert where.returncode == 0, where.stderr
    package_file, carya_file = where.stdout.split()
    assert package_file == os.path.join(installed, "cli_installed_svc", "__init__.py")
    assert carya_file.startswith(ROOT)
    tests = subprocess.run([venv, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=installed, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    passed = re.search(r"(\d+) passed", tests.stdout)
    assert passed and int(passed.group(1)) >= 10, tests.stdout
    assert "failed" not in tests.stdout


def test_a_plain_install_passes_its_own_tests(venv, tmp_path):
    """Installed without -e (a wheel into site-packages), the project's tests run from
    the installed package: its templates and public/ files went with it."""
    target = str(tmp_path / "cli_plain_svc")
    assert run_carya("create", "cli_plain_svc", target, python=venv).returncode == 0
    pip = subprocess.run([venv, "-m", "pip", "install", "--no-deps",
                          target], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    shutil.rmtree(target)  # nothing may come from the source tree
    try:
        tests = subprocess.run([venv, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "--pyargs", "cli_plain_svc"], cwd=str(tmp_path),
                               capture_output=True, text=True, timeout=300)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "test_static_files" not in tests.stdout and "failed" not in tests.stdout
    finally:
        subprocess.run([venv, "-m", "pip", "uninstall", "-y", "cli_plain_svc"],
                       capture_output=True, timeout=120)


def test_the_database_lives_in_the_state_directory(venv, installed, tmp_path):
    state = tmp_path / "state"
    script = ("from carya.deploy import deploy; import webtest; "
              f"app = webtest.TestApp(deploy({os.path.join(installed, 'config.py')!r})); "
              "print(app.post_json('/notes/', {'text': 'kept'}).status_int)")
    env = {**os.environ, "CARYA_STATE_DIR": str(state)}
    ran = subprocess.run([venv, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd="/", env=env)
    assert ran.returncode == 0 and ran.stdout.strip() == "201", ran.stderr
    assert (state / "cli_installed_svc.sqlite3").is_file()


def test_project_serves_over_http(venv, installed):
    port = free_port()
    # With several worker processes the notes are still shared (the model is SQLite).
    cmd = carya_command("serve", os.path.join(installed, "config.py"), "--port", str(port),
                        python=venv)
    with running(cmd, port, cwd="/") as proc:
        status, headers, body = fetch(port, "GET", "/")
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert "<h1>cli_installed_svc</h1>" in body
        status, headers, body = fetch(port, "GET", "/css/style.css")
        assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/css")
        status, _, body = fetch(port, "POST", "/notes/", '{"text": "over http"}',
                                {"Content-Type": "application/json"})
        assert (status, body) == (201, '{"id": 1, "text": "over http"}')
        for _ in range(6):  # whichever worker answers
            assert fetch(port, "GET", "/notes/1")[2] == '{"id": 1, "text": "over http"}'
        assert "<li>over http</li>" in fetch(port, "GET", "/")[2]
        status, _, body = fetch(port, "GET", "/missing")
        assert status == 404 and "404 Not Found" in body
    assert proc.returncode == 0, proc.stdout.read()


def test_scaffold_ships_in_the_wheel(tmp_path):
    source = tmp_path / "src"  # a copy: building in the shared tree would leave build/ there
    shutil.copytree(os.path.join(ROOT, "carya"), source / "carya",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), source / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "dist"),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = [p for p in os.listdir(tmp_path / "dist") if p.endswith(".whl")]
    with zipfile.ZipFile(tmp_path / "dist" / wheel) as zf:
        names = set(zf.namelist())
    prefix = "carya/scaffolds/project/"
    assert prefix + "+package+/controllers/root.py_tmpl" in names
    assert prefix + "+package+/templates/index.html" in names
    assert prefix + "+package+/public/css/style.css" in names
    assert prefix + "dot-gitignore" in names

"""User errors: one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import os

import pytest

from tests.cli.conftest import run_carya

COMMANDS = [["serve"], ["routes"], ["shell", "--plain"], ["apache-conf"]]


def _spec(zoo: str, name: str) -> str:
    return os.path.join(zoo, name)


CASES = [
    ("missing.py", "does not exist"),
    ("missing.ini#main", "does not exist"),
    ("broken.ini", "not a valid INI file"),
    ("zoo.ini#nosuch", "No section 'nosuch'"),
    ("bad_root.py", "cannot import root controller 'cli_zoo_missing.controllers.RootController'"),
    ("config.py#main", "names an INI section; a config.py has none"),
    ("zoo.ini#", "nothing after '#'"),
    ("cli_zoo", "is not a file"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name, message", CASES, ids=[c[0] for c in CASES])
def test_one_line_and_status_2(zoo, command, name, message):
    done = run_carya(*command, _spec(zoo, name), input="")
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"carya {command[0]}: ")
    assert message in lines[0]
    assert done.stdout == ""


def test_error_names_the_file(zoo):
    done = run_carya("routes", _spec(zoo, "bad_root.py"))
    assert _spec(zoo, "bad_root.py") in done.stderr
    done = run_carya("routes", _spec(zoo, "missing.py"))
    assert _spec(zoo, "missing.py") in done.stderr


def test_debug_shows_the_traceback(zoo):
    done = run_carya("--debug", "routes", _spec(zoo, "bad_root.py"))
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr
    assert "cli_zoo_missing" in done.stderr
    done = run_carya("routes", "--debug", _spec(zoo, "zoo.ini#nosuch"))
    assert "Traceback (most recent call last)" in done.stderr


def test_routes_of_an_app_that_is_not_carya(zoo):
    done = run_carya("routes", _spec(zoo, "zoo.ini#plain"))
    assert done.returncode == 2
    assert "is not a carya application" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_header_option(zoo):
    done = run_carya("routes", _spec(zoo, "config.py"), "--match", "GET", "/", "-H", "NoColon")
    assert done.returncode == 2
    assert "write it as 'Name: value'" in done.stderr


def test_usage_errors_are_argparse_status_2():
    done = run_carya()
    assert done.returncode == 2
    assert "usage: carya" in done.stderr
    done = run_carya("frobnicate")
    assert done.returncode == 2


def test_version_and_help():
    from carya import __version__

    done = run_carya("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"carya {__version__}")
    done = run_carya("--help")
    for command in ("create", "serve", "routes", "shell", "apache-conf"):
        assert command in done.stdout

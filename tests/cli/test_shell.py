"""``carya shell``: the preloaded names work, driven by commands piped to stdin."""

from __future__ import annotations

import os

from tests.cli.conftest import CATALOG_CONFIG, run_carya


def test_preloaded_names_answer_requests():
    script = "\n".join([
        "print('status', testapp.get('/catalog/').status)",
        "print('body', testapp.get('/catalog/books/bestsellers').text)",
        "print('app', type(app).__name__, type(wsgiapp).__name__)",
        "print('root', conf.app.root)",
        "",
    ])
    done = run_carya("shell", "--plain", CATALOG_CONFIG, input=script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "status 200 OK" in out
    assert "body We have 5 books in the top 10." in out
    assert "app App RequestBodySizeLimiter" in out, "a config.py app has a body limit"
    assert "root catalog.controllers.root.RootController" in out
    banner = done.stderr
    assert f"carya shell: {CATALOG_CONFIG}" in banner
    for name in ("app", "wsgiapp", "conf", "testapp"):
        assert f"\n  {name} " in banner


def test_ini_stack_unwrapped_for_app(zoo):
    script = "print(type(app).__name__, type(wsgiapp).__name__)\n" \
             "print(testapp.get('/api/v1/authors').headers['X-Tag'])\n"
    done = run_carya("shell", "--plain", os.path.join(zoo, "zoo.ini") + "#mounted", input=script)
    assert done.returncode == 0, done.stderr
    assert "App URLMap" in done.stdout
    assert "zoo-ini" in done.stdout


def test_errors_in_the_session_do_not_end_it():
    done = run_carya("shell", "--plain", CATALOG_CONFIG,
                     input="1/0\nprint('still', testapp.get('/nothing', status=404).status)\n")
    assert done.returncode == 0
    assert "ZeroDivisionError" in done.stderr
    assert "still 404 Not Found" in done.stdout

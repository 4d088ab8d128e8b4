"""carya.paste: egg:carya#main, #urlmap and #strategy, loaded by PasteDeploy from real INI files.

The apps are driven with WebTest (a real WSGI client); the seed examples under
``tests/seeds`` run the same factories behind a real server.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from paste.deploy.loadwsgi import ConfigLoader
from webtest import TestApp

import carya
from carya.configuration import ConfigError
from carya.paste import URLMap, loadapp, strategy_pipeline_factory

# --- apps and filters the INI files below name ----------------------------------------


class HelloController:
    @carya.expose()
    def index(self):
        return "hello from paste"

    @carya.expose("json")
    def where(self):
        return {"script_name": carya.request.script_name, "path_info": carya.request.path_info}


class TemplateController:
    @carya.expose("hello.html")
    def index(self):
        return {"name": "paste"}


def echo_factory(global_conf: dict, name: str = "app", **local_conf: str) -> Callable:
    """``paste.app_factory``: answers JSON saying which app got the request and how."""

    def echo(environ: dict, start_response: Callable):
        body = json.dumps({
            "app": name,
            "script_name": environ.get("SCRIPT_NAME", ""),
            "path_info": environ.get("PATH_INFO", ""),
            "tags": environ.get("test.tags", []),
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return echo


def tag_filter_factory(global_conf: dict, tag: str = "", **local_conf: str) -> Callable:
    """``paste.filter_factory``: appends ``tag`` to ``test.tags``, so order is visible."""

    def wrap(app: Callable) -> Callable:
        def tagged(environ: dict, start_response: Callable):
            environ.setdefault("test.tags", []).append(tag)
            return app(environ, start_response)

        return tagged

    return wrap


@pytest.fixture
def ini(tmp_path: Path) -> Callable[[str], str]:
    """``ini(text)`` -> the path of an INI file holding ``text`` (dedented)."""

    def write(text: str, name: str = "paste.ini") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)

    return write


ECHO_APPS = """
    [app:a]
    paste.app_factory = tests.test_paste:echo_factory
    name = a

    [app:b]
    paste.app_factory = tests.test_paste:echo_factory
    name = b

    [app:c]
    paste.app_factory = tests.test_paste:echo_factory
    name = c

    [app:d]
    paste.app_factory = tests.test_paste:echo_factory
    name = d
"""


# --- egg:carya#main ------------------------------------------------------------------


def test_main_from_root(ini):
    path = ini("""
        [app:main]
        use = egg:carya#main
        root = tests.test_paste.HelloController
    """)
    app = loadapp(path)
    assert isinstance(app, carya.App)
    assert TestApp(app).get("/").text == "hello from paste"
    assert app.debug is False


def test_main_root_accepts_module_colon_attr(ini):
    path = ini("""
        [app:main]
        use = egg:carya#main
        root = tests.test_paste:HelloController
    """)
    assert TestApp(loadapp(path)).get("/").text == "hello from paste"


def test_main_options_are_converted(ini, tmp_path):
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "hello.html").write_text("Hi {{ name }}!")
    path = ini("""
        [app:main]
        use = egg:carya#main
        root = tests.test_paste.TemplateController
        debug = true
        force_canonical = no
        default_renderer = jinja
        template_path = views
    """)
    app = loadapp(path)
    assert (app.debug, app.force_canonical) == (True, False)
    assert TestApp(app).get("/").text == "Hi paste!"


def test_main_debug_falls_back_to_default_section(ini):
    path = ini("""
        [DEFAULT]
        debug = true

        [app:main]
        use = egg:carya#main
        root = tests.test_paste.HelloController
    """)
    assert loadapp(path).debug is True


def test_main_finds_root_beside_the_ini(ini, tmp_path):
    module = f"pasteroot_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent("""
        from carya import expose

        class Root:
            @expose()
            def index(self):
                return "beside the ini"
    """))
    path = ini(f"""
        [app:main]
        use = egg:carya#main
        root = {module}.Root
    """)
    assert TestApp(loadapp(path)).get("/").text == "beside the ini"


def test_main_from_config_relative_to_ini(ini, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "app_config.py").write_text(textwrap.dedent("""
        app = {'root': 'tests.test_paste.HelloController', 'debug': False}
        custom = {'answer': 42}
    """))
    path = ini("""
        [app:main]
        use = egg:carya#main
        config = conf/app_config.py
        debug = true
    """)
    app = loadapp(path)
    assert TestApp(app).get("/").text == "hello from paste"
    assert app.debug is True, "an INI option overrides the config file"
    assert app.config.custom.answer == 42
    assert carya.conf.custom.answer == 42, "the config becomes carya.conf, as with deploy()"


@pytest.mark.parametrize("options, message", [
    ("root = tests.test_paste.HelloController\nconfig = c.py", "either 'config' or 'root'"),
    ("", "needs 'config = path/to/config.py' or 'root = "),
    ("root = tests.test_paste.HelloController\nfoo = 1", "unknown option 'foo'"),
    ("root = tests.test_paste.HelloController\ndebug = perhaps", "debug = 'perhaps' is not true"),
    ("root = no_such_pkg_xyz.Root", "root = 'no_such_pkg_xyz.Root': cannot import"),
    ("root = tests.test_paste.NoSuchController", "has no 'NoSuchController'"),
    ("root = Hello", "is not a dotted path"),
    ("config = missing.py", "config = 'missing.py': no such file"),
])
def test_main_errors_name_the_key(ini, options, message):
    path = ini("[app:main]\nuse = egg:carya#main\n" + options + "\n")
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    assert message in str(error.value)
    assert path in str(error.value), "the error names the INI file"


def test_main_config_with_unimportable_root_names_the_key(ini, tmp_path):
    (tmp_path / "bad_config.py").write_text("app = {'root': 'no_such_pkg_xyz.Root'}\n")
    path = ini("""
        [app:main]
        use = egg:carya#main
        config = bad_config.py
    """)
    with pytest.raises(ConfigError, match=r"config = 'bad_config.py': .*no_such_pkg_xyz"):
        loadapp(path)


# --- egg:carya#urlmap ------------------------------------------------------------


def urlmap_ini(ini, use: str = "egg:carya#urlmap") -> str:
    return ini(f"""
        [composite:main]
        use = {use}
        / = a
        /v1 = b
        /v1/admin/ = c
        /v10 = d
    """ + ECHO_APPS, name=f"urlmap-{use.replace('#', '-').replace(':', '-')}.ini")


@pytest.mark.parametrize("path, app, script_name, path_info", [
    ("/", "a", "", "/"),
    ("/other/x", "a", "", "/other/x"),
    ("/v1", "b", "/v1", ""),
    ("/v1/", "b", "/v1", "/"),
    ("/v1/servers/1", "b", "/v1", "/servers/1"),
    ("/v1x", "a", "", "/v1x"),
    ("/v10", "d", "/v10", ""),
    ("/v10/x", "d", "/v10", "/x"),
    ("/v1/admin", "c", "/v1/admin", ""),
    ("/v1/admin/users", "c", "/v1/admin", "/users"),
    ("/v1/administrators", "b", "/v1", "/administrators"),
])
def test_urlmap_longest_prefix_at_segment_boundaries(ini, path, app, script_name, path_info):
    client = TestApp(loadapp(urlmap_ini(ini)))
    assert client.get(path).json == {
        "app": app, "script_name": script_name, "path_info": path_info, "tags": [],
    }


def test_urlmap_agrees_with_paste_urlmap(ini):
    """The same table behind Paste's own urlmap routes every path the same way."""
    ours = TestApp(loadapp(urlmap_ini(ini, "egg:carya#urlmap")))
    theirs = TestApp(loadapp(urlmap_ini(ini, "egg:Paste#urlmap")))
    paths = ["/", "/x", "/v1", "/v1/", "/v1/a/b", "/v1x", "/v10", "/v10/", "/v1/admin",
             "/v1/admin/", "/v1/admin/u", "/v1/adminx"]
    for path in paths:
        assert ours.get(path).json == theirs.get(path).json, path


def test_urlmap_keeps_outer_script_name(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#urlmap
        /api = inner

        [composite:inner]
        use = egg:carya#urlmap
        /v1 = b
    """ + ECHO_APPS)
    got = TestApp(loadapp(path)).get("/api/v1/x").json
    assert (got["script_name"], got["path_info"]) == ("/api/v1", "/x")


def test_urlmap_mounted_carya_app_sees_relative_paths(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#urlmap
        /svc = hello

        [app:hello]
        use = egg:carya#main
        root = tests.test_paste.HelloController
    """)
    client = TestApp(loadapp(path))
    assert client.get("/svc/").text == "hello from paste"
    assert client.get("/svc/where").json == {"script_name": "/svc", "path_info": "/where"}


def test_urlmap_not_found_is_plain_text_or_json(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#urlmap
        /v1 = b
    """ + ECHO_APPS)
    client = TestApp(loadapp(path))
    text = client.get("/v2/x", status=404)
    assert text.content_type == "text/plain"
    assert text.text.startswith("404 Not Found")
    as_json = client.get("/v2/x", headers={"Accept": "application/json"}, status=404)
    assert as_json.json["code"] == 404
    assert client.head("/v2", status=404).body == b""


def test_urlmap_not_found_app_local(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#urlmap
        not_found_app = d
        /v1 = b
    """ + ECHO_APPS)
    assert TestApp(loadapp(path)).get("/nowhere").json["app"] == "d"


def test_urlmap_not_found_app_global(ini):
    path = ini("""
        [DEFAULT]
        not_found_app = c

        [composite:main]
        use = egg:carya#urlmap
        /v1 = b
    """ + ECHO_APPS)
    assert TestApp(loadapp(path)).get("/nowhere").json["app"] == "c"


@pytest.mark.parametrize("key, message", [
    ("v1", "urlmap key 'v1' is not a path"),
    ("domain example.com /", "host-based mapping is not supported"),
    ("/v 1", "urlmap key '/v 1' is not a path"),
])
def test_urlmap_bad_key_is_named(ini, key, message):
    header = f"[composite:main]\nuse = egg:carya#urlmap\n{key} = b\n"
    path = ini(header + textwrap.dedent(ECHO_APPS))
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    assert message in str(error.value)
    assert path in str(error.value)


def test_urlmap_duplicate_mount_is_an_error(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#urlmap
        /v1 = a
        /v1/ = b
    """ + ECHO_APPS)
    with pytest.raises(ConfigError, match="'/v1/' and '/v1' mount the same path"):
        loadapp(path)


def test_urlmap_in_python_precomputes_its_table():
    apps = {key: echo_factory({}, name=key) for key in ("/", "/a", "/a/b/")}
    urlmap = URLMap(apps)
    assert set(urlmap.mounts) == {"", "/a", "/a/b"}
    assert TestApp(urlmap).get("/a/b/c").json["app"] == "/a/b/"
    with pytest.raises(ConfigError, match="'a' is not a path"):
        URLMap({"a": apps["/"]})


# --- egg:carya#strategy --------------------------------------------------------------


STRATEGY_FILTERS = """
    [filter:one]
    paste.filter_factory = tests.test_paste:tag_filter_factory
    tag = one

    [filter:two]
    paste.filter_factory = tests.test_paste:tag_filter_factory
    tag = two

    [filter:auth]
    paste.filter_factory = tests.test_paste:tag_filter_factory
    tag = auth
"""


def strategy_ini(ini, extra: str = "", defaults: str = "", keystone: bool = True) -> str:
    lines = ["[DEFAULT]", defaults, "", "[composite:main]", "use = egg:carya#strategy",
             extra, "noauth2 = one two b", "keystone = one auth two a" if keystone else ""]
    return ini("\n".join(lines) + textwrap.dedent(STRATEGY_FILTERS + ECHO_APPS))


def tags_and_app(app) -> tuple[list[str], str]:
    got = TestApp(app).get("/").json
    return got["tags"], got["app"]


@pytest.fixture(autouse=True)
def _no_strategy_env(monkeypatch):
    monkeypatch.delenv("CARYA_AUTH_STRATEGY", raising=False)


def test_strategy_defaults_to_keystone(ini):
    assert tags_and_app(loadapp(strategy_ini(ini))) == (["one", "auth", "two"], "a")


def test_strategy_from_section(ini):
    path = strategy_ini(ini, extra="auth_strategy = noauth2")
    assert tags_and_app(loadapp(path)) == (["one", "two"], "b")


def test_strategy_from_default_section(ini):
    path = strategy_ini(ini, defaults="auth_strategy = noauth2")
    assert tags_and_app(loadapp(path)) == (["one", "two"], "b")


def test_strategy_from_loader_global_conf(ini):
    app = loadapp(strategy_ini(ini), global_conf={"auth_strategy": "noauth2"})
    assert tags_and_app(app) == (["one", "two"], "b")


def test_strategy_from_environment(ini, monkeypatch):
    monkeypatch.setenv("CARYA_AUTH_STRATEGY", "noauth2")
    assert tags_and_app(loadapp(strategy_ini(ini))) == (["one", "two"], "b")


def test_strategy_precedence_section_then_global_then_env(ini, monkeypatch):
    monkeypatch.setenv("CARYA_AUTH_STRATEGY", "keystone")
    # PasteDeploy itself drops a section option that [DEFAULT] also sets, so the
    # section-over-global rule is seen by calling the factory with PasteDeploy's loader.
    loader = ConfigLoader(strategy_ini(ini))
    app = strategy_pipeline_factory(
        loader, {"auth_strategy": "keystone"}, auth_strategy="noauth2",
        noauth2="one two b", keystone="one auth two a",
    )
    assert tags_and_app(app)[1] == "b", "the section wins over global conf and env"
    app = loadapp(strategy_ini(ini), global_conf={"auth_strategy": "noauth2"})
    assert tags_and_app(app)[1] == "b", "global conf wins over the environment"


def test_strategy_custom_key(ini):
    path = strategy_ini(ini, extra="strategy_key = mode\nmode = noauth2")
    assert tags_and_app(loadapp(path)) == (["one", "two"], "b")


def test_strategy_unknown_lists_available(ini):
    path = strategy_ini(ini, extra="auth_strategy = ldap")
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    assert "auth_strategy = 'ldap' has no pipeline; available: keystone, noauth2" in str(
        error.value
    )


def test_strategy_missing_without_keystone_lists_available(ini):
    with pytest.raises(ConfigError) as error:
        loadapp(strategy_ini(ini, keystone=False))
    message = str(error.value)
    assert "no strategy chosen" in message
    assert "'auth_strategy'" in message and "$CARYA_AUTH_STRATEGY" in message
    assert message.endswith("one of: noauth2")


def test_strategy_empty_pipeline_is_an_error(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#strategy
        auth_strategy = noauth2
        noauth2 =
    """)
    with pytest.raises(ConfigError, match="pipeline 'noauth2' is empty"):
        loadapp(path)


def test_strategy_pipeline_naming_a_missing_filter(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#strategy
        keystone = one nosuchfilter a
    """ + STRATEGY_FILTERS + ECHO_APPS)
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    assert "No section 'nosuchfilter'" in str(error.value)


# --- loadapp: errors in the INI itself ---------------------------------------------


def test_loadapp_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        loadapp(str(tmp_path / "nope.ini"))


def test_loadapp_missing_section(ini):
    path = ini(ECHO_APPS)
    with pytest.raises(ConfigError) as error:
        loadapp(path, "nosuch")
    message = str(error.value)
    assert message.startswith(f"{path}: cannot load 'nosuch'")
    assert "No section 'nosuch'" in message


def test_loadapp_unknown_egg_names_the_key(ini):
    path = ini("""
        [app:main]
        use = egg:NoSuchDistXyz#main
    """)
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    assert "[app:main] use = egg:NoSuchDistXyz#main" in str(error.value)


def test_loadapp_unknown_entry_point(ini):
    path = ini("""
        [composite:main]
        use = egg:carya#nosuchthing
    """)
    with pytest.raises(ConfigError, match="Entry point 'nosuchthing' not found in egg 'carya'"):
        loadapp(path)


@pytest.mark.parametrize("factory, missing", [
    ("no_such_module_xyz:factory", "no_such_module_xyz"),
    ("tests.test_paste:no_such_factory_xyz", "no_such_factory_xyz"),
])
def test_loadapp_bad_factory_path_names_the_key(ini, factory, missing):
    path = ini(f"""
        [app:main]
        paste.app_factory = {factory}
    """)
    with pytest.raises(ConfigError) as error:
        loadapp(path)
    message = str(error.value)
    assert f"[app:main] paste.app_factory = {factory}" in message
    assert missing in message


def test_loadapp_malformed_ini(ini):
    path = ini("""
        [app:main
        use = egg:carya#main
    """)
    with pytest.raises(ConfigError, match="cannot load 'main'"):
        loadapp(path)

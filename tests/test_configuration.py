"""config.py loading, carya.conf, deploy() and load_test_app()."""

from __future__ import annotations

import textwrap

import pytest

import carya
from carya.configuration import ConfigError, conf_from_dict, conf_from_file, set_config
from carya.deploy import deploy
from carya.testing import load_test_app


def write(tmp_path, text, name="config.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_sections_attribute_access_and_confdir(tmp_path):
    path = write(tmp_path, """
        import os
        server = {'port': '8081', 'host': '127.0.0.1'}
        app = {'root': 'x.Root', 'static_root': '%(confdir)s/public',
               'errors': {404: '/error/404', '__force_dict__': True}}
        custom = {'nested': {'value': 3}}
        _hidden = 1
    """)
    conf = conf_from_file(path)
    assert conf.server.port == "8081"
    assert conf.app.static_root == f"{tmp_path}/public"
    assert conf.app.errors == {404: "/error/404"}
    assert isinstance(conf.app.errors, dict)
    assert conf.custom.nested.value == 3
    assert "os" not in conf and "_hidden" not in conf
    assert conf.app.force_canonical is True  # default kept


def test_defaults_are_safe():
    conf = conf_from_dict({})
    assert conf.server.host == "127.0.0.1"
    assert conf.app.debug is False


def test_missing_setting_names_it(tmp_path):
    conf = conf_from_file(write(tmp_path, "app = {'root': 'x.Y'}\n"))
    with pytest.raises(AttributeError, match="app.nope"):
        conf.app.nope  # noqa: B018


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app = {'root': 'x.Y'\n", "line 1: syntax error"),
        ("app = 3\n", "'app' must be a dict"),
        ("app = {}\nserver = {'port': 'eighty'}\n", "server.port 'eighty'"),
        ("raise KeyError('k')\n", "running the config failed"),
        ("app = {'modules': 'pkg'}\n", "app.modules must be a list"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        conf_from_file(path)
    assert message in str(info.value)
    assert path in str(info.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="does not exist"):
        conf_from_file("/no/such/config.py")


def test_set_config_updates_global_conf():
    set_config({"app": {"root": "a.B"}, "extra": {"k": "v"}}, overwrite=True)
    assert carya.conf.app.root == "a.B"
    assert carya.conf.extra.k == "v"


def test_forced_dict_survives_copying_the_config():
    """Designate copies its loaded config (``dict(conf)``) and sets it again."""
    loaded = conf_from_dict({"app": {"root": "x.Root",
                                     "errors": {404: "/errors/404", "__force_dict__": True}}})
    assert loaded.app.errors == {404: "/errors/404"}
    copied = dict(loaded)
    copied["app"]["debug"] = True
    conf = set_config(copied, overwrite=True)
    assert conf.app.errors == {404: "/errors/404"} and conf.app.debug is True
    assert set_config(conf.to_dict(), overwrite=True).app.errors[404] == "/errors/404"


def test_path_keyed_settings_are_dicts_without_force_dict():
    """``server.max_body_by_path`` maps path prefixes: a dict by declaration, while any
    other section with such keys still needs Pecan's ``'__force_dict__'``."""
    conf = conf_from_dict({"server": {"max_body_by_path": {"/v2/images": 2**30}}})
    assert dict(conf.server.max_body_by_path) == {"/v2/images": 2**30}
    with pytest.raises(ConfigError, match="'/v2/images' is not a valid Python identifier"):
        conf_from_dict({"app": {"uploads": {"/v2/images": 2**30}}})


def test_deploy_builds_app_from_root(tmp_path):
    path = write(tmp_path, """
        app = {'root': 'catalog.controllers.root.RootController',
               'template_path': '%(confdir)s/templates'}
    """)
    app = deploy(path)
    assert isinstance(app.application, carya.App), "behind the default body limit"
    assert app.limit == 1048576
    assert app.config.app.root.endswith("RootController")


def test_deploy_without_root_is_clear(tmp_path):
    with pytest.raises(ConfigError, match="set app.root"):
        deploy(write(tmp_path, "app = {}\n"))


def test_deploy_with_unimportable_root(tmp_path):
    with pytest.raises(ValueError, match="cannot import root controller 'nowhere.Root'"):
        deploy(write(tmp_path, "app = {'root': 'nowhere.Root'}\n"))


def test_setup_app_convention(tmp_path, monkeypatch):
    pkg = tmp_path / "svc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "app.py").write_text(textwrap.dedent("""
        from carya import expose, make_app

        class Root:
            @expose()
            def index(self):
                return 'from setup_app'

        def setup_app(config):
            return make_app(Root(), debug=config.app.debug)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write(tmp_path, "app = {'modules': ['svc']}\n")
    assert load_test_app(path).get("/").text == "from setup_app"


class TestEnvironmentOverrides:
    def test_overrides_typed_values(self):
        conf = conf_from_dict(
            {"app": {"root": "x.Y", "debug": False, "workers": 2}},
            environ={
                "CARYA__APP__DEBUG": "true",
                "CARYA__APP__WORKERS": "4",
                "CARYA__SERVER__PORT": "9000",
                "CARYA__CUSTOM__NESTED__NAME": "value",
                "UNRELATED": "x",
            },
        )
        assert conf.app.debug is True
        assert conf.app.workers == 4
        assert conf.server.port == "9000"  # the file's type (text) is kept
        assert conf.custom.nested.name == "value"

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"CARYA__APP__DEBUG": "maybe"}, "CARYA__APP__DEBUG='maybe': expected true or false"),
            ({"CARYA__APP__WORKERS": "many"}, "expected a whole number"),
            ({"CARYA__DEBUG": "1"}, "name a section and a key"),
        ],
    )
    def test_bad_overrides_name_the_variable(self, env, message):
        with pytest.raises(ConfigError) as info:
            conf_from_dict({"app": {"debug": False, "workers": 2}}, environ=env)
        assert message in str(info.value)


class TestLogging:
    def test_seed_logging_section_with_color_formatter(self, tmp_path, capsys):
        path = write(tmp_path, """
            app = {'root': 'catalog.controllers.root.RootController'}
            logging = {
                'root': {'level': 'INFO', 'handlers': ['console']},
                'loggers': {
                    'carya_test_logger': {'level': 'DEBUG', 'handlers': ['console'],
                                          'propagate': False},
                    '__force_dict__': True
                },
                'handlers': {
                    'console': {'level': 'DEBUG', 'class': 'logging.StreamHandler',
                                'formatter': 'color', 'stream': 'ext://sys.stdout'},
                },
                'formatters': {
                    'color': {
                        '()': 'carya.log.ColorFormatter',
                        'format': '[%(padded_color_levelname)s] [%(name)s] %(message)s',
                        '__force_dict__': True
                    }
                }
            }
        """)
        deploy(path)
        import logging

        logging.getLogger("carya_test_logger").warning("hello from config")
        out = capsys.readouterr().out
        assert "\033[93mWARNING \033[0m" in out
        assert "[carya_test_logger] hello from config" in out

    def test_bad_logging_section_is_clear(self, tmp_path):
        path = write(tmp_path, """
            app = {'root': 'catalog.controllers.root.RootController'}
            logging = {'handlers': {'h': {'class': 'no.such.Handler'}}}
        """)
        with pytest.raises(ConfigError, match="logging section"):
            deploy(path)

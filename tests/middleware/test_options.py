"""carya.middleware.options: INI strings and Python values, errors that name the key."""

from __future__ import annotations

import pytest

from carya.configuration import ConfigError
from carya.middleware.options import MiddlewareConfigError, Options


@pytest.mark.parametrize("raw,expected", [
    ("true", True), ("Yes", True), (" on ", True), ("1", True), (True, True),
    ("false", False), ("NO", False), ("off", False), ("0", False), (False, False),
])
def test_booleans(raw, expected):
    assert Options("m", {"flag": raw}).boolean("flag", not expected) is expected


def test_boolean_default_when_absent():
    assert Options("m", {}).boolean("flag", True) is True


@pytest.mark.parametrize("raw", ["ture", "2", "", "enabled", 1.0, None.__class__])
def test_bad_boolean_names_middleware_and_key(raw):
    with pytest.raises(MiddlewareConfigError) as err:
        Options("cors", {"allow_credentials": raw}).boolean("allow_credentials", False)
    assert "cors: option 'allow_credentials'" in str(err.value)
    assert "true or false" in str(err.value)


def test_integers():
    opts = Options("m", {"a": "42", "b": 7, "c": " 3 ", "d": ""})
    assert opts.integer("a", 0) == 42
    assert opts.integer("b", 0) == 7
    assert opts.integer("c", 0) == 3
    assert opts.integer("d", 9) == 9
    assert opts.integer("missing", None) is None


@pytest.mark.parametrize("raw", ["12kb", "1.5", "lots", True, 2.0])
def test_bad_integer(raw):
    with pytest.raises(MiddlewareConfigError, match="option 'size': expected an integer"):
        Options("sizelimit", {"size": raw}).integer("size", 1)


def test_integer_minimum():
    with pytest.raises(MiddlewareConfigError, match=r"expected an integer >= 0, got '-1'"):
        Options("m", {"max_age": "-1"}).integer("max_age", None, minimum=0)


def test_lists_from_strings_and_sequences():
    opts = Options("m", {"a": " GET, POST ,,PUT ", "b": ["x", " y "], "c": ""})
    assert opts.strings("a") == ["GET", "POST", "PUT"]
    assert opts.strings("b") == ["x", "y"]
    assert opts.strings("c") == []
    assert opts.strings("missing", ("d",)) == ["d"]


def test_bad_list():
    with pytest.raises(MiddlewareConfigError, match="option 'a': expected a comma-separated"):
        Options("m", {"a": 5}).strings("a")
    with pytest.raises(MiddlewareConfigError, match="option 'a': expected a list of strings"):
        Options("m", {"a": ["x", 5]}).strings("a")


def test_string_must_not_be_blank():
    assert Options("m", {"name": " carya.access "}).string("name", "x") == "carya.access"
    with pytest.raises(MiddlewareConfigError, match="option 'name'"):
        Options("m", {"name": "  "}).string("name", "x")


def test_prefixed_keys():
    opts = Options("m", {"token.abc": "u:p:r", "token.XyZ": "v:q:", "realm": "r"})
    assert opts.prefixed("token.") == {"abc": "u:p:r", "XyZ": "v:q:"}
    opts.string("realm", "x")
    opts.finish()  # everything was asked for


def test_unknown_keys_are_rejected_by_name():
    opts = Options("cors", {"allowed_origin": "https://a.example", "alowed_methods": "GET"})
    opts.strings("allowed_origin")
    with pytest.raises(MiddlewareConfigError) as err:
        opts.finish()
    assert "cors: unknown option(s) 'alowed_methods'" in str(err.value)
    assert "known: allowed_origin" in str(err.value)


def test_error_is_a_carya_config_error():
    assert issubclass(MiddlewareConfigError, ConfigError)
    assert issubclass(MiddlewareConfigError, ValueError)

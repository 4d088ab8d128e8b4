"""Bad route definitions fail at ``connect`` with a message naming the route path.

Routes accepts most of these and fails later (at the first match, with a bare
``re.error``) or builds a route that can never match; carya refuses them up
front, and a refused route leaves the mapper as it was.
"""

from __future__ import annotations

import pytest

from carya.mapper import Mapper, RouteDefinitionError

BAD = [
    ("/a/{id", {}, "never closed"),
    ("/a/id}", {}, "without a matching '{'"),
    ("/a/{id}/{id}", {}, "'id' appears more than once"),
    ("/a/:id/{id}", {}, "'id' appears more than once"),
    ("/a/{id:[}", {}, "requirement for 'id' is not a valid regex"),
    ("/a/{id}", {"requirements": {"id": "(["}}, "requirement for 'id' is not a valid regex"),
    ("/a", {"requirements": {"x": "("}}, "requirement for 'x' is not a valid regex"),
    ("/a", {"requirements": "x"}, "requirements must be a dict"),
    ("/a/{id}", {"requirements": {"id": 5}}, "requirement for 'id' is not a string"),
    ("/a", {"conditions": {"methods": ["GET"]}}, "unknown condition key(s) 'methods'"),
    ("/a", {"conditions": {"method": 5}}, "must be a string or a list of strings"),
    ("/a", {"conditions": {"method": [1]}}, "must list strings"),
    ("/a", {"conditions": {"function": "f"}}, "'function' is not callable"),
    ("/a", {"conditions": "GET"}, "conditions must be a dict"),
    ("/a/{}", {}, "empty name"),
    ("/a/:", {}, "empty name"),
    ("/a/{.}", {}, "empty name"),
    ("/a/{project-id}", {}, "'project-id' is not a valid identifier"),
    ("/a/:(id", {}, "':(' that is never closed"),
    ("/a\\", {}, "lone backslash"),
    ("/a/{x:(?P<x>a)}", {}, "does not compile"),
    ("/a/{x:b(?i)a}", {}, "requirement for 'x' is not a valid regex"),
    ("/a", {"_minimize": True}, "minimization is not supported"),
]


@pytest.mark.parametrize(("path", "options", "message"), BAD)
def test_bad_definition_is_refused_at_connect(path, options, message):
    m = Mapper()
    m.connect("good", "/good/{id}", controller="g", action="show")
    with pytest.raises(RouteDefinitionError) as info:
        m.connect("bad", path, controller="c", action="a", **options)
    text = str(info.value)
    assert text.startswith(f"route {path!r}: ")
    assert message in text
    assert info.value.routepath == path
    # nothing half-added: the mapper still has only the good route
    assert [r.name for r in m.matchlist] == ["good"]
    assert "bad" not in m._routenames
    assert m.match("/good/1") == {"id": "1", "controller": "g", "action": "show"}


def test_route_path_must_be_text():
    with pytest.raises(RouteDefinitionError, match="must be a string"):
        Mapper().connect("x", None)


def test_definition_error_is_a_value_error():
    with pytest.raises(ValueError):
        Mapper().connect("/a/{")


def test_resource_errors_name_the_generated_path():
    m = Mapper()
    with pytest.raises(RouteDefinitionError, match=r"route '/\{p:\(\}/things"):
        m.resource("thing", "things", path_prefix="/{p:(}")

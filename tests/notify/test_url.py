"""Transport URLs: oslo.messaging's syntax, and passwords that never show."""

from __future__ import annotations

import pytest

from carya.notify import TransportURLError, get_transport, parse_url
from carya.notify.url import redact_url


def test_rabbit_cluster_url_parses_every_host_and_the_vhost():
    url = parse_url("rabbit://a:pw1@h1:5672,b:pw2@h2:5673/prod?durable=true")
    assert [(h.hostname, h.port, h.username, h.password) for h in url.hosts] == [
        ("h1", 5672, "a", "pw1"), ("h2", 5673, "b", "pw2")]
    assert url.virtual_host == "prod"
    assert url.query == {"durable": "true"}
    assert url.transport == "rabbit"


def test_default_vhost_ipv6_and_quoted_password():
    url = parse_url("rabbit://u:p%40ss%2Fw@[::1]:5672/")
    assert url.virtual_host == "/"
    assert url.hosts[0].hostname == "::1"
    assert url.hosts[0].password == "p@ss/w"


@pytest.mark.parametrize("text", [
    "rabbit://guest:s3cr3t@127.0.0.1:5672/",
    "rabbit://guest:s3cr3t@h1:5672,other:s3cr3t@h2/",
])
def test_password_never_in_str_or_repr(text):
    url = parse_url(text)
    assert "s3cr3t" not in str(url)
    assert "s3cr3t" not in repr(url)
    assert "guest:***@" in str(url)


def test_embedded_and_memory_take_the_rest_as_a_path_or_name():
    assert parse_url("embedded:///var/lib/x.sqlite3").path == "/var/lib/x.sqlite3"
    assert parse_url("embedded://relative.db").path == "relative.db"
    assert parse_url("embedded://").path == ""
    assert parse_url(None).transport == "embedded"
    assert parse_url("memory://bus1").path == "bus1"
    assert parse_url("fake://").transport == "memory"


@pytest.mark.parametrize("text, expected", [
    ("kafka://u:s3cr3t@h:9092/", "unknown transport 'kafka'"),
    ("127.0.0.1:5672", "has no scheme"),
    ("rabbit://u:s3cr3t@h:notaport/", "port 'notaport'"),
    ("rabbit://u:s3cr3t@h:70000/", "port '70000'"),
    ("rabbit://u:s3cr3t@:5672/", "has no name"),
])
def test_bad_urls_are_clear_errors_without_the_password(text, expected):
    with pytest.raises(TransportURLError) as info:
        parse_url(text)
    assert expected in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_unknown_or_invalid_options_name_the_key_not_the_password():
    with pytest.raises(TransportURLError) as info:
        get_transport("rabbit://u:s3cr3t@127.0.0.1:5672/?no_such_option=1")
    assert "no_such_option" in str(info.value) and "s3cr3t" not in str(info.value)
    with pytest.raises(TransportURLError) as info:
        get_transport("rabbit://u:s3cr3t@127.0.0.1:5672/?durable=maybe")
    assert "durable" in str(info.value) and "s3cr3t" not in str(info.value)


def test_oslo_option_names_are_accepted_as_aliases():
    transport = get_transport("rabbit://u:p@127.0.0.1:5672/?amqp_durable_queues=true",
                              control_exchange="nova")
    assert transport.options["durable"] is True
    assert transport.default_exchange == "nova"


def test_redact_url_works_on_urls_that_do_not_parse():
    assert redact_url("kafka://u:s3cr3t@h:1/") == "kafka://u:***@h:1/"

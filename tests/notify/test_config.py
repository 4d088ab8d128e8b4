"""The notifications section: config.py and INI (carya's and oslo's section names)."""

from __future__ import annotations

import textwrap

import pytest

from carya.notify import NotificationConfigError, Notifier
from carya.notify.config import from_mapping, load


@pytest.fixture
def endpoints_module(tmp_path):
    (tmp_path / "alarm_endpoints.py").write_text(textwrap.dedent("""
        class AlarmEndpoint:
            def info(self, ctxt, publisher_id, event_type, payload, metadata):
                pass
        shared = AlarmEndpoint()
    """))
    return tmp_path


def test_config_py_section(endpoints_module):
    path = endpoints_module / "config.py"
    path.write_text(textwrap.dedent("""
        app = {"root": None}
        notifications = {
            "transport_url": "memory://cfg-test",
            "driver": "messagingv2",
            "topics": ["notifications", "audit"],
            "publisher_id": "catalog.api",
            "control_exchange": "catalog",
            "listeners": {
                "alarms": {"topics": ["notifications"], "pool": "alarming",
                           "endpoints": ["alarm_endpoints:AlarmEndpoint",
                                         "alarm_endpoints.shared"], "max_retries": 5},
            },
        }
    """))
    cfg = load(str(path))
    assert (cfg.driver, cfg.topics, cfg.publisher_id) == (
        "messagingv2", ["notifications", "audit"], "catalog.api")
    transport = cfg.transport()
    assert transport.default_exchange == "catalog"
    notifier = cfg.notifier(transport)
    assert isinstance(notifier, Notifier) and notifier.topics == ("notifications", "audit")
    [listener] = cfg.build_listeners(transport)
    assert listener.pool == "alarming" and listener.max_retries == 5
    assert [type(e).__name__ for e in listener.endpoints] == ["AlarmEndpoint", "AlarmEndpoint"]
    assert listener.queues[0].bindings == (("catalog", "notifications.info"),)


def test_ini_section_with_transport_options_routing_and_listeners(endpoints_module):
    path = endpoints_module / "notify.ini"
    path.write_text(textwrap.dedent("""
        [notifications]
        transport_url = rabbit://guest:s3cr3t@127.0.0.1:5672/
        driver = routing
        topics = notifications, audit
        publisher_id = catalog.api

        [notifications:transport]
        durable = true
        buffer_size = 123

        [notifications:routing]
        Book.* = messagingv2
        * = log

        [listener:alarms]
        topics = notifications
        pool = alarming
        endpoints = alarm_endpoints:AlarmEndpoint
        max_retries = 2
    """))
    cfg = load(str(path))
    assert cfg.routing == {"Book.*": "messagingv2", "*": "log"}
    assert cfg.transport_options == {"durable": "true", "buffer_size": "123"}
    transport = cfg.transport()
    assert transport.options["durable"] is True and transport.options["buffer_size"] == 123
    [lc] = cfg.listeners
    assert (lc.name, lc.pool, lc.max_retries, lc.topics) == ("alarms", "alarming", 2,
                                                             ["notifications"])
    assert "s3cr3t" not in repr(cfg)


def test_an_openstack_services_ini_works_as_it_is(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text(textwrap.dedent("""
        [DEFAULT]
        control_exchange = nova
        debug = true

        [oslo_messaging_notifications]
        driver = messagingv2
        transport_url = rabbit://nova:s3cr3t@127.0.0.1:5672/
        topics = notifications,versioned_notifications
        retry = -1

        [oslo_messaging_rabbit]
        amqp_durable_queues = true
        rabbit_ha_queues = false
    """))
    cfg = load(str(path))
    assert cfg.control_exchange == "nova"
    assert cfg.topics == ["notifications", "versioned_notifications"]
    assert cfg.transport_options == {"amqp_durable_queues": "true"}
    assert cfg.transport().options["durable"] is True


@pytest.mark.parametrize("section, message", [
    ({"transport_url": "rabbit://u:s3cr3t@h:port/"}, "transport_url"),
    ({"transprot_url": "memory://"}, "unknown key(s) transprot_url"),
    ({"driver": "email"}, "unknown driver 'email'"),
    ({"topics": "a,,b"}, "notifications.topics must be a list"),
    ({"listeners": {"x": {"topics": ["t"]}}}, "listeners.x: 'endpoints' is required"),
    ({"listeners": {"x": {"endpoints": ["m:E"], "max_retries": "many"}}},
     "listeners.x.max_retries must be a whole number"),
    ({"listeners": {"x": {"endpoints": ["m:E"], "pol": "p"}}}, "unknown key(s) pol"),
])
def test_errors_name_the_file_and_the_key(section, message):
    with pytest.raises(NotificationConfigError) as info:
        from_mapping(section, "/srv/app/config.py")
    assert str(info.value).startswith("/srv/app/config.py: ")
    assert message in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_bad_endpoint_path_is_an_error_naming_the_listener(endpoints_module):
    cfg = from_mapping({"transport_url": "memory://x", "listeners": {
        "alarms": {"endpoints": ["alarm_endpoints:Missing"]}}}, "cfg.py")
    import sys
    sys.path.insert(0, str(endpoints_module))
    try:
        with pytest.raises(NotificationConfigError,
                           match="listener 'alarms': cannot import endpoint "
                                 "'alarm_endpoints:Missing'"):
            cfg.build_listeners(cfg.transport())
        with pytest.raises(NotificationConfigError, match="no listener named nope"):
            cfg.build_listeners(cfg.transport(), ["nope"])
    finally:
        sys.path.remove(str(endpoints_module))


def test_missing_file_or_section(tmp_path):
    with pytest.raises(NotificationConfigError, match="does not exist"):
        load(str(tmp_path / "nope.py"))
    (tmp_path / "config.py").write_text("app = {}\n")
    with pytest.raises(NotificationConfigError, match="no 'notifications' section"):
        load(str(tmp_path / "config.py"))


def test_several_drivers_each_get_every_notification(tmp_path):
    cfg = from_mapping({"transport_url": "memory://multi", "driver": ["messagingv2", "log"]})
    assert cfg.driver == "routing"
    assert cfg.routing == [{"driver": "messagingv2"}, {"driver": "log"}]

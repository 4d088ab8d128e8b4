"""Policy credentials from request contexts (carya.api.credentials)."""

from __future__ import annotations

from carya.api.credentials import credentials
from carya.middleware.auth import RequestContext


def test_credentials_from_oslo_style_context():
    class OsloLike:
        def to_policy_values(self):
            return {"user_id": "u", "roles": ["Reader"], "system_scope": "all"}

    creds = credentials(OsloLike())
    assert creds.roles == frozenset({"reader"}) and creds.data["system"] == "all"
    assert credentials(RequestContext(user_id="u", roles=[])).data["user_id"] == "u"


def test_credentials_read_per_instance_where_the_type_cannot_decide():
    """How a context type is read is decided once per type; what an instance adds
    (its own ``to_policy_values``, fields answered by ``__getattr__``) still counts."""
    plain = RequestContext(user_id="u", project_id="p", is_admin=True)
    assert credentials(plain).data == {"user_id": "u", "project_id": "p", "roles": [],
                                       "is_admin": True}
    special = RequestContext(user_id="u")
    special.to_policy_values = lambda: {"user_id": "from-method", "roles": ["A"]}
    assert credentials(special).data == {"user_id": "from-method", "roles": ["A"]}
    assert credentials(plain).data["user_id"] == "u", "the type's reader is unchanged"

    class Dynamic:
        def __getattr__(self, name):
            if name == "to_policy_values":
                return lambda: {"user_id": "dyn"}
            raise AttributeError(name)

    assert credentials(Dynamic()).data == {"user_id": "dyn"}
    assert credentials({"user_id": "m", "system_scope": "all"}).data["system"] == "all"

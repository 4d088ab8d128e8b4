"""The compute API's version: its microversion range and Nova's version document.

``GET /v2.1`` answers ``{"version": version_document(...)}`` without a token
(:class:`.middleware.VersionRoot`), which is how python-novaclient
(``versions.get_current()``, ``api_versions.discover_version``) and
keystoneauth's discovery learn the range before any authenticated call.
"""

from __future__ import annotations

__all__ = ["MICROVERSIONS", "MIN_VERSION", "MAX_VERSION", "UPDATED", "version_document"]

MICROVERSIONS = ("2.1", "2.2")
MIN_VERSION, MAX_VERSION = MICROVERSIONS[0], MICROVERSIONS[-1]
UPDATED = "2013-07-23T11:33:21Z"


def version_document(root: str) -> dict:
    """Nova's document of version v2.1, rooted at ``root`` (``http://host:port/v2.1/``)."""
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": UPDATED,
        "links": [{"rel": "self", "href": root},
                  {"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.compute+json;version=2.1"}],
    }

"""The groups extension: controller, resource and policies (seed 003, section 2.4)."""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import webob.exc as exc

from carya.api import Controller, ExtensionBase, ResourceExtension, expected_errors, response
from carya.api.policy import authorize, policy
from carya.api.validation import validate

from . import policies, schemas
from .policies import BASE_POLICY_NAME, POLICY_ROOT
from .store import GroupStore

log = logging.getLogger(__name__)

ALIAS = "groups"


def _project(req: Any) -> str:
    """The caller's project (the auth middleware's request context)."""
    context = req.environ.get("carya.auth_context")
    project = getattr(context, "project_id", None)
    if project is None:
        raise exc.HTTPUnauthorized(detail="This API needs an authenticated caller.")
    return project


class GroupsController(Controller):
    def __init__(self, store: GroupStore):
        self.store = store

    @expected_errors(404)
    @validate(body=schemas.create)
    @policy(POLICY_ROOT % "create")
    @policy(BASE_POLICY_NAME)
    def create(self, req, body):
        log.info("create: %s", body)

    @expected_errors((400, 404, 409))
    @validate(body=schemas.add_group)
    @policy(POLICY_ROOT % "create")
    def add_group(self, req, body):
        values = dict(body["group"])
        if not values.get("group_id"):
            values["group_id"] = str(uuid.uuid4())
        group = self.store.add(_project(req), values)
        return {"ret_state": "success", "group": group}

    @expected_errors(())
    def get_groups(self, req):
        authorize(req, POLICY_ROOT % "show")  # Nova's in-handler context.can()
        return {"ret_state": "success", "data": self.store.list(_project(req))}

    @expected_errors(404)
    @policy(POLICY_ROOT % "show")
    def detail(self, req, id):
        group = self.store.get(_project(req), id)
        if group is None:
            raise exc.HTTPNotFound(detail=f"Group {id} could not be found.")
        return {"group": group}

    @expected_errors((400, 404))
    @validate(body=schemas.update)
    @policy(BASE_POLICY_NAME)
    def update(self, req, id, body):
        group = self.store.update(_project(req), id, body["group"])
        if group is None:
            raise exc.HTTPNotFound(detail=f"Group {id} could not be found.")
        return {"group": group}

    @expected_errors(404)
    @response(204)
    @policy(BASE_POLICY_NAME)
    def delete(self, req, id):
        if not self.store.delete(_project(req), id):
            raise exc.HTTPNotFound(detail=f"Group {id} could not be found.")


class Groups(ExtensionBase):
    """Groups of instances.

    Seed 003's example extension.
    """

    name = "Groups"
    alias = ALIAS
    version = 1

    def __init__(self, extension_info=None):
        super().__init__(extension_info)
        self.store = GroupStore(os.environ.get("CARYA_GROUPS_DB", "sqlite://"))

    def get_resources(self):
        member_actions = {"update": "POST", "detail": "GET"}
        collection_actions = {"add_group": "POST", "get_groups": "GET"}
        return [
            ResourceExtension(
                ALIAS,
                GroupsController(self.store),
                collection_actions=collection_actions,
                member_actions=member_actions,
            )
        ]

    def get_controller_extensions(self):
        return []

    def get_policies(self):
        return policies.list_rules()

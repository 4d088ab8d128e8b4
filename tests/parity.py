"""One loader for the parity suites: the same test runs on real Pecan and on carya.

``load_framework('pecan' | 'carya')`` gives the public names those tests use,
from the named package, so each assertion is checked against Pecan itself.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from webtest import TestApp

FRAMEWORKS = ("pecan", "carya")


class Boom(Exception):
    """An unexpected (non-HTTP) error raised by a handler."""


def load_framework(name: str) -> SimpleNamespace:
    """The public names of ``pecan`` or ``carya`` (a missing pecan fails loudly)."""
    root = importlib.import_module(name)
    hooks = importlib.import_module(f"{name}.hooks")
    decorators = importlib.import_module(f"{name}.decorators")
    rest = importlib.import_module(f"{name}.rest")
    secure = importlib.import_module(f"{name}.secure")
    if name == "carya":
        from carya.testing import load_test_app as wrap
    else:
        wrap = TestApp

    def client(root_controller, **kw) -> TestApp:
        return wrap(root.make_app(root_controller, **kw))

    def unhandled(send):
        """``send()`` reaches a handler raising :class:`Boom`.

        Pecan lets a non-HTTP exception propagate out of the WSGI application (the
        server turns it into a 500); carya answers the 500 itself. Either way the
        client gets a server error, and hooks have run by then.
        """
        if name == "pecan":
            with pytest.raises(Boom):
                send()
        else:
            assert send().status_int == 500

    return SimpleNamespace(
        name=name,
        Pecan=root.Pecan,
        expose=root.expose,
        abort=root.abort,
        redirect=root.redirect,
        request=root.request,
        response=root.response,
        make_app=root.make_app,
        route=root.route,
        PecanHook=hooks.PecanHook,
        TransactionHook=hooks.TransactionHook,
        RequestViewerHook=hooks.RequestViewerHook,
        HookController=hooks.HookController,
        transactional=decorators.transactional,
        after_commit=decorators.after_commit,
        after_rollback=decorators.after_rollback,
        RestController=rest.RestController,
        secure=secure.secure,
        unlocked=secure.unlocked,
        SecureController=secure.SecureController,
        client=client,
        unhandled=unhandled,
    )


# --- helpers of the hook suites ---------------------------------------------------------


def recorder(fw, log: list, name: str, priority: int | None = None, stages=None):
    """A hook that appends ``(name, stage)`` to ``log`` for each stage it overrides."""
    stages = stages or ("on_route", "before", "after", "on_error")

    class Recorder(fw.PecanHook):
        pass

    def make(stage):
        if stage == "on_error":
            def method(self, state, e):
                log.append((name, stage))
        else:
            def method(self, state):
                log.append((name, stage))
        return method

    for stage in stages:
        setattr(Recorder, stage, make(stage))
    hook = Recorder()
    if priority is not None:
        hook.priority = priority
    return hook


def basic_root(fw, log: list):
    class Root:
        @fw.expose()
        def index(self):
            log.append("handler")
            return "hello"

        @fw.expose()
        def forbidden(self):
            log.append("handler")
            fw.abort(403)

        @fw.expose()
        def boom(self):
            log.append("handler")
            raise Boom("kaput")

    return Root()


def stage(log: list, name: str) -> list:
    """The hook names that ran ``name``, in order."""
    return [entry[0] for entry in log if isinstance(entry, tuple) and entry[1] == name]

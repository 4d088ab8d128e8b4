"""The README's example: deployer (publisher) and alarm service (subscriber), end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import EXAMPLES, ROOT


@pytest.mark.parametrize("transport", ["embedded", "rabbit"])
def test_example_runs_with_the_embedded_default_and_with_rabbit(transport, request):
    args = [sys.executable, f"{EXAMPLES}/notify/run.py"]
    if transport == "rabbit":
        request.getfixturevalue("rabbit_url")
        names = request.getfixturevalue("names")  # its own queues, deleted afterwards:
        # another run of the suite on the same broker must not take this one's messages
        args += ["--url", "rabbit://guest:guest@127.0.0.1:5672/",
                 "--topic", names.topic("deployments"), "--pool", names.pool("alarming")]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count('"alarm": "created"') == 3
    assert done.stdout.count('"alarm": "sent"') == 1
    assert "deployments.create.error" in done.stdout

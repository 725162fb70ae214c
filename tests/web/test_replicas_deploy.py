"""The deploy/ example starts: deploy/try-local.sh runs Redis, two replicas and (when Debian's
nginx is installed) nginx with the example config on 127.0.0.1, and checks them end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redisserver import redis_server_binary

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_deploy_example_starts_and_passes_its_checks(tmp_path):
    redis_server_binary()  # skips, saying why, without redis-server
    env = {k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")}
    env.update(QASEARCH=str(Path(sys.executable).with_name("qasearch")), NO_INSTALL="1",
               TMPDIR=str(tmp_path))
    done = subprocess.run(["bash", str(ROOT / "deploy" / "try-local.sh")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "deploy example: all checks passed" in out
    assert "one rate-limit budget across both replicas" in out
    assert "the new generation is served by both replicas" in out
    assert not list(tmp_path.glob("qasearch-try.*"))  # its folder is removed

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_record, write_corpus  # noqa: E402

# Property-based tests: a fixed seed and a small budget in CI; a long search on demand with
# HYPOTHESIS_PROFILE=long (figures in docs/reliability.md).
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LOOPBACK_PREFIXES = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never reach the network: a connection to anything but loopback fails loudly
    (a test that needs the Hub must replace the call, as the push-to-hub test does)."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == socket.AF_UNIX or str(host).startswith(LOOPBACK_PREFIXES):
            return real_connect(self, address)
        raise OSError(f"network access during tests is not allowed (tried {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def record():
    """A fresh, valid, fully annotated SYNTHETIC record (never corpus material)."""
    return synthetic_record()


@pytest.fixture
def corpus_root(tmp_path):
    """A temporary repository root with one synthetic shard; returns (root, shard path)."""
    shard = write_corpus(tmp_path, [synthetic_record()])
    return tmp_path, shard


@pytest.fixture
def shared_dir():
    """../shared (external test material); tests that need it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The documentation site, built once per test session with `mkdocs build --strict`."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                            cwd=REPO, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return out

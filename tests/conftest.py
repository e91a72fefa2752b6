import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_record, write_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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

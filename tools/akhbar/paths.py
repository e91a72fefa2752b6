"""Where the project's files are: the repository root, the schema, the corpus."""

from __future__ import annotations

import os
from pathlib import Path

# tools/akhbar/paths.py -> the repository root is two levels above the package.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The repository whose schema and corpus the tools use.

    AKHBAR_ROOT overrides it (tests, or a checkout of the corpus elsewhere); otherwise it is
    the repository this package was installed from (`pip install -e .`).
    """
    override = os.environ.get("AKHBAR_ROOT")
    return Path(override).resolve() if override else PACKAGE_ROOT


def schema_dir() -> Path:
    # The schema always comes from the package's own checkout: the tools and the schema
    # are versioned together, whatever corpus they are pointed at.
    return PACKAGE_ROOT / "schema"


def corpus_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "corpus"


def corpus_root_of(path: Path) -> Path | None:
    """The root a shard belongs to: the nearest ancestor holding a `corpus/` folder that
    contains the shard. Raw-file paths in records are relative to it."""
    path = path.resolve()
    for parent in path.parents:
        if parent.name == "corpus" and parent.is_dir():
            return parent.parent
    return None


def shards_under(folder: Path) -> list[Path]:
    """Every JSONL shard below a folder, raw files excluded, in a stable order: the one rule
    for what a folder given to any command holds."""
    return sorted(p for p in folder.rglob("*.jsonl") if "raw" not in p.relative_to(folder).parts)


def default_shards(root: Path | None = None) -> list[Path]:
    """Every JSONL shard under corpus/ (raw files excluded), in a stable order."""
    return shards_under(corpus_dir(root))

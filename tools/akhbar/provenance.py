"""Raw files: their hashes, and the provenance check of a record's `source.raw_file`.

Every record names the raw file its text was derived from (a plain path under `corpus/raw/`)
and that file's sha256. `sha256_file` is the one hash of a raw file, used by ingest and the
interchange import when they copy raw files in, by the build for its file list, and by
`check_provenance` when it validates a record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

Report = Callable[..., None]


def sha256_file(path: Path) -> str:
    """The sha256 of the file's bytes, in lower-case hex (read in chunks)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class ProvenanceCache:
    """What one validation run learns about raw files, so that many records pointing at the
    same raw file cost one hash: the verdict on each (root, raw_file) path, and the sha256 of
    each file keyed by (path, size, mtime, inode), which a rewrite of the file changes."""

    def __init__(self) -> None:
        self.paths: dict[tuple[Path, str], tuple[list[tuple], Path | None]] = {}
        self.hashes: dict[tuple, str] = {}

    def sha256(self, path: Path) -> str:
        """sha256_file(path), computed once per version of the file."""
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
        digest = self.hashes.get(key)
        if digest is None:
            digest = self.hashes[key] = sha256_file(path)
        return digest


def check_provenance(record: dict, root: Path, report: Report, cache: ProvenanceCache | None = None) -> None:
    """`source.raw_file` is a plain path under `corpus/raw/` of `root` that exists, and
    `source.raw_sha256` is its hash. Raises raw-file-outside (absolute, `..`, a backslash or
    a symbolic link on the way), raw-file-missing and raw-sha256-mismatch."""
    source = record.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("raw_file"), str):
        return
    raw = source["raw_file"]
    cache = cache if cache is not None else ProvenanceCache()
    known = cache.paths.get((root, raw))
    if known is None:
        known = cache.paths[(root, raw)] = _raw_path_verdict(raw, root)
    problems, path = known
    for problem in problems:
        report(*problem)
    if path is None:
        return
    expected = source.get("raw_sha256")
    if isinstance(expected, str):
        try:
            actual = cache.sha256(path)
        except OSError as exc:
            report("raw-file-missing", f"raw_file {raw!r} cannot be read: {exc.strerror or exc}", "$.source.raw_file")
            return
        if actual != expected:
            report("raw-sha256-mismatch", f"raw_sha256 is {expected[:12]}… but the file hashes to {actual[:12]}…", "$.source.raw_sha256")


def _raw_path_verdict(raw: str, root: Path) -> tuple[list[tuple], Path | None]:
    """(problems to report, the file to hash or None) for one raw_file value."""
    relative = Path(raw)
    raw_dir = (root / "corpus" / "raw").resolve()
    if relative.is_absolute() or ".." in relative.parts or relative.parts[:2] != ("corpus", "raw") or "\\" in raw:
        return [("raw-file-outside", f"raw_file {raw!r} must be a relative path under corpus/raw/", "$.source.raw_file")], None
    path = root / relative
    # Any link on the way could point outside corpus/raw/ (or change what the hash covers).
    probe = path
    while probe != root and probe != probe.parent:
        if probe.is_symlink():
            return [("raw-file-outside", f"raw_file {raw!r} goes through a symbolic link", "$.source.raw_file")], None
        probe = probe.parent
    if not path.is_file():
        return [("raw-file-missing", f"raw_file {raw!r} does not exist", "$.source.raw_file")], None
    if raw_dir not in path.resolve().parents:
        return [("raw-file-outside", f"raw_file {raw!r} resolves outside corpus/raw/", "$.source.raw_file")], None
    return [], path

"""What the command modules share: exit codes, the usage error, path expansion, --id and
--out checks."""

from __future__ import annotations

from pathlib import Path

from akhbar.errors import UserError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(UserError):
    """Bad arguments or missing inputs: reported as one message, exit code 2."""


def add_shard_paths(parser) -> None:
    """The `paths` argument of the commands that read shards, as expand_shards takes it."""
    parser.add_argument("paths", nargs="*", help="shards or folders (default: every shard under corpus/)")


def expand_shards(paths: list[str], root: Path) -> list[Path]:
    """Files as given; folders become the *.jsonl shards below them (raw files excluded);
    nothing given means every shard under the root's corpus/."""
    from akhbar.paths import default_shards, shards_under

    if not paths:
        shards = default_shards(root)
        if not shards:
            raise UsageError(f"no shards found under {root / 'corpus'}")
        return shards
    result = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            result.extend(shards_under(path))
        elif path.is_file():
            result.append(path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return result


def named_articles(records: list[dict], ids: list[str]) -> list[dict]:
    """The records that --id names; every named article must be among them."""
    wanted = set(ids)
    missing = sorted(wanted - {r["id"] for r in records})
    if missing:
        raise UsageError(f"no such article(s): {', '.join(missing)}")
    return [r for r in records if r["id"] in wanted]


def require_folder(out: Path) -> None:
    """--out names a folder to write into: refuse an existing file."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a folder")

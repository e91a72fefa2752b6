"""Running git for the tools that read revisions (diff, agree/render sources, validate
--changed-since): one wrapper, one error type, the message git printed."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git is missing or refused the command; str() is git's own first line of complaint."""


def run_git(cwd: Path | None, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(lines[0] if lines else f"git {' '.join(args)} failed")
    return done.stdout


def is_revision(repo: Path, rev: str) -> bool:
    """`rev` names a commit of the repository at `repo`."""
    try:
        run_git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        return True
    except GitError:
        return False

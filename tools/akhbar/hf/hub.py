"""`akhbar build --push-to-hub REPO`: upload the build folder as a Hub dataset repository."""

from __future__ import annotations

from pathlib import Path

from akhbar.errors import UserError


class HubError(UserError):
    """The upload could not be done (bad repository id, no credentials, network)."""


def check_repo_id(repo_id: str) -> None:
    """Refuse a malformed id before anything is built."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise HubError(f"invalid Hub repository id {repo_id!r}: {exc}") from None
    if "/" not in repo_id:
        raise HubError(f"invalid Hub repository id {repo_id!r}: write it as OWNER/NAME")


def files_to_upload(folder: Path) -> list[tuple[str, int]]:
    """(path relative to the folder, size in bytes) of every file the upload sends, sorted."""
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


def push(folder: Path, repo_id: str, private: bool = False, api=None) -> str:
    """Create the dataset repository if needed and upload the folder in one commit. Remote
    files under data/ that the build no longer has are deleted in the same commit, so the
    repository equals the build. Returns the commit URL."""
    from huggingface_hub import HfApi

    api = api or HfApi()
    check_repo_id(repo_id)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=str(folder),
            commit_message="Update the Akhbar dataset (akhbar build)",
            delete_patterns=["data/**"],
        )
    except Exception as exc:  # network, authentication, permissions: reported, never a traceback
        raise HubError(f"upload to https://huggingface.co/datasets/{repo_id} failed: {exc}") from None
    return getattr(info, "commit_url", None) or str(info)

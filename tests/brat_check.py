"""Run brat's own annotation checker (`server/src/verify_annotations.py`) on an exported brat
collection, with brat's `projectconfig` reading the collection's `annotation.conf`.

    python tests/brat_check.py BRAT_CHECKOUT COLLECTION_DIR

brat is not a dependency and none of its code is in this repository: BRAT_CHECKOUT is a clone
of https://github.com/nlplab/brat. The script prints one line per issue brat reports
(`file<TAB>id: type<TAB>description`), then `brat verify_annotations: N issue(s) in M document(s)`,
and exits 1 when there is any issue. `tests/test_brat_checker.py` runs it when the environment
variable AKHBAR_BRAT_DIR names a checkout.

Two things make brat's 2021 server code run here, neither changes what it checks: a
`config.py` written to a temporary folder (brat reads its settings from one; BASE_DIR is the
folder above the collection, so that brat finds `annotation.conf` next to the documents and
stops looking for the optional `visual.conf` there: with BASE_DIR `/` its search never ends), and `codecs.open`
accepting the mode `rU` that brat passes and Python 3.11 no longer allows (`U` meant
universal newlines, the default of text mode since Python 3).
"""

from __future__ import annotations

import codecs
import sys
import tempfile
from pathlib import Path

CONFIG = """ADMIN_CONTACT_EMAIL = "nobody@example.org"
BASE_DIR = {base!r}
DATA_DIR = {data!r}
WORK_DIR = {work!r}
DEBUG = False
TUTORIALS = False
LOG_LEVEL = "warning"
USER_PASSWORD = {{}}
"""


def _allow_universal_newline_mode() -> None:
    original = codecs.open

    def open_(filename, mode="r", *args, **kwargs):
        return original(filename, mode.replace("U", ""), *args, **kwargs)

    codecs.open = open_


def verify(brat: Path, collection: Path) -> tuple[list[str], int]:
    """brat's issues for every document of `collection`, and how many documents were checked."""
    settings = Path(tempfile.mkdtemp(prefix="brat-config-"))
    (settings / "work").mkdir()
    base = str(collection.resolve().parent)
    (settings / "config.py").write_text(CONFIG.format(base=base, data=str(settings), work=str(settings / "work")), encoding="utf-8")
    _allow_universal_newline_mode()
    sys.path[:0] = [str(brat / "server" / "src"), str(settings)]
    import annotation  # brat's modules, from the checkout
    import verify_annotations
    from projectconfig import ProjectConfiguration

    config = ProjectConfiguration(str(collection.resolve()))
    issues: list[str] = []
    documents = sorted(collection.glob("*.ann"))
    for ann in documents:
        with annotation.TextAnnotations(str(ann.with_suffix("").resolve()), read_only=True) as doc:
            issues += [f"{ann.name}\t{issue.human_readable_str()}" for issue in verify_annotations.verify_annotation(doc, config)]
    return issues, len(documents)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    brat, collection = Path(argv[0]), Path(argv[1])
    if not (brat / "server" / "src" / "verify_annotations.py").is_file():
        print(f"{brat}: not a brat checkout (no server/src/verify_annotations.py)", file=sys.stderr)
        return 2
    if not (collection / "annotation.conf").is_file():
        print(f"{collection}: no annotation.conf (export with akhbar export --format brat)", file=sys.stderr)
        return 2
    issues, documents = verify(brat, collection)
    for line in issues:
        print(line)
    print(f"brat verify_annotations: {len(issues)} issue(s) in {documents} document(s)")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

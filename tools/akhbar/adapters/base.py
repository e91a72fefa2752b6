"""What every source adapter hands to the core: plain articles with their provenance."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Arabic diacritic marks: the tanwin, short-vowel, shadda and sukun marks (U+064B-U+0652)
# and the superscript (dagger) alef U+0670. QCRI's diacritised texts carry these on top of
# the original letters; removing exactly them gives back the plain text.
DIACRITICS = re.compile("[\u064b-\u0652\u0670]")
DIACRITICS_DESCRIPTION = "Arabic diacritic marks U+064B-U+0652 and U+0670 removed"


class LayoutError(ValueError):
    """The raw files do not have the layout an adapter reads; the message says where."""


def require_file(folder: Path, name: str, note: str = "") -> Path:
    """The collection file `name` in `folder`; LayoutError when the folder lacks it."""
    path = folder / name
    if not path.is_file():
        raise LayoutError(f"{folder}: no {name}{note}")
    return path


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 raw file, split on \\n only (a final newline ends the last line
    rather than opening an empty one); LayoutError when it cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{path}: not UTF-8 (byte {exc.start + 1})") from None
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read ({exc})") from None
    return lines[:-1] if lines and lines[-1] == "" else lines


def strip_diacritics(text: str) -> str:
    return DIACRITICS.sub("", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class SourceArticle:
    """One article as a collection gives it, before it becomes a record."""

    title: str
    paragraphs: list[str]  # the text's lines after the headline, in order, already derived
    raw_file: Path  # the raw file (in the collection folder) the article was read from
    lines: tuple[int, int]  # first and last line (1-based, inclusive) of the article in raw_file
    text_derivation: str  # how `text` was derived from the raw lines, in words
    section: str | None = None
    url: str | None = None
    revision: str | None = None  # the source's revision id, when it has one
    wikidata: dict[str, str] = field(default_factory=dict)  # surface -> Q id given by the source
    extra_raw_files: list[Path] = field(default_factory=list)  # metadata kept beside the text
    translation: dict | None = None  # {"from", "outlet", "document"} for a translated text

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.paragraphs])


@dataclass(frozen=True)
class Collection:
    """A collection the corpus takes articles from."""

    name: str  # e.g. wikinews-ar-qcri: the folder name under corpus/raw/ too
    publisher: str
    slug: str  # id prefix
    text_license: str
    attribution: str
    read: Callable[[Path], list[SourceArticle]]  # the collection folder -> its articles
    headings: bool = True  # short unpunctuated lines are section headings (False: every line is a sentence)

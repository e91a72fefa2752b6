"""Readable Arabic inside English pages: every run of Arabic text in running prose is wrapped
in `<span dir="rtl" lang="ar">`, so the browser lays the run out right to left as a unit and
its guillemets, commas and quotation marks stay where the Arabic reader expects them (without
it, «وأضاف»، «مشيراً» in an English sentence comes out with its punctuation scrambled).

Text inside code, preformatted blocks, SVG, and any element that already sets `dir` is left
alone, and so are tags and their attributes.
"""

from __future__ import annotations

import re

ARABIC_LETTER = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# A run starts with an Arabic letter or an opening guillemet and goes on through Arabic,
# digits, spaces and the punctuation that lives inside Arabic quotations.
RUN = re.compile(f"[«{ARABIC_LETTER}][{ARABIC_LETTER}«»\"'\\s\\d،؛؟!.:()…ـ-]*")
# Trailing characters that belong to the surrounding English rather than to the run.
TRAILING = re.compile(r"[\s.:()!-]+$")
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
SKIP = {"code", "pre", "script", "style", "svg", "textarea", "kbd", "samp", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _wrap(text: str) -> str:
    def replace(match: re.Match) -> str:
        run = match.group()
        trail = TRAILING.search(run)
        tail = trail.group() if trail else ""
        body = run[: len(run) - len(tail)]
        if not any(ch not in "«»\"' " for ch in body):
            return run
        return f'<span dir="rtl" lang="ar">{body}</span>{tail}'

    return RUN.sub(replace, text)


def isolate_arabic(html: str) -> str:
    out = []
    stack: list[tuple[str, bool]] = []  # open elements: (name, skips its content)
    for piece in TAG.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            out.append(piece)
            match = TAG_NAME.match(piece)
            if not match or piece.startswith(("<!", "<?")):
                continue
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                while stack:  # pop up to the matching element (tolerates unclosed <p>, <li>)
                    if stack.pop()[0] == name:
                        break
            elif name not in VOID and not piece.rstrip().endswith("/>"):
                stack.append((name, name in SKIP or re.search(r"\sdir\s*=", piece) is not None))
        elif any(skip for _, skip in stack):
            out.append(piece)
        else:
            out.append(_wrap(piece))
    return "".join(out)

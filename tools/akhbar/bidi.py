"""Readable Arabic inside English pages: every Arabic phrase in running prose is wrapped in
one `<span dir="rtl" lang="ar">`, so the browser lays the phrase out right to left as a unit
and its guillemets, commas and quotation marks stay where the Arabic reader expects them
(without it, «وأضاف»، «مشيراً» in an English sentence comes out with its punctuation scrambled).

A phrase is found in the text of a whole run of inline content (a paragraph, a list item, a
table cell, a heading), across inline markup: «رغبة مصرية في <strong>مساعدة</strong> الجيش»
becomes one isolate containing the `<strong>`, not three isolates laid out left to right. A
«…» quotation that contains Arabic is one phrase even when it contains Latin («بحسب X»);
Arabic phrases that follow each other with only Arabic punctuation and spaces between them
are one run. When the markup does not nest inside a phrase, each text piece is isolated on its
own (the best that can be done without moving tags).

Text inside preformatted blocks, SVG, scripts and any element that already sets `dir` is left
alone; inline code (`code`, `kbd`, `samp`) may sit inside a phrase but is never split by an
isolate of its own. Tags and their attributes are never touched.
"""

from __future__ import annotations

import re
from collections import Counter

ARABIC_LETTER = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
ARABIC = re.compile(f"[{ARABIC_LETTER}]")
# Characters that continue an Arabic run: Arabic, digits, spaces and the punctuation that
# lives inside Arabic text.
NEUTRAL = "\\s\\d،؛؟!.:()…ـ\"'-"
QUOTED = "«[^«»]{0,400}»"
# A phrase starts with an Arabic letter or a «…» quotation and goes on through Arabic,
# quotations and neutral characters.
# A slash joins alternatives only between Arabic letters (قال/قالت), not «…» / «…».
PHRASE = re.compile(f"(?:{QUOTED}|[{ARABIC_LETTER}])"
                    f"(?:{QUOTED}|[{ARABIC_LETTER}{NEUTRAL}]|(?<=[{ARABIC_LETTER}])/(?=[{ARABIC_LETTER}]))*")
# Trailing characters that belong to the surrounding English rather than to the run.
TRAILING = re.compile(r"[\s.:()!/-]+$")
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
HAS_DIR = re.compile(r"\sdir\s*=")
# Elements whose content is never touched (and which end a run of inline content).
BARRIER = {"pre", "script", "style", "svg", "textarea", "title", "template"}
# Inline elements a phrase may run across; all others end a run of inline content.
INLINE = {"a", "abbr", "b", "bdi", "br", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark",
          "q", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "wbr"}
# Inline elements whose text may belong to a phrase but never gets an isolate inside it.
OPAQUE = {"code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
OPEN = '<span dir="rtl" lang="ar">'
CLOSE = "</span>"
# Unicode RIGHT-TO-LEFT ISOLATE and POP DIRECTIONAL ISOLATE: the same isolation in plain text.
PLAIN_MARKS = ("\u2067", "\u2069")


def _tag(piece: str) -> tuple[bool, str, bool] | None:
    """(closing, name, opens an element) of a tag, or None for comments and declarations."""
    match = TAG_NAME.match(piece)
    if not match or piece.startswith(("<!", "<?")):
        return None
    closing, name = match.group(1) == "/", match.group(2).lower()
    opens = not closing and name not in VOID and not piece.rstrip().endswith("/>")
    return closing, name, opens


def _phrases(text: str) -> list[tuple[int, int]]:
    """Spans of `text` to isolate right to left."""
    spans = []
    for match in PHRASE.finditer(text):
        run = match.group()
        trail = TRAILING.search(run)
        tail = trail.group() if trail else ""
        body = run[: len(run) - len(tail)]
        while body.count("(") > body.count(")") and tail.startswith(")"):
            body, tail = body + ")", tail[1:]  # keep a closing bracket with its opening one
        if ARABIC.search(body):
            spans.append((match.start(), match.start() + len(body)))
    return spans


def _balanced(items: list[tuple[str, str]]) -> bool:
    stack: list[str] = []
    for kind, piece in items:
        if kind != "tag":
            continue
        parsed = _tag(piece)
        if parsed is None:
            continue
        closing, name, opens = parsed
        if closing:
            if not stack or stack.pop() != name:
                return False
        elif opens:
            stack.append(name)
    return not stack


def _items(pieces: list[str], cuts: list[int], opaque_depth: int) -> tuple[list[list], int, int]:
    """[kind, piece, opaque depth before it, text position before it] for every piece, text
    pieces split at every cut so that phrase boundaries fall between items; also the text
    length and the opaque depth at the end."""
    items: list[list] = []
    depth, pos = opaque_depth, 0
    for piece in pieces:
        if piece.startswith("<"):
            items.append(["tag", piece, depth, pos])
            parsed = _tag(piece)
            if parsed and parsed[1] in OPAQUE:
                depth += -1 if parsed[0] else (1 if parsed[2] else 0)
            continue
        start = pos
        for cut in cuts:
            if pos < cut < pos + len(piece) and cut > start:
                items.append(["text", piece[start - pos: cut - pos], depth, start])
                start = cut
        items.append(["text", piece[start - pos:], depth, start])
        pos += len(piece)
    return items, pos, depth


def _boundaries(items: list[list], end: int, end_depth: int, span: tuple[int, int], floor: int) -> tuple[int, int] | None:
    """The item boundaries (innermost first) where an isolate for `span` can open and close
    with balanced markup between them, at or after `floor`; None when the markup does not
    nest inside the phrase."""
    positions = [item[3] for item in items] + [end]  # of each boundary: before item k, or the end
    in_code = [item[2] > 0 for item in items] + [end_depth > 0]
    s, e = span
    starts = [k for k in range(floor, len(positions)) if positions[k] == s and not in_code[k]]
    ends = [k for k in range(floor, len(positions)) if positions[k] == e and not in_code[k]]
    return next(((ks, ke) for ks in reversed(starts) for ke in ends
                 if ke > ks and _balanced([(i[0], i[1]) for i in items[ks:ke]])), None)


def _isolate_pieces(items: list[list], floor: int, span: tuple[int, int], marks: tuple[str, str]) -> None:
    """Isolate each Arabic text piece of `span` on its own (the markup crosses the phrase)."""
    opener, closer = marks
    s, e = span
    for item in items[floor:]:
        if item[0] == "text" and item[2] == 0 and s <= item[3] < e and ARABIC.search(item[1]):
            piece = item[1]
            lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
            item[1] = piece[:lead] + opener + piece[lead: len(piece) - trail] + closer + piece[len(piece) - trail:]


def _isolate_run(pieces: list[str], opaque_depth: int, marks: tuple[str, str]) -> str:
    """Isolate the Arabic phrases of one run of inline content (text and inline tags)."""
    spans = _phrases("".join(p for p in pieces if not p.startswith("<")))
    if not spans:
        return "".join(pieces)
    items, end, end_depth = _items(pieces, sorted({pos for span in spans for pos in span}), opaque_depth)
    opens: Counter[int] = Counter()   # boundary k (before item k) -> isolates opening there
    closes: Counter[int] = Counter()  # boundary k -> isolates closing there
    floor = 0  # isolates never overlap: a later one starts at or after the previous end
    for span in spans:
        chosen = _boundaries(items, end, end_depth, span, floor)
        if chosen is None:
            _isolate_pieces(items, floor, span, marks)
            continue
        ks, ke = chosen
        opens[ks] += 1
        closes[ke] += 1
        floor = ke
    opener, closer = marks
    out = []
    for k, item in enumerate(items):
        out.append(closer * closes[k] + opener * opens[k])
        out.append(item[1])
    out.append(closer * closes[len(items)])
    return "".join(out)


def isolate_arabic(html: str, marks: tuple[str, str] = (OPEN, CLOSE)) -> str:
    """`html` with every Arabic phrase in running text between `marks` (by default an
    isolating `<span>`; `PLAIN_MARKS` where markup is lost, as in the search index)."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open elements: (name, its content is left alone)
    run: list[str] = []  # the current run of inline content
    run_depth = 0  # inline code elements open where the run starts

    def flush() -> None:
        if run:
            out.append(_isolate_run(run, run_depth, marks))
            run.clear()

    def add(piece: str) -> None:
        nonlocal run_depth
        if not run:
            run_depth = sum(1 for name, _ in stack if name in OPAQUE)
        run.append(piece)

    for piece in TAG.split(html):
        if not piece:
            continue
        frozen = any(barrier for _, barrier in stack)
        if not piece.startswith("<"):
            out.append(piece) if frozen else add(piece)
            continue
        parsed = _tag(piece)
        if parsed is None:  # a comment or declaration
            flush()
            out.append(piece)
            continue
        closing, name, opens = parsed
        barrier = name in BARRIER or (not closing and HAS_DIR.search(piece) is not None)
        if not frozen and name in INLINE and not barrier:
            add(piece)
        else:
            flush()
            out.append(piece)
        if closing:
            while stack:  # pop up to the matching element (tolerates unclosed <p>, <li>)
                if stack.pop()[0] == name:
                    break
        elif opens:
            stack.append((name, barrier))
    flush()
    return "".join(out)

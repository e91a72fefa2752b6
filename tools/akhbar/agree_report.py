"""Human-readable forms of an `akhbar agree` result: a plain-text table for the terminal and
Markdown tables for the docs. Both are built from the JSON result, so the three formats
cannot tell different stories."""

from __future__ import annotations

from akhbar.tables import cell, markdown_table

PRF_HEAD = ("", "P", "R", "F1", "TP", "FP", "FN")
RATE_HEAD = ("among matched pairs", "agreement", "agree/total", "kappa")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _prf_row(label: str, prf: dict) -> tuple[str, ...]:
    return (label, _num(prf["precision"]), _num(prf["recall"]), _num(prf["f1"]),
            str(prf["tp"]), str(prf["fp"]), str(prf["fn"]))


def _rate_row(label: str, rate: dict) -> tuple[str, ...]:
    return (label, _num(rate["rate"]), f"{rate['agree']}/{rate['total']}", "")


def _kappa_row(label: str, kappa: dict) -> tuple[str, ...]:
    n = kappa["items"]
    agree = round(kappa["observed"] * n) if kappa["observed"] is not None else 0
    return (label, _num(kappa["observed"]), f"{agree}/{n}", _num(kappa["kappa"]))


def tables(result: dict, by_type: bool) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]]:
    """(title, header, rows) for each table of the report."""
    e, q, v = result["entities"], result["quotes"], result["events"]
    threshold = result["settings"]["quote_threshold"]
    coref = e["coreference"]
    main = [
        _prf_row("entity mentions, exact", e["exact"]["micro"]),
        _prf_row("entity mentions, overlap", e["overlap"]["micro"]),
        _prf_row("mention detection, exact (type ignored)", e["detection"]["exact"]),
        _prf_row("mention detection, overlap (type ignored)", e["detection"]["overlap"]),
        (f"coreference, B-cubed over {coref['mentions']} aligned mentions", _num(coref["precision"]),
         _num(coref["recall"]), _num(coref["f1"]), "", "", ""),
        _prf_row(f"quotes (content overlap ≥ {threshold})", q["match"]),
        _prf_row("quotes with the same speaker", q["attributed"]),
        _prf_row("event triggers (overlap)", v["trigger"]),
        _prf_row("events (trigger overlap + category)", v["typed"]["micro"]),
        _prf_row("event actors", v["arguments"]["actor"]),
        _prf_row("event recipients", v["arguments"]["recipient"]),
        _prf_row("event other arguments (role + entity)", v["arguments"]["other"]),
        _prf_row("event arguments, all", v["arguments"]["all"]),
    ]
    agreement = [
        _kappa_row("entity type (exactly matching spans)", e["type_kappa"]),
        _rate_row("quote speaker (aligned entities)", q["speaker"]),
        _rate_row("quote speaker kind", q["speaker_kind"]),
        _rate_row("quote cue (overlapping, or both none)", q["cue"]),
        _rate_row("quote cue lemma (both with a cue)", q["cue_lemma"]),
        _kappa_row("quote type", q["type"]),
        _kappa_row("event category (overlapping triggers)", v["category"]),
        _rate_row("event mode", v["mode"]),
        _rate_row("event contexts (same set)", v["context"]),
        *(_rate_row(f"event marker: {name}", rate) for name, rate in v["markers"].items()),
    ]
    result_tables = [("Precision, recall and F1 of B against A", PRF_HEAD, main),
                     ("Agreement on matched items", RATE_HEAD, agreement)]
    if by_type:
        for title, by in (("Entity mentions by type, exact", e["exact"]["by_type"]),
                          ("Entity mentions by type, overlap", e["overlap"]["by_type"]),
                          ("Events by category (trigger overlap + category)", v["typed"]["by_type"])):
            result_tables.append((title, PRF_HEAD, [_prf_row(label, prf) for label, prf in by.items()]))
    return result_tables


def preamble(result: dict) -> list[str]:
    articles = result["articles"]
    lines = [f"B = {result['b']} scored against A = {result['a']}",
             f"articles scored: {articles['scored']}"]
    if articles["only_in_a"]:
        lines.append(f"only in A (everything counted as missed): {', '.join(articles['only_in_a'])}")
    if articles["only_in_b"]:
        lines.append(f"only in B (no reference, not scored): {', '.join(articles['only_in_b'])}")
    lines.extend(f"warning: {w}" for w in result["warnings"])
    return lines


def as_text(result: dict, by_type: bool = False) -> str:
    out = preamble(result)
    for title, head, rows in tables(result, by_type):
        widths = [max(len(r[k]) for r in (head, *rows)) for k in range(len(head))]
        out += ["", title]
        for row in (head, *rows):
            cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


def as_markdown(result: dict, by_type: bool = False) -> str:
    out = [f"- {cell(line)}" for line in preamble(result)]
    for title, head, rows in tables(result, by_type):
        out += ["", f"**{title}**", "", markdown_table(head, [[cell(c) for c in row] for row in rows], 1)]
    return "\n".join(out) + "\n"

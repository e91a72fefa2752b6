"""Import in two steps: the brat and Label Studio parsers give plain items, one assembler
builds entities, quotes and events from the neutral items both formats translate into."""

from __future__ import annotations

import json

import pytest

from akhbar.interchange.assemble import EventItem, Items, Link, Role, Sink, Span, assemble
from akhbar.interchange.brat import (
    Attribute,
    Equiv,
    EventLine,
    Note,
    Reference,
    Relation,
    TextBound,
    ann_items,
    parse_ann,
    read_brat,
)
from akhbar.interchange.common import ImportedDoc, Report
from akhbar.interchange.labelstudio import Region, RegionField, parse_result, read_tasks, result_items
from akhbar.interchange.labelstudio import Relation as LsRelation

TEXT = "قال أحمد علي إن أحمد سيزور القاهرة. وأضاف علي أن الزيارة مهمة."


def at(surface: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(surface, start + 1)
    return start, start + len(surface)


def run(items: Items, text: str = TEXT) -> tuple[ImportedDoc, Report]:
    report = Report()
    doc = ImportedDoc("x-0000000000000001", text, [], [], [])
    assemble(items, doc, Sink(report, "in.ann", doc.article_id))
    return doc, report


def mention(key: str, surface: str, occurrence: int = 0, label: str = "PERS", **fields) -> Span:
    return Span(key, label, [at(surface, occurrence)], surface, line=None, claim=fields.pop("claim", None), fields=fields)


# ---- the brat parser -------------------------------------------------------------------------


ANN = "\n".join([
    "T1\tPERS 4 12\tأحمد علي",
    "T2\tQuote 16 26;49 56\tأحمد سيزور الزيارة",
    "R1\tCoref Arg1:T3 Arg2:T1\t",
    "*\tEquiv T1 T3 T4",
    "E1\tCONSULT:T5 Actor:T1 Actor2:T3 Place:T6",
    "A1\tMode E1 visit",
    "A2\tNegated E1",
    "#1\tAnnotatorNotes T1\t{\"entity\": \"e1\"}",
    "N1\tReference T1 Wikidata:Q42\tأحمد علي",
    "",
    "X1\tsomething else",
    "R2\tCoref Arg1:T1",
    "T9\tPERS four 12\tx",
]) + "\n"


def test_parse_ann_gives_one_plain_item_per_line():
    ann = parse_ann(ANN)
    assert ann.textbounds == [TextBound("T1", "PERS", [(4, 12)], "أحمد علي", 1),
                              TextBound("T2", "Quote", [(16, 26), (49, 56)], "أحمد سيزور الزيارة", 2)]
    assert ann.relations == [Relation("R1", "Coref", "T3", "T1", 3)]
    assert ann.equivs == [Equiv("Equiv", ["T1", "T3", "T4"], 4)]
    assert ann.events == [EventLine("E1", "CONSULT", "T5", [("Actor", "T1"), ("Actor2", "T3"), ("Place", "T6")], 5)]
    assert ann.attributes == [Attribute("A1", "Mode", "E1", "visit", 6), Attribute("A2", "Negated", "E1", None, 7)]
    assert ann.notes == [Note("#1", "T1", '{"entity": "e1"}', 8)]
    assert ann.references == [Reference("N1", "T1", "Wikidata", "Q42", 9)]
    assert [(p.level, p.code, p.line) for p in ann.problems] == [
        ("warning", "ann-unsupported", 11), ("error", "ann-malformed", 12), ("error", "ann-malformed", 13)]


def test_ann_items_translate_brat_conventions():
    """Notes and references become fields, T numbers mention claims, E numbers event claims,
    numbered roles stay as written (the assembler reads them), lone triggers become events."""
    ann = parse_ann("\n".join([
        "T7\tPERS 4 12\tأحمد علي",
        "#1\tAnnotatorNotes T7\t{\"entity\": \"e3\", \"name\": \"أحمد علي\"}",
        "N1\tReference T7 Wikidata:Q42\tأحمد علي",
        "T8\tQuote 49 61\tالزيارة مهمة",
        "#2\tAnnotatorNotes T8\t{\"quote\": \"q4\"}",
        "A1\tQuoteType T8 indirect",
        "T9\tCONSULT 21 26\tسيزور",
        "E2\tCONSULT:T9 Actor2:T7",
        "A2\tContext_political_institutions E2",
        "T10\tAGREE 0 3\tقال",
        "T11\tPerson 13 15\tإن",
        "R1\tFamily Arg1:T7 Arg2:T7",
    ]))
    report = Report()
    items = ann_items(ann, {}, Sink(report, "in.ann"))
    assert [(s.key, s.label, s.claim) for s in items.spans] == [("T7", "PERS", "m7"), ("T8", "Quote", "q4"),
                                                                 ("T9", "CONSULT", None), ("T10", "AGREE", None)]
    assert items.spans[0].fields == {"entity": "e3", "name": "أحمد علي", "wikidata": "Q42"}
    assert items.spans[1].fields["quote_type"] == "indirect"
    [event, alone] = items.events
    assert (event.key, event.claim, event.roles, event.context) == ("E2", "v2", [Role("Actor2", "T7", 8)], ["political-institutions"])
    assert (alone.key, alone.trigger, alone.claim) == ("T10", "T10", None)
    assert items.links == []
    assert [(p.code, p.line) for p in report.problems] == [("label-unknown", 11), ("trigger-alone", 10), ("ann-unsupported", 12)]


# ---- the Label Studio parser -----------------------------------------------------------------


def test_parse_result_gives_regions_relations_and_fields():
    result = [
        {"id": "a", "type": "labels", "from_name": "label", "value": {"start": 3, "end": 5, "text": "xy", "labels": ["PERS"]}},
        {"id": "b", "type": "labels", "value": {"start": 7, "end": 9, "labels": ["Quote", "ORG"]}},
        {"from_id": "b", "to_id": "a", "type": "relation", "labels": ["speaker", "addressee"]},
        {"from_id": "a", "to_id": "a", "type": "relation"},
        {"id": "a", "type": "textarea", "from_name": "name", "value": {"text": ["أحمد"]}},
        {"id": "b", "type": "choices", "from_name": "quote_type", "value": {"choices": ["indirect"]}},
        "not an item",
    ]
    parsed = parse_result(result)
    assert parsed.regions == [Region("a", "PERS", 3, 5, "xy"), Region("b", "Quote", 7, 9, None)]
    assert parsed.relations == [LsRelation("b", "a", "speaker"), LsRelation("b", "a", "addressee"), LsRelation("a", "a", "")]
    assert parsed.fields == [RegionField("a", "name", ["أحمد"]), RegionField("b", "quote_type", ["indirect"])]
    assert [(p.level, p.code) for p in parsed.problems] == [("error", "result-malformed")]
    with pytest.raises(TypeError):
        parse_result([{"id": "c", "type": "labels", "value": {"start": "3", "end": 5, "labels": ["PERS"]}}])


def test_result_items_convert_utf16_and_turn_event_relations_into_roles():
    text = "😀 أحمد زار القاهرة"
    result = parse_result([
        {"id": "m1", "type": "labels", "value": {"start": 3, "end": 7, "labels": ["PERS"]}},  # after 😀 (2 units) and a space
        {"id": "r", "type": "labels", "value": {"start": 8, "end": 11, "labels": ["CONSULT"]}},
        {"id": "g", "type": "labels", "value": {"start": 12, "end": 19, "labels": ["GPE"]}},
        {"id": "r", "type": "choices", "from_name": "markers", "value": {"choices": ["negated", "bogus"]}},
        {"id": "r", "type": "textarea", "from_name": "magnitude", "value": {"text": ["dead=3 arrested = 2"]}},
        {"from_id": "r", "to_id": "m1", "type": "relation", "labels": ["actor"]},
        {"from_id": "r", "to_id": "g", "type": "relation", "labels": ["place"]},
        {"from_id": "m1", "to_id": "g", "type": "relation", "labels": ["coref"]},
    ])
    items = result_items(result, text, {}, Sink(Report(), "t.json"))
    assert [(s.key, s.fragments, s.name) for s in items.spans] == [("m1", [(2, 6)], "region m1"), ("r", [(7, 10)], "region r"),
                                                                   ("g", [(11, 18)], "region g")]
    [event] = items.events
    assert (event.trigger, event.markers, event.magnitude) == ("r", ["negated"], {"dead": 3, "arrested": 2})
    assert event.roles == [Role("actor", "m1"), Role("place", "g")]
    assert items.links == [Link("coref", "m1", "g")]


# ---- the assembler ---------------------------------------------------------------------------


def test_entities_are_coref_components_with_claimed_and_fresh_ids():
    items = Items(
        spans=[mention("a", "أحمد علي", claim="m3", entity="e2", name="أحمد علي"), mention("b", "أحمد", 1, claim="m1", entity=""),
               mention("c", "علي", 1, claim="m3", entity="e7"), mention("d", "القاهرة", label="GPE", wikidata="Q85")],
        links=[Link("coref", "c", "b"), Link("coref", "b", "a")],  # a chain, drawn from the last mention
    )  # an empty entity field (a Label Studio text area left blank) claims nothing
    doc, report = run(items)
    assert [(e["id"], e["type"], e["name"], e["wikidata"], [m["id"] for m in e["mentions"]]) for e in doc.entities] == [
        ("e2", "PERS", "أحمد علي", None, ["m3", "m1", "m2"]), ("e1", "GPE", "القاهرة", "Q85", ["m4"])]
    assert [(p.code, p.message) for p in report.problems] == [("entities-merged", "c carries entity e7, merged into e2")]


def test_quotes_join_fragments_and_take_their_links():
    items = Items(
        spans=[mention("s", "أحمد علي"), Span("q", "Quote", [at("الزيارة مهمة")], "الزيارة مهمة", claim="q5"),
               Span("f", "Quote", [at("قال")], None), Span("cue", "Cue", [at("أضاف")], "أضاف"),
               Span("other", "Quote", [at("أحمد سيزور")], "أحمد سيزور", fields={"quote_type": "indirect", "speaker_kind": "pronoun"})],
        links=[Link("fragment", "f", "q"), Link("cue", "f", "cue"), Link("speaker", "q", "s"), Link("parent", "other", "f")],
    )
    doc, report = run(items)
    first, second = doc.quotes
    assert (first["id"], [c["text"] for c in first["content"]]) == ("q5", ["قال", "الزيارة مهمة"])  # in text order
    assert (first["type"], first["speaker"], first["speaker_kind"], first["cue"]["lemma"]) == ("direct", "e1", "named", "أضاف")
    assert (second["id"], second["type"], second["speaker_kind"], second["parent"]) == ("q1", "indirect", "pronoun", "q5")
    assert [p.code for p in report.problems] == ["quote-type-missing"]


def test_events_roles_and_claims():
    items = Items(
        spans=[mention("a", "أحمد علي"), mention("g", "القاهرة", label="GPE"), Span("t", "CONSULT", [at("سيزور")], "سيزور"),
               Span("t2", "AID", [at("قال")], "قال")],
        events=[EventItem("E1", "CONSULT", "t", line=5, claim="v2", roles=[Role("Actor2", "a", 5), Role("Place", "g", 5),
                                                                          Role("Weapon", "g", 5), Role("Actor", "t", 5)],
                          mode="visit", markers=["future"], magnitude={"dead": 1}),
                EventItem("E9", "Merge-org", "t2", line=6), EventItem("E3", "AID", "t2", line=7, claim="v2")],
    )
    doc, report = run(items)
    consult, aid = doc.events
    assert (consult["id"], consult["actor"], consult["arguments"], consult["mode"], consult["future"], consult["magnitude"]) == (
        "v2", ["e1"], [{"role": "place", "entity": "e2"}], "visit", True, {"dead": 1, "injured": None, "arrested": None})
    assert (aid["id"], aid["trigger"]["text"]) == ("v1", "قال")  # v2 is taken: the smallest free id
    assert [(p.code, p.line) for p in report.problems] == [("role-unknown", 5), ("relation-dangling", 5), ("label-unknown", 6)]


def test_placing_spans_trusts_moves_or_reports():
    start, end = at("القاهرة")
    items = Items(spans=[Span("ok", "GPE", [(start, end)], None, line=1),  # no surface: the offsets are trusted
                         Span("moved", "GPE", [(start - 2, end - 2)], "القاهرة", line=2),
                         Span("out", "GPE", [(start, 999)], "القاهرة", line=3),
                         Span("wrong", "GPE", [(start, end)], "بنغازي", line=4),
                         Span("split", "PERS", [(4, 8), (9, 12)], "أحمد علي", line=5)])
    doc, report = run(items)
    assert [[(m["start"], m["text"]) for m in e["mentions"]] for e in doc.entities] == [[(start, "القاهرة")], [(start, "القاهرة")]]
    assert [(p.level, p.code, p.line) for p in report.problems] == [
        ("warning", "span-moved", 2), ("error", "span-unplaced", 3), ("error", "span-unplaced", 4), ("error", "mention-discontinuous", 5)]
    assert report.repairs["spans re-anchored"] == 1


def test_ids_used_twice_and_unused_cues_are_reported():
    items = Items(spans=[mention("a", "أحمد علي"), mention("a", "القاهرة", label="GPE"), Span("c", "Cue", [at("قال")], "قال")],
                  links=[Link("speaker", "a", "c"), Link("frobnicate", "a", "c")])
    doc, report = run(items)
    assert [e["name"] for e in doc.entities] == ["أحمد علي"]
    assert [p.code for p in report.problems] == ["id-twice", "relation-dangling", "relation-dangling", "span-unused"]
    # the relations listed in the order the tools' configurations declare them
    assert report.problems[2].message.endswith("(coref, fragment, cue, speaker, speaker_span, addressee, parent)")
    assert report.dropped["Cue without a quote"] == 1


# ---- one rule, both formats ------------------------------------------------------------------


def test_brat_and_label_studio_follow_the_same_rules(tmp_path):
    """The same drawing in both tools gives the same layers and the same problems."""
    (tmp_path / "x-0000000000000001.txt").write_text(TEXT, encoding="utf-8")
    spans = {"T1": ("PERS", "أحمد علي", 0), "T2": ("PERS", "علي", 1), "T3": ("Quote", "الزيارة مهمة", 0),
             "T4": ("Cue", "قال", 0), "T5": ("CONSULT", "سيزور", 0), "T6": ("GPE", "القاهرة", 0)}
    relations = [("coref", "T2", "T1"), ("speaker", "T3", "T2"), ("actor", "T5", "T1"), ("place", "T5", "T6")]
    brat_name = {"coref": "Coref", "speaker": "Speaker"}
    ann = [f"{k}\t{label} {at(s, n)[0]} {at(s, n)[1]}\t{s}" for k, (label, s, n) in spans.items()]
    ann += [f"R{i}\t{brat_name[kind]} Arg1:{a} Arg2:{b}" for i, (kind, a, b) in enumerate(relations[:2], 1)]
    ann += ["E1\tCONSULT:T5 Actor:T1 Place:T6"]
    (tmp_path / "x-0000000000000001.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    result = [{"id": k, "type": "labels", "value": {"start": at(s, n)[0], "end": at(s, n)[1], "labels": [label]}}
              for k, (label, s, n) in spans.items()]
    result += [{"from_id": a, "to_id": b, "type": "relation", "labels": [kind]} for kind, a, b in relations]
    (tmp_path / "tasks.json").write_text(json.dumps([{"data": {"text": TEXT}, "annotations": [{"result": result}]}]), encoding="utf-8")
    brat_report, ls_report = Report(), Report()
    [from_brat] = read_brat(tmp_path, brat_report)
    [from_ls] = read_tasks(tmp_path / "tasks.json", ls_report)
    layers = lambda d: (d.entities, d.quotes, d.events)  # noqa: E731
    brat_layers, ls_layers = layers(from_brat), layers(from_ls)
    # brat's T numbers are mention claims (m1, m2, m6); Label Studio's random ids are not.
    assert [[m["id"] for m in e["mentions"]] for e in brat_layers[0]] == [["m1", "m2"], ["m6"]]
    assert [[m["id"] for m in e["mentions"]] for e in ls_layers[0]] == [["m1", "m2"], ["m3"]]
    for e in ls_layers[0] + brat_layers[0]:
        for m in e["mentions"]:
            m.pop("id")
    assert brat_layers == ls_layers
    assert [p.code for p in brat_report.problems] == [p.code for p in ls_report.problems] == ["quote-type-missing", "span-unused"]
    assert ls_report.problems[0].message == "task 1: region T3: quote has no quote type; direct assumed"
    assert brat_report.problems[0].message == "T3: quote has no quote type; direct assumed"

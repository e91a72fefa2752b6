"""`akhbar build`: the Hugging Face dataset folder, loaded back with `datasets` offline.

The corpora here are SYNTHETIC (tests/synthetic.py) except in the test that builds the real
corpus of this checkout.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import datasets  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from akhbar.cli import main  # noqa: E402
from akhbar.hf import CONFIGS  # noqa: E402
from akhbar.hf import build as B  # noqa: E402
from akhbar.hf import features as F  # noqa: E402
from akhbar.hf.card import to_names  # noqa: E402
from akhbar.paths import default_shards  # noqa: E402
from akhbar.provenance import sha256_file
from synthetic import synthetic_record, write_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _bare(record: dict) -> dict:
    """The same article without any annotation (as the real corpus is before annotation)."""
    r = copy.deepcopy(record)
    r["entities"], r["quotes"], r["events"] = [], [], []
    r["annotation"]["status"] = "draft"
    return r


def synthetic_corpus() -> list[dict]:
    # train: two annotated articles; validation: one without annotations (so quotes and
    # events have no validation rows); test: one annotated article.
    return [
        synthetic_record("synthetic-00000000000000a1", "train"),
        synthetic_record("synthetic-00000000000000a2", "train"),
        _bare(synthetic_record("synthetic-00000000000000b1", "validation")),
        synthetic_record("synthetic-00000000000000c1", "test"),
    ]


def load(folder: Path, config: str | None, cache: Path):
    return datasets.load_dataset(str(folder), config, cache_dir=str(cache))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of the synthetic corpus, shared by the read-only tests of this module. The
    records are written to two shards in reverse id order: the build must sort them."""
    root = tmp_path_factory.mktemp("root")
    records = synthetic_corpus()
    write_corpus(root, records[2:][::-1], shard="b.jsonl")
    write_corpus(root, records[:2][::-1], shard="a.jsonl")
    result = B.build(root / "out", root)
    assert result is not None
    return root / "out", records, result, tmp_path_factory.mktemp("hf-cache")


def _outermost(mentions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Independent of akhbar.hf.tokenize: spans not contained in another span."""
    spans = set(mentions)
    return sorted(s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans))


def _check_iob2(tags: list[str]) -> None:
    previous = "O"
    for tag in tags:
        if tag.startswith("I-"):
            assert previous != "O" and previous[2:] == tag[2:], f"{tag} after {previous}"
        previous = tag


# ---- loading every config --------------------------------------------------------------------


def test_every_config_loads_with_declared_features(built):
    out, records, _, cache = built
    for config in CONFIGS:
        ds = load(out, config, cache)
        for split in ds:
            assert ds[split].features == F.features(config), (config, split)
    # The default config is articles.
    assert load(out, None, cache)["train"].features == F.articles()


def test_class_labels(built):
    out, _, _, cache = built
    ner = load(out, "ner", cache)["train"].features
    names = ner["ner_tags"].feature.names
    assert names[0] == "O" and "B-PERS" in names and "I-GPE" in names
    assert ner["mentions"].feature["type"].names == F.articles()["entities"].feature["type"].names
    art = load(out, "articles", cache)["train"].features
    assert isinstance(art["entities"].feature["type"], datasets.ClassLabel)
    assert isinstance(art["quotes"].feature["type"], datasets.ClassLabel)
    assert isinstance(art["events"].feature["category"], datasets.ClassLabel)
    assert F.conll4_tag_names() == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def test_row_counts_match_the_corpus_and_empty_splits_are_omitted(built):
    out, records, _, cache = built
    by_split: dict[str, list[dict]] = {}
    for r in records:
        by_split.setdefault(r["split"], []).append(r)
    articles = load(out, "articles", cache)
    assert {s: len(d) for s, d in articles.items()} == {s: len(rs) for s, rs in by_split.items()}
    for config, field in (("quotes", "quotes"), ("events", "events")):
        expected = {s: sum(len(r[field]) for r in rs) for s, rs in by_split.items()}
        ds = load(out, config, cache)
        # The validation article has no quotes or events: that split is left out, not empty.
        assert {s: len(d) for s, d in ds.items()} == {s: n for s, n in expected.items() if n}
        assert not list((out / "data" / config).glob("validation*"))
    ner = load(out, "ner", cache)
    assert set(ner) == {"train", "validation", "test"}
    assert sorted({row["article_id"] for split in ner.values() for row in split}) == sorted(r["id"] for r in records)


def test_articles_round_trip_to_the_records(built):
    out, records, _, cache = built
    ds = load(out, "articles", cache)
    feats = F.articles()
    rows = [to_names(row, feats) for split in ("train", "validation", "test") for row in ds[split]]
    expected = sorted(records, key=lambda r: (["train", "validation", "test"].index(r["split"]), r["id"]))
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    for row, record in zip(rows, expected, strict=True):
        event_types = row.pop("event_types")
        assert row == record
        categories = {e["category"] for e in record["events"]}
        assert set(event_types) == categories and len(event_types) == len(categories)


def test_ner_tokens_offsets_and_iob2(built):
    out, records, _, cache = built
    texts = {r["id"]: r for r in records}
    ner = load(out, "ner", cache)
    conll = load(out, "ner_conll4", cache)
    names = ner["train"].features["ner_tags"].feature.names
    conll_names = conll["train"].features["ner_tags"].feature.names
    mapping = F.conll4_mapping()
    for split in ner:
        by_article: dict[str, list[dict]] = {}
        for row, crow in zip(ner[split], conll[split], strict=True):
            assert row["id"] == crow["id"] and row["tokens"] == crow["tokens"]
            by_article.setdefault(row["article_id"], []).append((row, crow))
        for article_id, pairs in by_article.items():
            record = texts[article_id]
            text = record["text"]
            tokens, b_starts, conll_b = [], [], []
            for row, crow in pairs:
                tags = [names[t] for t in row["ner_tags"]]
                ctags = [conll_names[t] for t in crow["ner_tags"]]
                assert len(tags) == len(row["tokens"]) == len(row["token_starts"]) == len(ctags)
                _check_iob2(tags)
                _check_iob2(ctags)
                for tok, s, e, tag, ctag in zip(row["tokens"], row["token_starts"], row["token_ends"], tags, ctags, strict=True):
                    assert text[s:e] == tok
                    tokens.append(tok)
                    if tag.startswith("B-"):
                        b_starts.append((s, e, tag[2:]))
                    if ctag.startswith("B-"):
                        conll_b.append((s, e, ctag[2:]))
            # No character is lost to tokenization: tokens are the text without whitespace.
            assert "".join(tokens) == "".join(text.split())
            # Every outermost mention yields exactly one B- tag, on the token holding its start.
            spans = [(m["start"], m["end"], e["type"]) for e in record["entities"] for m in e["mentions"]]
            top = _outermost([(s, e) for s, e, _ in spans])
            assert len(b_starts) == len(top)
            types = {(s, e): t for s, e, t in spans}
            for (ms, me), (ts, te, tag_type) in zip(top, b_starts, strict=True):
                assert ts <= ms < te and tag_type == types[(ms, me)]
            mapped = [(s, e) for s, e, t in spans if mapping[t]]
            assert len(conll_b) == len(_outermost(mapped))


def test_clitic_host_token_is_labelled(built):
    # The synthetic text has للجيش الليبي with the mention لجيش الليبي (ORG): the host
    # token للجيش gets B-ORG; the nested NORP mention الليبي is kept in `mentions`.
    out, _, _, cache = built
    ds = load(out, "ner", cache)["train"]
    names = ds.features["ner_tags"].feature.names
    row = next(r for r in ds if "للجيش" in r["tokens"])
    i = row["tokens"].index("للجيش")
    assert names[row["ner_tags"][i]] == "B-ORG" and names[row["ner_tags"][i + 1]] == "I-ORG"
    nested = [m for m in row["mentions"] if m["text"] == "الليبي"]
    assert nested and nested[0]["outermost"] is False


def test_quotes_and_events_rows(built):
    out, records, _, cache = built
    record = records[0]
    quotes = [q for q in load(out, "quotes", cache)["train"] if q["article_id"] == record["id"]]
    q1 = quotes[0]
    feats = F.quotes()
    assert feats["type"].int2str(q1["type"]) == "direct"
    assert q1["speaker_name"] == "أحمد علي" and feats["speaker_type"].int2str(q1["speaker_type"]) == "PERS"
    assert q1["cue_lemma"] == "قال" and q1["content"] == "التعاون مع ليبيا مستمر"
    assert q1["content"] in q1["paragraph"]
    assert record["text"][q1["paragraph_start"]:q1["paragraph_end"]] == q1["paragraph"]
    events = [v for v in load(out, "events", cache)["train"] if v["article_id"] == record["id"]]
    aid = events[0]
    assert F.events()["category"].int2str(aid["category"]) == "AID"
    assert [a["name"] for a in aid["actors"]] == ["مصر"] and [r["name"] for r in aid["recipients"]] == ["الجيش الليبي"]
    assert aid["future"] is True and aid["trigger_text"] in aid["sentence"]
    assert record["text"][aid["sentence_start"]:aid["sentence_end"]] == aid["sentence"]


# ---- the card and Croissant ------------------------------------------------------------------


def _front_matter(out: Path) -> dict:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_card_front_matter_and_sections(built):
    out, _, result, _ = built
    meta = _front_matter(out)
    assert meta["language"] == ["ar"]
    # The synthetic records are CC0-1.0 in both layers: one Hub licence id.
    assert meta["license"] == "cc0-1.0"
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert set(configs) == set(CONFIGS) and configs["articles"]["default"] is True
    for config in configs.values():
        for entry in config["data_files"]:
            assert list(out.glob(entry["path"])) == [out / f for f in result.stats.files(config["config_name"], entry["split"])]
    assert [s["split"] for s in configs["quotes"]["data_files"]] == ["train", "test"]
    info = {i["config_name"]: i for i in meta["dataset_info"]}
    entities = next(f for f in info["articles"]["features"] if f["name"] == "entities")
    assert "list" in entities  # list of structs, not the old `sequence:`
    assert {s["name"]: s["num_examples"] for s in info["ner"]["splits"]} == {
        s: result.stats.rows[("ner", s)] for s in ("train", "validation", "test")}
    for key in ("pretty_name", "task_categories", "task_ids", "size_categories", "annotations_creators"):
        assert meta[key]
    body = (out / "README.md").read_text(encoding="utf-8")
    for section in ("## Dataset Details", "## Uses", "## Dataset Structure", "## Dataset Creation",
                    "### Annotations", "## Bias, Risks, and Limitations", "## Citation", "### License"):
        assert section in body, section
    # A real example row per config: the first quote of the build, as stored.
    assert '"content": "التعاون مع ليبيا مستمر"' in body
    assert body.count("```json") == len(CONFIGS)


def test_custom_licence_is_other_with_name_and_link(tmp_path):
    r = synthetic_record()
    r["license"] = {"text": "LicenseRef-Akhbar-Research-Only", "annotations": "CC-BY-4.0"}
    write_corpus(tmp_path, [r])
    (tmp_path / "LICENSES").mkdir()
    (tmp_path / "LICENSES" / "LicenseRef-Akhbar-Research-Only.txt").write_text("Research use only (test text).\n")
    assert B.build(tmp_path / "out", tmp_path) is not None
    meta = _front_matter(tmp_path / "out")
    assert meta["license"] == "other"
    assert meta["license_name"] == "akhbar-research-only" and meta["license_link"] == "LICENSE.md"
    licence = (tmp_path / "out" / "LICENSE.md").read_text(encoding="utf-8")
    assert "Research use only (test text)." in licence and "CC-BY-4.0" in licence


def test_croissant_validates_and_loads(built):
    out, records, result, _ = built
    meta = json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    assert meta["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    files = {d["contentUrl"]: d["sha256"] for d in meta["distribution"] if d["@type"] == "cr:FileObject"}
    assert files == {p: sha256_file(out / p) for p in result.stats.sha256}
    assert set(files) == {str(p.relative_to(out)) for p in (out / "data").rglob("*.parquet")}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("mlcroissant")), "validate", "--jsonld", str(out / "croissant.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Done." in proc.stderr + proc.stdout
    assert "error" not in (proc.stderr + proc.stdout).lower().replace("errors=0", "")

    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(out / "croissant.json"))
    rows = list(dataset.records("ner_train"))
    assert len(rows) == result.stats.rows[("ner", "train")]
    first = rows[0]
    assert first["ner_train/article_id"].decode() == "synthetic-00000000000000a1"
    assert isinstance(first["ner_train/tokens"][0], bytes) and len(first["ner_train/tokens"]) == len(first["ner_train/ner_tags"])
    articles = list(dataset.records("articles_test"))
    assert [a["articles_test/id"].decode() for a in articles] == ["synthetic-00000000000000c1"]


# ---- determinism, streaming, atomicity --------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path, built):
    out, records, _, _ = built
    # Another root, other shard layout and order, another output path: the same bytes.
    root = tmp_path / "elsewhere"
    write_corpus(root, records, shard="all.jsonl")
    second = B.build(tmp_path / "second-out", root)
    assert second is not None
    first_tree, second_tree = _tree(out), _tree(tmp_path / "second-out")
    assert first_tree.keys() == second_tree.keys()
    for name in first_tree:
        assert first_tree[name] == second_tree[name], name
        assert str(tmp_path).encode() not in second_tree[name]
        assert str(out.parent).encode() not in first_tree[name]


def test_splits_are_written_as_files_of_row_groups(tmp_path, monkeypatch, built):
    # A split is written as files of ARTICLES_PER_FILE articles, each a row group per
    # ROW_GROUP_ARTICLES articles, named the way the Hub names shards; `datasets` and Croissant
    # read the files as one split with the same rows as a build in one file, and every file is
    # listed with its checksum.
    out, records, result, cache = built
    monkeypatch.setattr(B, "ARTICLES_PER_FILE", 2)
    monkeypatch.setattr(B, "ROW_GROUP_ARTICLES", 1)
    monkeypatch.setattr(B, "RUN_ARTICLES", 1)
    extra = synthetic_record("synthetic-00000000000000a3", "train")
    write_corpus(tmp_path, [*records, extra])
    parted = B.build(tmp_path / "out", tmp_path)
    assert parted is not None
    files = parted.stats.files("ner", "train")
    assert files == ["data/ner/train-00000-of-00002.parquet", "data/ner/train-00001-of-00002.parquet"]
    assert [pq.ParquetFile(tmp_path / "out" / f).num_row_groups for f in files] == [2, 1]
    # A split that fits in one file is one shard of one.
    assert parted.stats.files("articles", "test") == ["data/articles/test-00000-of-00001.parquet"]
    on_disk = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out" / "data").rglob("*")}
    assert not any(p.split("/")[-1].startswith(".") for p in on_disk)
    write_corpus(tmp_path / "one", [*records, extra])
    monkeypatch.undo()
    whole = B.build(tmp_path / "one" / "out", tmp_path / "one")
    for config in CONFIGS:
        for split in ("train", "validation", "test"):
            if whole.stats.rows.get((config, split)):
                a = load(tmp_path / "one" / "out", config, tmp_path / "cache")[split].to_list()
                b = load(tmp_path / "out", config, tmp_path / "cache")[split].to_list()
                assert a == b, (config, split)
    front = _front_matter(tmp_path / "out")
    ner = next(c for c in front["configs"] if c["config_name"] == "ner")
    assert {"split": "train", "path": "data/ner/train-*.parquet"} in ner["data_files"]
    info = next(c for c in front["dataset_info"] if c["config_name"] == "ner")
    assert info["download_size"] == sum((tmp_path / "out" / f).stat().st_size
                                        for s in ("train", "validation", "test") for f in parted.stats.files("ner", s))
    meta = json.loads((tmp_path / "out" / "croissant.json").read_text(encoding="utf-8"))
    listed = {d["contentUrl"]: d["sha256"] for d in meta["distribution"] if d["@type"] == "cr:FileObject"}
    assert listed == {p: sha256_file(tmp_path / "out" / p) for p in parted.stats.sha256}
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("mlcroissant")), "validate", "--jsonld", str(tmp_path / "out" / "croissant.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout

    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(tmp_path / "out" / "croissant.json"))
    ids = [r["ner_train/id"].decode() for r in dataset.records("ner_train")]
    assert sorted(ids) == sorted(r["id"] for r in load(tmp_path / "out", "ner", tmp_path / "cache")["train"].to_list())


def test_workers_write_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    # Several parts per split, written by two worker processes, against one process; row
    # groups made of several runs of articles.
    records = [synthetic_record(f"synthetic-{i:016x}", ["train", "validation", "train", "test"][i % 4]) for i in range(13)]
    write_corpus(tmp_path / "root", records)
    monkeypatch.setattr(B, "ARTICLES_PER_FILE", 4)
    monkeypatch.setattr(B, "ROW_GROUP_ARTICLES", 3)
    monkeypatch.setattr(B, "RUN_ARTICLES", 2)
    assert B.build(tmp_path / "one", tmp_path / "root", jobs=1) is not None
    monkeypatch.setattr(B, "PARALLEL_MIN_BYTES", 0)
    assert B.build(tmp_path / "two", tmp_path / "root", jobs=2) is not None
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    files = sorted((tmp_path / "two" / "data" / "ner").glob("train-*"))
    assert [pq.ParquetFile(f).metadata.num_rows for f in files] == [4 * 4, 3 * 4]  # 4 sentences an article
    assert [pq.ParquetFile(f).num_row_groups for f in files] == [2, 1]


def test_invalid_corpus_is_refused_and_the_old_build_kept(tmp_path, capsys):
    r = synthetic_record()
    write_corpus(tmp_path, [r])
    out = tmp_path / "out"
    assert main(["build", "--root", str(tmp_path), "--out", str(out)]) == 0
    before = _tree(out)
    r["entities"][0]["mentions"][0]["text"] = "غلط"
    write_corpus(tmp_path, [r])
    capsys.readouterr()
    assert main(["build", "--root", str(tmp_path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "span-text-mismatch" in err and "synthetic.jsonl" in err and "nothing was built" in err
    assert "Traceback" not in err
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_out_folder_that_is_not_a_build_is_not_replaced(tmp_path, capsys):
    write_corpus(tmp_path, [synthetic_record()])
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["build", "--root", str(tmp_path), "--out", str(out)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me" and not (out / "data").exists()


def test_cli_default_out_and_load_hint(tmp_path, capsys):
    write_corpus(tmp_path, [synthetic_record()])
    assert main(["build", "--root", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert (tmp_path / "build" / "hf" / "README.md").is_file()
    assert "load_dataset(" in printed and "articles: train 1" in printed


def test_cli_build_sets_the_allocator_environment_unless_the_user_chose(tmp_path, monkeypatch):
    # Read by pyarrow and glibc as a process starts: the build CLI sets them for itself and its
    # worker processes (Arrow's system allocator, two malloc arenas); a user's own choice wins.
    from akhbar.commands import build as command

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    write_corpus(tmp_path, [synthetic_record()])
    assert main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == command.ENVIRONMENT["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    assert os.environ["MALLOC_ARENA_MAX"] == "4"
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert os.environ["MALLOC_ARENA_MAX"] == "2"


def test_no_corpus_is_a_usage_error(tmp_path, capsys):
    assert main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no shards" in capsys.readouterr().err


# ---- push to hub (network replaced) ----------------------------------------------------------


class FakeHfApi:
    calls: list = []
    fail: Exception | None = None

    def create_repo(self, repo_id, **kwargs):
        FakeHfApi.calls.append(("create_repo", repo_id, kwargs))

    def upload_folder(self, **kwargs):
        if FakeHfApi.fail:
            raise FakeHfApi.fail
        files = sorted(str(p.relative_to(kwargs["folder_path"])) for p in Path(kwargs["folder_path"]).rglob("*") if p.is_file())
        FakeHfApi.calls.append(("upload_folder", kwargs, files))

        class Info:
            commit_url = f"https://huggingface.co/datasets/{kwargs['repo_id']}/commit/0000"

        return Info()


@pytest.fixture
def fake_hub(monkeypatch):
    import huggingface_hub

    FakeHfApi.calls, FakeHfApi.fail = [], None
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHfApi)
    return FakeHfApi


def test_push_to_hub_uploads_the_build(tmp_path, capsys, fake_hub):
    write_corpus(tmp_path, [synthetic_record()])
    out = tmp_path / "out"
    assert main(["build", "--root", str(tmp_path), "--out", str(out), "--push-to-hub", "akhbar-corpus/akhbar"]) == 0
    (kind, repo, kwargs), (kind2, upload, files) = fake_hub.calls
    assert kind == "create_repo" and repo == "akhbar-corpus/akhbar" and kwargs["repo_type"] == "dataset"
    assert kind2 == "upload_folder" and upload["repo_type"] == "dataset" and Path(upload["folder_path"]) == out
    assert upload["delete_patterns"] == ["data/**"]
    assert "README.md" in files and "croissant.json" in files and "data/articles/train-00000-of-00001.parquet" in files
    printed = capsys.readouterr().out
    assert "data/articles/train-00000-of-00001.parquet" in printed and "commit/0000" in printed


def test_push_to_hub_failure_is_a_message(tmp_path, capsys, fake_hub):
    write_corpus(tmp_path, [synthetic_record()])
    fake_hub.fail = RuntimeError("401 Unauthorized")
    assert main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out"), "--push-to-hub", "me/akhbar"]) == 2
    err = capsys.readouterr().err
    assert "401 Unauthorized" in err and "me/akhbar" in err and "Traceback" not in err


def test_bad_repo_id_is_refused_before_building(tmp_path, capsys, fake_hub):
    write_corpus(tmp_path, [synthetic_record()])
    assert main(["build", "--root", str(tmp_path), "--out", str(tmp_path / "out"), "--push-to-hub", "not a repo"]) == 2
    assert "repository id" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and fake_hub.calls == []


# ---- the real corpus -------------------------------------------------------------------------


def test_real_corpus_builds_and_round_trips(tmp_path):
    shards = default_shards(REPO)
    if not shards:
        pytest.skip("this checkout has no corpus shards")
    records = [json.loads(line) for shard in shards for line in shard.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = B.build(tmp_path / "out", REPO)
    assert result is not None
    out = tmp_path / "out"
    published = dict(result.stats.published())
    assert "articles" in published and "ner" in published
    ds = load(out, "articles", tmp_path / "cache")
    rows = {row["id"]: to_names(row, F.articles()) for split in ds.values() for row in split}
    assert sorted(rows) == sorted(r["id"] for r in records)
    for record in records:
        row = rows[record["id"]]
        row.pop("event_types")
        assert row == record
    # Configs without rows (no quotes or events annotated yet) are left out consistently.
    meta = _front_matter(out)
    assert {c["config_name"] for c in meta["configs"]} == set(published)
    for config in CONFIGS:
        assert (out / "data" / config).exists() == (config in published)
        if config in published:
            load(out, config, tmp_path / "cache")
    body = (out / "README.md").read_text(encoding="utf-8")
    if not any(r["entities"] for r in records):
        assert "No article of this build carries annotations yet" in body


def test_unsorted_shards_build_the_same_bytes(tmp_path):
    # Sorted shards are merged by id as they stream; an unsorted one (a warning, not an error)
    # falls back to the (id, shard, offset) index. Both give the same files.
    records = [synthetic_record("synthetic-00000000000000a1"), synthetic_record("synthetic-00000000000000b2"),
               synthetic_record("synthetic-00000000000000c3")]
    write_corpus(tmp_path / "sorted", records)
    write_corpus(tmp_path / "unsorted", records[::-1])
    assert B.build(tmp_path / "sorted" / "out", tmp_path / "sorted") is not None
    assert B.build(tmp_path / "unsorted" / "out", tmp_path / "unsorted") is not None
    assert _tree(tmp_path / "sorted" / "out") == _tree(tmp_path / "unsorted" / "out")


def test_card_shows_native_and_translated_articles_apart():
    from akhbar.hf.buildstats import BuildStats
    from akhbar.hf.card import native_and_translated

    stats = BuildStats()
    native = synthetic_record("synthetic-00000000000000a1", split="train")
    translated = synthetic_record("synthetic-00000000000000a2", split="test")
    translated["source"]["translation"] = {"from": "en", "outlet": "bbc", "document": "bbc.1"}
    assert native_and_translated(stats) == ""
    stats.add_record(native)
    assert native_and_translated(stats) == ""  # nothing translated: no section
    stats.add_record(translated)
    section = native_and_translated(stats)
    assert 'row["source"]["translation"] is None' in section
    assert "| native | 1 | 0 | 0 | 1 |" in section and "| translated | 0 | 0 | 1 | 1 |" in section


def test_card_gives_the_annotation_status_of_each_split():
    from akhbar.hf.buildstats import BuildStats
    from akhbar.hf.card import statuses_by_split

    stats = BuildStats()
    for n, (split, status) in enumerate([("train", "silver"), ("train", "gold"), ("train", "silver"),
                                         ("test", "gold"), ("validation", "draft")]):
        record = synthetic_record(f"synthetic-00000000000000b{n}", split=split)
        record["annotation"]["status"] = status
        stats.add_record(record)
    # splits and statuses in the inventories' order; a split's absent statuses are left out
    assert statuses_by_split(stats) == "train: gold 1, silver 2; validation: draft 1; test: gold 1"

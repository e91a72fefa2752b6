"""The collection adapters of `akhbar ingest --source` (tools/akhbar/adapters/).

The QCRI Wikinews file has no article separator: these tests pin the article count and every
headline with its line range and section, so a change to the headline rule that splits or
merges an article fails here. Tests on the real files skip without ../shared; the layout
rules are also tested on small SYNTHETIC files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from akhbar.adapters import ADAPTERS
from akhbar.adapters.base import LayoutError, strip_diacritics
from akhbar.adapters.wikinews_qcri import is_headline, split_articles
from akhbar.ingest import IngestError, ingest_collection

QCRI_HEADLINES = [
    (2, 3, 'ثقافة', 'فيلم جاذبية يتصدر ترشيحات جوائز الأكاديمية البريطانية لفنون الفيلم والتلفزيون'),
    (4, 12, 'ثقافة', 'اختتام مؤتمر ويكيمانيا 2013 في هونغ كونغ'),
    (13, 19, 'ثقافة', 'وفاة الشاعر السوري الكبير سليمان العيسى'),
    (20, 24, 'ثقافة', 'الخليجيون يرمون معظم غذائهم في رمضان في القمامة'),
    (25, 28, 'ثقافة', 'علماء آثار إسرائيليون يعتقدون باكتشافهم قصر النبي داود'),
    (29, 30, 'ثقافة', 'وفاة الداعية الإسلامي الكويتي عبد الرحمن السميط'),
    (31, 36, 'ثقافة', 'مقتل 28 شخصا في بنغلاديش خلال مظاهرات مطالبة بقانون يجرم " الكفر "'),
    (37, 43, 'ثقافة', 'ناشط حقوقي مغربي يصف رسائل النبي محمد إلى الملوك بالإرهابية'),
    (44, 48, 'ثقافة', 'انتخاب شوقي عبد الكريم مفتيا للديار المصرية'),
    (49, 55, 'ثقافة', 'جماعة العدل والإحسان تنتخب محمد عبادي أمينا عاما لها'),
    (57, 61, 'صحة', '55 حالة وفاة بفيروس كورونا في السعودية حتى الآن'),
    (62, 76, 'صحة', 'دراسة طبية تؤكد أن الرجال أكثر عرضة للإصابة بمرض سرطان الجلد'),
    (77, 82, 'صحة', 'دراسة تجريبية تشير أن الغناء قد يفيد في علاج الشخير'),
    (83, 86, 'صحة', 'بنيامين نتنياهو يخضع لعملية فتق سري'),
    (87, 91, 'صحة', 'الأمير ويليام وزوجته الأميرة كيت يرزقان بمولود ذكر'),
    (92, 96, 'صحة', 'أول ثلاث حالات للإصابة بإنفلونزا الخنازير في اليابان'),
    (97, 101, 'صحة', 'إنفلونزا الخنازير تودي بأول ضحاياها في المملكة المتحدة'),
    (102, 106, 'صحة', 'منظمة الصحة العالمية تقول إن إنفلونزا الخنزير قد يتحول إلى وباء'),
    (107, 110, 'صحة', 'مصر تسجل أول حالة وفاة بإنفلونزا الخنازير'),
    (111, 115, 'صحة', 'مصالح الصحة في مصر تقرر ذبح كل رؤوس الخنازير'),
    (117, 119, 'سياسة', 'القاعدة تعلن تشكيل فرع جديد لها وهو تنظيم القاعدة الإلكتروني'),
    (120, 121, 'سياسة', 'ستافان دي ميستورا خلفا للإبراهيمي كمبعوث للأمم المتحدة لسوريا'),
    (122, 130, 'سياسة', 'انتخاب هادي البحرة رئيسا للائتلاف السوري المعارض'),
    (131, 139, 'سياسة', 'جنوب السودان يحتفل بالذكرى الثالثة لاستقلاله وسط أزمة إنسانية'),
    (140, 144, 'سياسة', 'الاتحاد الأوروبي يقرر تخفيض العقوبات على إيران'),
    (145, 151, 'سياسة', 'سيدا في أبو ظبي والمجلس الوطني يبحث تشكيل حكومة انتقالية'),
    (152, 155, 'سياسة', 'تسليم جائزة اليونسكو لحرية الصحافة في تونس'),
    (156, 157, 'سياسة', 'مدعي الجنائية الدولية قدم معلومات مغلوطة عن دارفور'),
    (158, 161, 'سياسة', 'حركة العدل والمساواة المتمردة تحبط عملية السلام بسبب طرد منظمات الإغاثة الدولية'),
    (162, 164, 'سياسة', 'خفض أوبك لإنتاجها يرفع سعر النفط من جديد إلى أكثر من 45 دولارا للبرميل'),
    (166, 175, 'علوم', 'فيسبوك تستحوذ على تطبيق واتس آب مقابل 19 مليار دولار'),
    (176, 178, 'علوم', 'اكتشاف ستة كواكب منها ثلاثة على الأقل صالحة للسكنى'),
    (179, 184, 'علوم', 'فوياجر 1 تجتاز حافة النظام الشمسي'),
    (185, 189, 'علوم', 'اليابان ترسل أول روبوت متكلم إلى الفضاء'),
    (190, 199, 'علوم', 'دراسة تتناول أكثر مواضيع ويكيبيديا إثارة لحروب التحرير'),
    (200, 204, 'علوم', 'شركة فايبر تطلق نسخا للحواسيب الشخصية'),
    (206, 212, 'علوم', 'طيار ألماني سابق يبتكر تطبيق أندرويد يسمح باختطاف طائرة بواسطة هاتف ذكي'),
    (213, 217, 'علوم', 'إسرائيل تواجه أكبر عملية قرصنة إلكترونية يشنها نشطاء فلسطينيون'),
    (218, 223, 'علوم', 'سامسونج تعلن عن هاتفها الذكي الجديد جالكسي إس 4'),
    (224, 228, 'علوم', 'اكتشاف فيروس ميني فليم يصيب الحواسيب في إيران ولبنان'),
    (230, 233, 'رياضة', 'السعودي الراجحي يحرز المركز الأول في رالي روسيا'),
    (234, 240, 'رياضة', 'فارجاس ينضم لفالنسيا رسميا'),
    (241, 245, 'رياضة', 'باتريسيو يقول: رونالدو لاعب استثنائي وسعيد بفوزه بالكرة الذهبية'),
    (246, 253, 'رياضة', 'إنتر ميلان يقع في فخ التعادل مع كييفو في الكالتشيو'),
    (254, 258, 'رياضة', 'بلاتر يعترف بخطأ اختيار قطر لاحتضان مونديال 2022 في الصيف'),
    (259, 262, 'رياضة', 'إشبيلية الأسباني يتوج بطلا للدوري الأوروبي'),
    (263, 264, 'رياضة', 'كورة: إبراهيم والخالدي والجلاهمة وجمعة نجوم 2013'),
    (265, 266, 'رياضة', 'الأحد القادم الأهلي يسعى للحفاظ على رقمه القياسي باليابان'),
    (267, 275, 'رياضة', 'لقاء الدوري الجزائري بين وفاق سطيف وأهلي البرج لم يتم والسبب الحقيقي مجهول'),
    (276, 286, 'رياضة', 'بتروجيت يتعادل مع الأهلي ويحافظ على آماله في المنافسة بالدوري المصري'),
    (288, 290, 'فن', 'هاري بوتر والأمير الهجين متقن في بدايته ونهايته'),
    (291, 292, 'فن', 'كارول سماحة بين المغرب ومصر ولبنان'),
    (294, 299, 'فن', 'فيلم " ذرة " للمخرج التركي أردم طبغوز أفضل أفلام مهرجان موسكو السينمائي الدولي'),
    (300, 312, 'فن', 'فوز فيلم آرغو بجائزة أفضل فيلم في حفل الأوسكار لعام 2013'),
    (313, 318, 'فن', 'مهرجان برلين السينمائي يختتم بفوز الفيلم الروماني " وضعية الطفل "'),
    (319, 322, 'فن', 'وفاة الموسيقار المصري عمار الشريعي'),
    (323, 326, 'فن', 'حفل تكريم وردة الجزائرية في أوبرا دمشق'),
    (327, 331, 'فن', 'وفاة روبن غيب مغني فرقة بي جيز'),
    (332, 353, 'فن', 'مارسيل خليفة يهدي أمسيته في قرطاج إلى محمود درويش'),
    (354, 355, 'فن', 'عدة أسئلة لا تزال من دون رد بعد شهر على رحيل مايكل جاكسون'),
    (357, 363, 'اقتصاد', 'قطاع غزة يترنح بعد إغلاق مصر 80 % من الأنفاق'),
    (364, 371, 'اقتصاد', 'مشاورات في الاتحاد الأوروبي حول فرض ملصقات على السلع المنتجة في المستوطنات الإسرائيلية'),
    (372, 382, 'اقتصاد', 'الأمم المتحدة تشير إلى تدهور الأمن الغذائي في سوريا'),
    (383, 387, 'اقتصاد', 'ديلما روسيف تقترح استفتاء على تشكيل جمعية تأسيسية لإجراء الإصلاح'),
    (388, 393, 'اقتصاد', 'بشار الأسد يصدر مرسومين بزيادة رواتب العاملين المدنيين والعسكريين ومعاشات المتقاعدين'),
    (394, 398, 'اقتصاد', 'اليسار الديمقراطي ينسحب من الائتلاف الحكومي بعد فشل المحادثات حول الراديو والتلفزيون الوطني اليوناني'),
    (399, 405, 'اقتصاد', 'الصين ترفض العقوبات الأمريكية على النفط الإيراني'),
    (406, 410, 'اقتصاد', 'أسعار النفط تتراجع عن مستوى 70 دولارا'),
    (411, 416, 'اقتصاد', 'تحطم طائرة ركاب قرب مطار إسلام آباد'),
    (417, 422, 'اقتصاد', 'حريق هائل يشل مطار نيروبي في كينيا'),
]


def test_qcri_file_splits_into_the_pinned_articles(shared_dir):
    articles = ADAPTERS["wikinews-ar-qcri"].read(shared_dir / "external" / "wikinews-ar-qcri")
    assert [(a.lines[0], a.lines[1], a.section, a.title) for a in articles] == QCRI_HEADLINES
    assert len(articles) == 70
    # The in-article subheadings of the Algerian league report stay inside it.
    league = next(a for a in articles if a.lines == (267, 275))
    assert "أقوال وفاق سطيف" in league.paragraphs and "النتائج" in league.paragraphs


def test_qcri_text_is_the_raw_lines_without_diacritics(shared_dir):
    folder = shared_dir / "external" / "wikinews-ar-qcri"
    raw_lines = (folder / "WikiNewsTruth.txt").read_text(encoding="utf-8").split("\n")
    for article in ADAPTERS["wikinews-ar-qcri"].read(folder):
        first, last = article.lines
        expected = [strip_diacritics(line).strip() for line in raw_lines[first - 1:last]]
        assert article.text == "\n".join(line for line in expected if line)
        assert not any("\u064b" <= ch <= "\u0652" or ch == "\u0670" for ch in article.text)


def test_mewsli_article_keeps_url_revision_and_wikidata(shared_dir):
    [article] = ADAPTERS["wikinews-ar-mewsli"].read(shared_dir / "external" / "wikinews-ar-mewsli")
    assert article.title == "قائد الحرس الثوري الإيراني يزور الجزر الثلاث"
    assert article.url == "https://ar.wikinews.org/wiki?curid=13828" and article.revision == "40840"
    assert article.wikidata == {"أبو موسى": "Q167217", "طنب الصغرى": "Q3447452"}


@pytest.mark.parametrize("line, expected", [
    ("مقتل 28 شخصا في بنغلاديش خلال مظاهرات مطالبة بقانون يجرم \" الكفر \"", True),  # ends with a quotation mark
    ("كورة: إبراهيم والخالدي والجلاهمة وجمعة نجوم 2013", True),  # a colon inside
    ("أما الجوائز الأخرى التي ظفر بها عدد من الممثلين والأفلام الأخرى فكانت:", False),  # colon before a list
    ("أقوال وفاق سطيف", False),  # a three-word subheading
    ("فارجاس ينضم لفالنسيا رسميا", True),  # the shortest headline: four words
])
def test_headline_rule(line, expected):
    assert is_headline(line) is expected


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_synthetic_layout(tmp_path):
    # SYNTHETIC text in the file's layout: diacritics on, a subheading, an empty line.
    raw = write(tmp_path / "WikiNewsTruth.txt", [
        "# عُلُوم", "خَبَرٌ أَوَّلُ عَنْ شَيْءٍ مَا", "فِقْرَةٌ أُولَى.", "", "عنوان فرعي", "فِقْرَةٌ ثانية.",
        "# فن", "خبر ثان عن شيء آخر هنا", "فقرة.",
    ])
    first, second = split_articles(raw)
    assert (first.section, first.title, first.lines) == ("علوم", "خبر أول عن شيء ما", (2, 6))
    assert first.paragraphs == ["فقرة أولى.", "عنوان فرعي", "فقرة ثانية."]
    assert (second.section, second.lines) == ("فن", (8, 9))


@pytest.mark.parametrize("lines, where", [
    (["خبر بلا قسم في أول الملف", "فقرة."], ":1:"),
    (["# علوم", "فقرة تبدأ القسم بلا عنوان."], ":2:"),
    (["# علوم", "خبر أول عن شيء ما", "# فن", "خبر ثان عن شيء آخر", "فقرة."], ":2:"),
])
def test_layout_errors_name_the_line(tmp_path, lines, where):
    raw = write(tmp_path / "WikiNewsTruth.txt", lines)
    with pytest.raises(LayoutError, match=where):
        split_articles(raw)


def test_ingest_collection_writes_drafts_and_is_idempotent(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder / "WikiNewsTruth.txt", ["# علوم", "خبر أول عن شيء ما", "فقرة أولى.", "# فن", "خبر ثان عن شيء آخر", "فقرة."])
    root = tmp_path / "repo"
    added, shard = ingest_collection("wikinews-ar-qcri", folder, root, date="2026-11-29")
    assert len(added) == 2 and shard == root / "corpus" / "articles" / "wikinews.jsonl"
    record = json.loads(shard.read_text(encoding="utf-8").splitlines()[0])
    assert record["source"]["raw_file"] == "corpus/raw/wikinews-ar-qcri/WikiNewsTruth.txt"
    assert record["source"]["locator"]["lines"] in ([2, 3], [5, 6])
    assert record["license"] == {"text": "CC-BY-2.5", "attribution": "Wikinews contributors", "annotations": "CC-BY-4.0"}
    assert record["annotation"]["layers"] == {"entities": "pending", "quotes": "pending", "events": "pending"}
    assert record["blocks"][0]["kind"] == "headline" and record["title"] == record["text"].split("\n")[0]
    assert (root / record["source"]["raw_file"]).read_bytes() == (folder / "WikiNewsTruth.txt").read_bytes()
    again, _ = ingest_collection("wikinews-ar-qcri", folder, root, date="2026-11-29")
    assert again == []


def test_ingest_collection_refuses_unknown_source_and_changed_raw(tmp_path):
    with pytest.raises(IngestError, match="unknown source"):
        ingest_collection("no-such-source", tmp_path, tmp_path)
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder / "WikiNewsTruth.txt", ["# علوم", "خبر أول عن شيء ما", "فقرة أولى."])
    root = tmp_path / "repo"
    ingest_collection("wikinews-ar-qcri", folder, root)
    write(folder / "WikiNewsTruth.txt", ["# علوم", "خبر أول عن شيء آخر", "فقرة أولى."])
    with pytest.raises(IngestError, match="different content"):
        ingest_collection("wikinews-ar-qcri", folder, root)


def test_ntrex_documents_are_translations_with_their_lines(shared_dir):
    folder = shared_dir / "external" / "ntrex-128-arb"
    articles = ADAPTERS["ntrex-128-arb"].read(folder)
    assert len(articles) == 123
    # the documents tile the file: consecutive line ranges from 1 to 1997
    assert articles[0].lines[0] == 1 and articles[-1].lines[1] == 1997
    assert all(a.lines[1] + 1 == b.lines[0] for a, b in zip(articles, articles[1:], strict=False))
    first = articles[0]
    assert first.translation == {"from": "en", "outlet": "bbc", "document": "bbc.381790"}
    assert first.title == "أعرب أعضاء جمعية ويلز الوطنية عن قلقهم من \"أنهم يبدون كالدمى\""
    assert {a.translation["outlet"] for a in articles} >= {"bbc", "reuters", "nytimes", "guardian"}
    assert not any("\u00a0" in a.text for a in articles)
    assert sum(len(a.text.split()) for a in articles) > 38000


def test_ntrex_refuses_misaligned_or_interleaved_files(tmp_path):
    ar, ids = tmp_path / "newstest2019-ref.arb.txt", tmp_path / "DOCUMENT_IDS.tsv"
    write(ar, ["عنوان أول", "جملة.", "عنوان ثان"])  # SYNTHETIC
    write(ids, ["bbc.1", "bbc.1"])
    with pytest.raises(LayoutError, match="line-aligned"):
        ADAPTERS["ntrex-128-arb"].read(tmp_path)
    write(ids, ["bbc.1", "cnn.2", "bbc.1"])
    with pytest.raises(LayoutError, match="appears again"):
        ADAPTERS["ntrex-128-arb"].read(tmp_path)
    write(ids, ["bbc.1", "bbc.1", "cnn.2"])
    first, second = ADAPTERS["ntrex-128-arb"].read(tmp_path)
    assert (first.title, first.paragraphs, first.lines) == ("عنوان أول", ["جملة."], (1, 2))
    assert second.translation == {"from": "en", "outlet": "cnn", "document": "cnn.2"}


def test_ntrex_records_have_no_headings(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder / "newstest2019-ref.arb.txt", ["عنوان الخبر هنا", "جملة أولى.", "سأكون معك", "جملة أخيرة."])  # SYNTHETIC
    write(folder / "DOCUMENT_IDS.tsv", ["reuters.7"] * 4)
    (folder / "LICENSE.md").write_text("CC BY-SA 4.0\n", encoding="utf-8")
    added, shard = ingest_collection("ntrex-128-arb", folder, tmp_path / "repo")
    [record] = added
    assert [b["kind"] for b in record["blocks"]] == ["headline", "lede", "paragraph", "paragraph"]
    assert record["source"]["translation"]["document"] == "reuters.7" and record["id"].startswith("ntrex-")
    assert record["license"]["text"] == "CC-BY-SA-4.0"
    assert (tmp_path / "repo" / "corpus" / "raw" / "ntrex-128-arb" / "DOCUMENT_IDS.tsv").is_file()


def test_ntrex_segment_markup_is_removed_and_said(tmp_path):
    write(tmp_path / "newstest2019-ref.arb.txt", ['<seg id="1">عنوان الخبر', "جملة.", "عنوان آخر", "جملة ثانية.</seg>"])  # SYNTHETIC
    write(tmp_path / "DOCUMENT_IDS.tsv", ["bbc.1", "bbc.1", "cnn.2", "cnn.2"])
    (tmp_path / "LICENSE.md").write_text("CC BY-SA 4.0\n", encoding="utf-8")
    first, second = ADAPTERS["ntrex-128-arb"].read(tmp_path)
    assert (first.title, first.paragraphs, second.paragraphs) == ("عنوان الخبر", ["جملة."], ["جملة ثانية."])
    assert first.text_derivation.endswith("segment markup (<seg id=\"…\">, </seg>) left in the source removed")
    assert second.text_derivation.endswith("removed")


def test_ntrex_article_whose_text_was_corrected_keeps_its_record(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder / "newstest2019-ref.arb.txt", ['<seg id="1">عنوان الخبر', "جملة."])  # SYNTHETIC
    write(folder / "DOCUMENT_IDS.tsv", ["bbc.1", "bbc.1"])
    (folder / "LICENSE.md").write_text("CC BY-SA 4.0\n", encoding="utf-8")
    root = tmp_path / "repo"
    [record] = ingest_collection("ntrex-128-arb", folder, root)[0]
    # The same lines ingested earlier, before the markup was removed: another text, so another id.
    shard = root / "corpus" / "articles" / "ntrex.jsonl"
    earlier = dict(record, id="ntrex-0123456789abcdef")
    shard.write_text(json.dumps(earlier, ensure_ascii=False) + "\n", encoding="utf-8")
    added, _ = ingest_collection("ntrex-128-arb", folder, root)
    assert added == [] and [json.loads(line)["id"] for line in shard.read_text(encoding="utf-8").splitlines()] == [earlier["id"]]


@pytest.mark.parametrize("source", ["x", {"raw_file": 3, "locator": {"lines": [1, 2]}},
                                    {"raw_file": "r.txt", "locator": "x"}, {"raw_file": "r.txt", "locator": {"lines": 5}},
                                    {"raw_file": "r.txt", "locator": {"lines": [[1], 2]}}])
def test_ingest_collection_ignores_a_malformed_place_in_the_shard(tmp_path, source):
    # The shard is parsed, not validated, before articles are added: a record whose source
    # does not say where it came from is only not recognised by its place.
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder / "newstest2019-ref.arb.txt", ["عنوان الخبر", "جملة."])  # SYNTHETIC
    write(folder / "DOCUMENT_IDS.tsv", ["bbc.1", "bbc.1"])
    (folder / "LICENSE.md").write_text("CC BY-SA 4.0\n", encoding="utf-8")
    shard = tmp_path / "repo" / "corpus" / "articles" / "ntrex.jsonl"
    shard.parent.mkdir(parents=True)
    shard.write_text(json.dumps({"id": "ntrex-0123456789abcdef", "source": source}) + "\n", encoding="utf-8")
    added, _ = ingest_collection("ntrex-128-arb", folder, tmp_path / "repo")
    assert len(added) == 1

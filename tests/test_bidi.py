"""Arabic runs inside English pages are isolated right to left; code, attributes and blocks
that already set a direction are left alone."""

from akhbar.bidi import isolate_arabic


def test_runs_in_prose_are_wrapped_with_their_guillemets():
    html = "<p>Each cue («وأضاف»، «مشيراً إلى أن») opens a quote.</p>"
    out = isolate_arabic(html)
    assert out == '<p>Each cue (<span dir="rtl" lang="ar">«وأضاف»، «مشيراً إلى أن»</span>) opens a quote.</p>'


def test_code_attributes_and_rtl_blocks_are_untouched():
    html = ('<div dir="rtl" lang="ar"><p>وقال <mark>محمد</mark></p></div>'
            '<pre><code>"text": "وقال"</code></pre><a title="قال">link</a><p>plain English.</p>')
    assert isolate_arabic(html) == html


def test_wrapping_is_idempotent_and_keeps_all_text():
    html = '<ul><li>speech: قال، أضاف، أوضح;</li><li>«لجيش الليبي» (H-E1)</li></ul>'
    once = isolate_arabic(html)
    assert isolate_arabic(once) == once
    assert once.count('<span dir="rtl" lang="ar">') == 2
    strip = lambda s: __import__("re").sub("<[^>]+>", "", s)  # noqa: E731
    assert strip(once) == strip(html)


def test_a_phrase_with_inline_markup_is_one_isolate():
    html = "<td>cue: «رغبة مصرية في <strong>مساعدة</strong> الجيش الليبي» (H-V1)</td>"
    assert isolate_arabic(html) == ('<td>cue: <span dir="rtl" lang="ar">«رغبة مصرية في <strong>مساعدة</strong> '
                                    'الجيش الليبي»</span> (H-V1)</td>')
    html = "<p>«إذ بلغت عائداته <mark>حوالي 304 مليون يورو</mark>» and «قال <code>x</code>»</p>"
    assert isolate_arabic(html).count('<span dir="rtl" lang="ar">') == 2
    assert '<span dir="rtl" lang="ar">«إذ بلغت عائداته <mark>حوالي 304 مليون يورو</mark>»</span>' in isolate_arabic(html)


def test_a_quotation_with_latin_inside_is_one_isolate_and_slashed_alternatives_stay_apart():
    out = isolate_arabic("<p>relayed («بحسب X»، «نقلت X عن Y قوله») and «أ» / «ب»</p>")
    assert '<span dir="rtl" lang="ar">«بحسب X»، «نقلت X عن Y قوله»</span>)' in out
    assert '<span dir="rtl" lang="ar">«أ»</span> / <span dir="rtl" lang="ar">«ب»</span>' in out


def test_markup_that_does_not_nest_falls_back_to_pieces_and_code_is_never_split():
    out = isolate_arabic("<p><strong>«قال</strong> محمد» <em>end</em></p>")
    assert out == '<p><span dir="rtl" lang="ar"><strong>«قال</strong> محمد»</span> <em>end</em></p>'
    out = isolate_arabic("<p><em>x «قال</em> محمد» y</p>")  # cannot nest: each piece alone
    assert out == '<p><em>x <span dir="rtl" lang="ar">«قال</span></em> <span dir="rtl" lang="ar">محمد»</span> y</p>'
    html = '<p>field <code>"text": "وقال"</code></p>'
    assert isolate_arabic(html) == html


def test_plain_marks_for_text_without_markup():
    from akhbar.bidi import PLAIN_MARKS

    assert isolate_arabic("H-E8 — «تنظيم داعش»", PLAIN_MARKS) == "H-E8 — \u2067«تنظيم داعش»\u2069"

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

"""The site in a real browser: headless Chromium lays the Arabic examples of a guideline page
and the rendered example out right-to-left. Chromium is Debian's package (.ci/run installs
it where missing); the test skips cleanly where it is not installed."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client (dev extra) is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# Direction, and where the first line of text sits inside its element: right-to-left text
# starts at the element's right edge.
PROBE = """(() => {
  const el = document.querySelector(%s);
  if (!el) return JSON.stringify({found: false});
  const box = el.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(el);
  const line = range.getClientRects()[0];
  return JSON.stringify({found: true, direction: getComputedStyle(el).direction,
                         boxLeft: box.left, boxRight: box.right, lineLeft: line.left, lineRight: line.right});
})()"""


class Browser:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", f"--remote-debugging-port={self.port}",
             "--window-size=1200,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        # Poll the DevTools endpoint (loopback only) until the browser answers.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version", timeout=2):
                    break
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            self.close()
            pytest.skip("chromium did not start its DevTools endpoint")
        if self.process.poll() is not None:
            pytest.skip("chromium exited at start")
        self._id = 0

    def open(self, url: str):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?{url}", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            target = json.load(response)
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=10)
        # The new tab starts on about:blank, which is already "complete": wait for the page.
        deadline = time.monotonic() + 20
        ready = f"location.href === {json.dumps(url)} && document.readyState === 'complete'"
        while not self.evaluate(ws, ready) and time.monotonic() < deadline:
            time.sleep(0.1)
        return ws

    def evaluate(self, ws, expression: str):
        self._id += 1
        ws.send(json.dumps({"id": self._id, "method": "Runtime.evaluate",
                            "params": {"expression": expression, "returnByValue": True}}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == self._id:
                return message["result"]["result"].get("value")

    def close(self):
        self.process.kill()
        self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path)
    yield b
    b.close()


def probe(browser, url: str, selector: str) -> dict:
    ws = browser.open(url)
    try:
        return json.loads(browser.evaluate(ws, PROBE % json.dumps(selector)))
    finally:
        ws.close()


def assert_right_to_left(found: dict) -> None:
    assert found["found"]
    assert found["direction"] == "rtl"
    # The first line hugs the right edge of its box and leaves any slack on the left.
    assert abs(found["boxRight"] - found["lineRight"]) < 24, found
    assert found["lineLeft"] - found["boxLeft"] >= abs(found["boxRight"] - found["lineRight"]), found


def test_guideline_examples_are_laid_out_right_to_left(site, browser):
    """The rendered examples (akhbar.examples) of the entity, quote and event pages."""
    for name in ("entities", "quotes", "events"):
        page = site / "guidelines" / name / "index.html"
        assert_right_to_left(probe(browser, page.as_uri(), 'figure.akhbar-ex div.akhbar-ex-text[dir="rtl"][lang="ar"]'))


def test_rendered_example_is_laid_out_right_to_left(site, browser):
    page = site / "examples" / "elaph-46fbcfd5b2c865c7.html"
    found = probe(browser, page.as_uri(), "p.block")  # the article's paragraphs
    assert_right_to_left(found)
    ws = browser.open(page.as_uri())
    try:
        assert browser.evaluate(ws, "getComputedStyle(document.documentElement).direction") == "rtl"
    finally:
        ws.close()


# Where the opening « and the closing » of the first isolate holding inline markup are drawn.
GUILLEMETS = """(() => {
  const span = [...document.querySelectorAll('span[dir="rtl"][lang="ar"]')]
    .find(s => s.querySelector('strong, mark') && s.textContent.trim().startsWith('«') && s.textContent.trim().endsWith('»'));
  if (!span) return JSON.stringify({found: false});
  const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const rect = (node, index) => { const r = document.createRange(); r.setStart(node, index); r.setEnd(node, index + 1);
                                  return r.getBoundingClientRect(); };
  const first = nodes.find(n => n.data.includes('«')), last = [...nodes].reverse().find(n => n.data.includes('»'));
  const open = rect(first, first.data.indexOf('«')), close = rect(last, last.data.lastIndexOf('»'));
  return JSON.stringify({found: true, text: span.textContent, openLeft: open.left, closeLeft: close.left,
                         sameLine: Math.abs(open.top - close.top) < 4});
})()"""


def test_a_quotation_with_bold_inside_reads_right_to_left(site, browser):
    """The events page's trigger examples bold the trigger inside a «…» phrase: the phrase is
    one isolate, so « is drawn at its right end and » at its left end."""
    page = site / "guidelines" / "events" / "index.html"
    ws = browser.open(page.as_uri())
    try:
        found = json.loads(browser.evaluate(ws, GUILLEMETS))
    finally:
        ws.close()
    assert found["found"]
    if found["sameLine"]:
        assert found["openLeft"] > found["closeLeft"], found


def test_tables_fit_their_box(site, browser):
    """Wide tables (performance, agreement, labels) fit the content column at 1200 px."""
    overflowing = {}
    for name in ("performance", "reference/labels", "agreement"):
        ws = browser.open((site / name / "index.html").as_uri())
        try:
            # a table too wide for its box makes its scrolling wrapper (or itself) scroll
            wide = browser.evaluate(ws, "[...document.querySelectorAll('.md-content table, .md-typeset__scrollwrap')]"
                                        ".filter(t => t.scrollWidth > t.clientWidth + 1).length")
        finally:
            ws.close()
        if wide:
            overflowing[name] = wide
    assert overflowing == {}


def test_rendered_example_opens_on_the_text(site, browser):
    page = site / "examples" / "elaph-46fbcfd5b2c865c7.html"
    ws = browser.open(page.as_uri())
    try:
        top = browser.evaluate(ws, "document.querySelector('p.block').getBoundingClientRect().top")
        height = browser.evaluate(ws, "window.innerHeight")
    finally:
        ws.close()
    assert top < height / 2


def test_search_finds_every_page_with_the_commonest_cue_verb(site, browser):
    """Searching «قال» in the site's own search (served over loopback: its worker does not run
    from file://) lists every page whose indexed text has the word."""
    import functools
    import re
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import quote

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    expected = set()
    for doc in index["docs"]:
        words = re.split(index["config"]["separator"], re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"]))
        if "قال" in words:
            expected.add(doc["location"].split("#")[0])
    assert len(expected) >= 5

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        ws = browser.open(base + "?q=" + quote("«قال»"))
        try:
            found = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                found = browser.evaluate(ws, "[...document.querySelectorAll('.md-search-result__item > a')]"
                                             ".map(a => a.getAttribute('href'))") or []
                if found:
                    break
                time.sleep(0.3)
            # Material shows ten results and renders more as the list is scrolled
            while time.monotonic() < deadline:
                browser.evaluate(ws, "document.querySelector('.md-search__scrollwrap').scrollTop = 1e6")
                time.sleep(0.5)
                more = browser.evaluate(ws, "[...document.querySelectorAll('.md-search-result__item > a')]"
                                            ".map(a => a.getAttribute('href'))") or []
                if len(more) == len(found):
                    break
                found = more
        finally:
            ws.close()
    finally:
        server.shutdown()
        server.server_close()
    pages = {href.removeprefix(base).split("#")[0] for href in found}
    assert expected <= pages, sorted(expected - pages)

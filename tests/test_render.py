"""The annotated-article view: escaping, structure, and a real browser (headless Chromium)."""
from __future__ import annotations

import html.parser
import os
import shutil
import subprocess

import pytest

from analysis import paths
from analysis.corpus import Article
from analysis.render import article_html, write_site
from analysis.store import annotate_articles

SCREENSHOT = paths.ROOT / "build" / "browser" / "seed-article.png"


def render(art: Article) -> str:
    st = annotate_articles([art], stages=("terms",), learned=False)
    return article_html(art, segments=st.table("segments"), quotes=st.table("quotes"), matches=st.table("terms"))


class Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.quotes = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self.stack.append([tag, a, ""])

    def handle_endtag(self, tag):
        while self.stack:
            t, a, text = self.stack.pop()
            if self.stack:
                self.stack[-1][2] += text
            if "q" in (a.get("class") or "").split():
                self.quotes.append((a.get("data-speaker"), a.get("data-kind"), text))
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2] += data


def test_article_text_is_escaped():
    evil = Article(id="x", body='He said “<script>alert(1)</script>” and <img src=x onerror=alert(2)> & left.')
    page = render(evil)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    p = Collect()
    p.feed(page)
    assert {t for t, _ in p.tags} <= {"html", "head", "meta", "title", "style", "body", "article", "h1", "div", "span", "mark", "b", "i", "u"}
    assert not any(k.startswith("on") for _, a in p.tags for k in a)


def test_no_external_assets(seed):
    page = render(seed)
    assert "http://" not in page.replace("pic.twitter.com", "") and "https://" not in page
    assert "<link" not in page and "<script" not in page


def test_seed_quotes_are_highlighted_with_speakers(seed):
    p = Collect()
    p.feed(render(seed))
    quoted = {(s, k) for s, k, _ in p.quotes}
    assert ("Xi Jinping", "direct") in quoted and ("Vladimir Putin", "partial") in quoted
    assert ("MFA Russia", "embedded_post") in quoted and ("Moscow", "indirect") in quoted
    text_of = {s: "".join(t for s2, _, t in p.quotes if s2 == s) for s, _ in quoted}
    assert "Sadly, attempts by a number of countries" in text_of["Vladimir Putin"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("FRAMING_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (FRAMING_REQUIRE_BROWSER=1); `make browser` installs it")
        pytest.skip("chromium not installed (`make browser` installs Debian's chromium)")
    return exe


def run_chromium(exe: str, *args: str, tmp_path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


def test_pages_in_a_real_browser(seed, seed_store, tmp_path):
    exe = chromium()
    st = seed_store
    site = write_site(st.corpus(), tmp_path / "site", segments=st.table("segments"), quotes=st.table("quotes"),
                      matches=st.table("terms"), sentences=st.scored_sentences(), score="minilm")
    page = site[0].as_uri()
    res = run_chromium(exe, "--dump-dom", page, tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    console = [l for l in res.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert not console, console
    p = Collect()
    p.feed(res.stdout)
    spans = {(s, k) for s, k, _ in p.quotes}
    for speaker, kind in [("Xi Jinping", "direct"), ("Vladimir Putin", "direct"), ("Vladimir Putin", "partial"),
                          ("Wang Yi", "partial"), ("MFA Russia", "embedded_post"), ("Russia", "indirect")]:
        assert (speaker, kind) in spans, (speaker, kind)
    assert any(a.get("data-kind") == "scare" for _, a in p.tags)
    assert any(a.get("data-category") == "atrocity_label" for _, a in p.tags)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = run_chromium(exe, "--window-size=1100,1600", f"--screenshot={SCREENSHOT}", page, tmp_path=tmp_path)
    assert shot.returncode == 0 and SCREENSHOT.stat().st_size > 10_000
    index = run_chromium(exe, "--dump-dom", site[-1].as_uri(), tmp_path=tmp_path)
    assert f'href="{seed.id}.html"' in index.stdout


def test_index_page_searches_and_filters_5000_articles(tmp_path):
    """The index page: 5,000 articles, filters from the URL fragment, article text only ever as text."""
    import re

    from analysis.render import index_html

    exe = chromium()
    records = []
    for i in range(5000):
        records.append({"id": f"a{i}", "page": f"a{i}.html", "title": f"Story {i}" if i != 7 else "<script>alert(1)</script> & co",
                        "outlet": "Daily" if i % 2 else "Weekly", "date": f"2020-01-{1 + i % 28:02d}",
                        "group": ("left", "center", "right")[i % 3], "quotes": i % 5,
                        "speakers": ["Xi Jinping"] if i % 10 == 0 else ["Jane Doe"], "terms": ["genocide"] if i % 7 == 0 else []})
    page = tmp_path / "index.html"
    page.write_text(index_html(records, group_label="bias_text"), encoding="utf-8")
    assert "<script>alert" not in page.read_text(encoding="utf-8")
    res = run_chromium(exe, "--dump-dom", page.as_uri() + "#group=left&speaker=xi%20jinping&term=genocide", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    ids = re.findall(r'<tr class="row" data-id="(a\d+)"', res.stdout)
    expected = [f"a{i}" for i in range(5000) if i % 3 == 0 and i % 10 == 0 and i % 7 == 0]
    assert ids == expected[:100] and f"{len(expected)} of 5000 articles" in res.stdout
    everything = run_chromium(exe, "--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert "5000 of 5000 articles (first 100 shown)" in everything.stdout
    assert len(re.findall(r'<tr class="row"', everything.stdout)) == 100
    evil = run_chromium(exe, "--dump-dom", page.as_uri() + "#q=alert", tmp_path=tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in evil.stdout and "1 of 5000 articles" in evil.stdout

"""The annotated-article view: escaping, structure, and a real browser (headless Chromium)."""
from __future__ import annotations

import html.parser

import pytest

from analysis import paths
from analysis.corpus import Article
from analysis.frames import DIMENSIONS
from analysis.render import article_html, write_site
from analysis.store import annotate_articles
from browser import DevTools, chromium, run_chromium

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
                        "speakers": ["Xi Jinping"] if i % 10 == 0 else ["Jane Doe"], "terms": ["genocide"] if i % 7 == 0 else [],
                        "frames": ["legality", "political"] if i % 4 == 0 else ["political"]})
    page = tmp_path / "index.html"
    page.write_text(index_html(records, group_label="bias_text"), encoding="utf-8")
    assert "<script>alert" not in page.read_text(encoding="utf-8")
    res = run_chromium(exe, "--dump-dom", page.as_uri() + "#group=left&speaker=xi%20jinping&term=genocide", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    ids = re.findall(r'<tr class="row" data-id="(a\d+)"', res.stdout)
    expected = [f"a{i}" for i in range(5000) if i % 3 == 0 and i % 10 == 0 and i % 7 == 0]
    assert ids == expected[:100] and f"{len(expected)} of 5000 articles" in res.stdout
    framed = run_chromium(exe, "--dump-dom", page.as_uri() + "#group=left&frame=legality", tmp_path=tmp_path)
    legal = [f"a{i}" for i in range(5000) if i % 3 == 0 and i % 4 == 0]
    assert re.findall(r'<tr class="row" data-id="(a\d+)"', framed.stdout) == legal[:100]
    assert f"{len(legal)} of 5000 articles" in framed.stdout
    everything = run_chromium(exe, "--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert "5000 of 5000 articles (first 100 shown)" in everything.stdout
    assert len(re.findall(r'<tr class="row"', everything.stdout)) == 100
    evil = run_chromium(exe, "--dump-dom", page.as_uri() + "#q=alert", tmp_path=tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in evil.stdout and "1 of 5000 articles" in evil.stdout


def test_frame_chips_and_evidence(seed, seed_store):
    """Each frame unit with a frame is wrapped with its offsets and followed by one chip per frame (primary
    first, bold); evidence spans carry exact body offsets and their frames; units without frames get no chips."""
    st = seed_store
    frames = st.table("frames")
    page = article_html(seed, segments=st.table("segments"), quotes=st.table("quotes"), matches=st.table("terms"),
                        frames=frames)
    p = Collect()
    p.feed(page)
    units = [a for t, a in p.tags if "fu" in (a.get("class") or "").split()]
    framed = frames[[len(f) > 0 for f in frames.frames]]
    assert {int(a["data-unit"]) for a in units} == set(framed.unit)
    for a in units:
        row = framed[framed.unit == int(a["data-unit"])].iloc[0]
        assert (int(a["data-start"]), int(a["data-end"])) == (row.start, row.end)
        assert a["data-frames"].split() == list(row.frames) and a["data-primary"] == row.primary
    chips = [a for t, a in p.tags if "chip" in (a.get("class") or "").split() and "data-frame" in a]
    assert len(chips) == sum(len(f) for f in framed.frames)
    assert all(a["data-frame"] in DIMENSIONS and 0 <= float(a["data-probability"]) <= 1 for a in chips)
    evs = [a for t, a in p.tags if a.get("class") == "ev"]
    assert evs and all(set(a["data-frames"].split()) <= set(DIMENSIONS) for a in evs)
    spans = {(d, a, b) for r in framed.itertuples() for d, a, b in zip(r.evidence_frame, r.evidence_start, r.evidence_end)}
    for a in evs:  # every highlighted piece lies inside an evidence span of each frame it names
        s, e = int(a["data-start"]), int(a["data-end"])
        for d in a["data-frames"].split():
            assert any(f == d and x <= s and e <= y for f, x, y in spans), (d, s, e)
    # the text is still the article's, in order: chips are the only added words
    without = article_html(seed, segments=st.table("segments"), quotes=st.table("quotes"), matches=st.table("terms"))
    assert "chip" not in without.split("<style>")[0] and 'class="fu"' not in without


def test_evidence_is_highlighted_on_hover_in_a_real_browser(seed, seed_store, tmp_path):
    """Hovering a unit highlights all its evidence words; hovering one of its chips, that frame's only; the
    page itself runs no script (the test drives the pointer through the DevTools protocol)."""
    import asyncio
    import json

    exe = chromium()
    st = seed_store
    frames = st.table("frames")
    site = write_site(st.corpus(), tmp_path / "site", segments=st.table("segments"), quotes=st.table("quotes"),
                      matches=st.table("terms"), frames=frames)
    assert "<script" not in site[0].read_text(encoding="utf-8")
    # a unit with two frames whose evidence differs — some words carry another frame and not this one — so the
    # chip must light some words and not others
    target = frame = None
    for r in frames.itertuples():
        ev = list(zip(r.evidence_frame, r.evidence_start, r.evidence_end))
        for d in (d for d in r.frames if d in set(r.evidence_frame)):
            mine = [(s, e) for f, s, e in ev if f == d]
            if any(f != d and not any(s < e2 and s2 < e for s2, e2 in mine) for f, s, e in ev):
                target, frame = r, d
                break
        if target is not None:
            break
    assert target is not None, "the seed article has no unit with two frames evidenced by different words"
    sel = f'.fu[data-unit="{target.unit}"]'
    probe = (f"JSON.stringify([...document.querySelectorAll('{sel} .ev')].map(e => "
             "[e.dataset.frames, getComputedStyle(e).backgroundColor]))")

    async def steps(call, js):
        await call("Page.enable")
        await call("Page.navigate", url=site[0].as_uri())
        for _ in range(300):
            if await js("document.readyState") == "complete":
                break
            await asyncio.sleep(0.1)

        async def hover(expr):
            box = json.loads(await js(f"(() => {{ const e = {expr}; e.scrollIntoView({{block: 'center'}}); "
                                      "const r = e.getBoundingClientRect(); return JSON.stringify([r.x + r.width / 2, r.y + r.height / 2]); })()"))
            await call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
            await asyncio.sleep(0.2)
            return json.loads(await js(probe))

        idle = json.loads(await js(probe))
        on_chip = await hover(f"document.querySelector('{sel} .chip[data-frame=\"{frame}\"]')")
        on_text = await hover(f"document.querySelector('{sel} .ev')")
        await call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)
        await asyncio.sleep(0.2)
        return idle, on_chip, on_text, json.loads(await js(probe))

    dt = DevTools(exe, tmp_path)
    try:
        idle, on_chip, on_text, away = dt.run(steps)
    finally:
        dt.close()
    clear = "rgba(0, 0, 0, 0)"
    assert idle and all(bg == clear for _, bg in idle) and all(bg == clear for _, bg in away)
    assert all(bg == "rgb(253, 230, 138)" for _, bg in on_text)  # the whole unit's evidence
    lit = [bg != clear for _, bg in on_chip]
    assert lit == [frame in f.split() for f, _ in on_chip] and any(lit) and not all(lit)

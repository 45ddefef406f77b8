"""Reports ready for a board, on the demo's workspace (three weeks of real source formats):
one edition in every format, every glyph printed, charts not clipped, a digest that keeps to its
period, a one-page battlecard with the sales material, and every report in every format.

The PDF checks read the text back with poppler's ``pdftotext``/``pdfinfo`` and skip, saying why, where
WeasyPrint's libraries or poppler are missing."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from veille.reports.charts import text_width
from veille.settings import Settings
from veille.workspace import Workspace

SVG = "{http://www.w3.org/2000/svg}"


def _pdf_or_skip() -> None:
    from veille.reports.render import pdf_problem

    if problem := pdf_problem():
        pytest.skip(problem)
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (poppler-utils) is not installed: make system-deps")


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[datetime]]:
    """The demo's workspace (without PDFs: the tests make those they read) and its three weeks."""
    from veille.demo import run_demo

    out = tmp_path_factory.mktemp("board") / "veille-demo"
    result = run_demo(out, lambda _line: None, pdf=False)
    return out, result.weeks


@pytest.fixture
def home(demo: tuple[Path, list[datetime]], tmp_path: Path) -> Path:
    """A copy of the demo's workspace that a test may change (editions are recorded in it)."""
    copy = tmp_path / "ws"
    shutil.copytree(demo[0], copy, ignore=shutil.ignore_patterns("capture-sets", "reports"))
    return copy


def _workspace(home: Path) -> Workspace:
    return Workspace(Settings(home=home, database_url=f"sqlite:///{(home / 'veille.db').resolve()}"))


# --- item 2: one run, one edition --------------------------------------------------------------------


def test_one_run_is_one_edition_rendered_into_every_format(cli, home: Path, demo) -> None:
    from veille.reports import editions

    first_week = demo[1][0]
    ws = _workspace(home)
    with ws.store.session() as session:
        editions.record(session, "analysis", "en", first_week)  # the last edition: week one
    ws.store.dispose()
    formats = ["--format", "md", "--format", "html"]
    out = home / "out"
    out.mkdir()
    code, _, err = cli("--home", home, "report", "analysis", "--lang", "en", *formats, "-o", out / "a.md")
    assert code == 0, err
    md, html = (out / "a.md").read_text(), (out / "a.html").read_text()
    since = f"since {first_week.day} {first_week:%b %Y}"
    assert since in md and since in html  # the same baseline in both formats
    assert "No change detected" not in md and "No change detected" not in html
    assert "CX22 (fsn1): price €3.79 → €4.15" in md and "CX22 (fsn1): price €3.79 → €4.15" in html
    code, again, _ = cli("--home", home, "report", "analysis", "--lang", "en")
    assert since not in again  # the run above was one edition: the next starts from it


def test_format_all_writes_the_pdf_of_the_same_edition(cli, home: Path, demo) -> None:
    _pdf_or_skip()
    from veille.reports import editions

    first_week = demo[1][0]
    ws = _workspace(home)
    with ws.store.session() as session:
        editions.record(session, "analysis", "fr", first_week)
    ws.store.dispose()
    code, _, err = cli("--home", home, "report", "analysis", "--format", "all")
    assert code == 0, err
    reports = home / "reports"
    assert {p.name for p in reports.iterdir()} >= {"analysis-fr.md", "analysis-fr.html", "analysis-fr.pdf"}
    pdf = " ".join(_pdf_text(reports / "analysis-fr.pdf").split())
    since = f"depuis le {first_week.day} "
    assert since in (reports / "analysis-fr.md").read_text() and since in pdf
    assert "Aucun changement détecté" not in pdf


def test_an_unknown_format_is_refused_in_one_line(cli, home: Path) -> None:
    code, _, err = cli("--home", home, "report", "digest", "--format", "docx")
    assert code == 2 and "Traceback" not in err


# --- item 17: every glyph printed ---------------------------------------------------------------------


def test_threat_levels_are_badges_and_flags_country_codes_in_html() -> None:
    from veille.reports.glyphs import printable

    html = printable(
        "<td>🔴 ÉLEVÉ</td><h3>3.1 OVHcloud 🇫🇷</h3><td>🇺🇸 US</td><p>⚠️ ALERTE 📊 Part</p><pre>├── 📋 PROFIL 🟢</pre>"
    )
    assert "<span class='badge lvl-high'>ÉLEVÉ</span>" in html
    assert "<span class='cc'>FR</span>" in html and "<td>US</td>" in html
    assert "⚠ ALERTE Part" in html  # DejaVu has ⚠; the other icons are decoration, left out
    assert "├── PROFIL <span class='dot lvl-low'>●</span>" in html  # no padding inside <pre>
    assert not re.search("[\U0001f000-\U0001faff\ufe0f]", html)


def test_the_analysis_pdf_prints_every_glyph_with_the_fonts_it_has(home: Path) -> None:
    _pdf_or_skip()
    from veille import reports

    ws = _workspace(home)
    with ws.store.session() as session:
        pdf = reports.produce(session, "analysis", "fr", "pdf", datetime.now().astimezone(), edition=False)
    ws.store.dispose()
    path = home / "analysis.pdf"
    path.write_bytes(pdf.content)
    text = _pdf_text(path)
    assert re.search(r"Infomaniak\s+ÉLEVÉ", text) and re.search(
        r"Hetzner\s+FAIBLE", text
    )  # the badges' words
    assert re.search(r"3\.1 OVHcloud\s+FR", text)  # a flag as its country code
    assert not re.search("[\U0001f000-\U0001faff\ufe0f\ufffd]", text), "a pictograph reached the PDF"
    fonts = pytest.importorskip("fontTools.ttLib")
    dejavu = [Path("/usr/share/fonts/truetype/dejavu") / f for f in ("DejaVuSans.ttf", "DejaVuSansMono.ttf")]
    if not all(f.exists() for f in dejavu):
        pytest.skip("DejaVu fonts are not installed (fonts-dejavu-core)")
    covered: set[int] = set()
    for font in dejavu:
        covered |= set(fonts.TTFont(font).getBestCmap())
    missing = {ch for ch in text if ord(ch) > 127 and ord(ch) not in covered and not ch.isspace()}
    assert not missing, f"printed as empty boxes: {sorted(missing)}"


# --- item 18: charts not clipped ------------------------------------------------------------------------


def _text_boxes(svg: str) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The viewBox size and, per <text>, its content and estimated box (x0, x1, y0, y1)."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    boxes = []
    for node in root.iter(f"{SVG}text"):
        content, size = node.text or "", float(node.attrib["font-size"])
        w = text_width(content, size, node.attrib.get("font-weight") == "bold")
        x, y = float(node.attrib["x"]), float(node.attrib["y"])
        x0 = {"start": x, "middle": x - w / 2, "end": x - w}[node.attrib.get("text-anchor", "start")]
        boxes.append((content, x0, x0 + w, y - size, y + size * 0.3))
    return (width, height), boxes


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_segmentation_map_plots_every_player_inside_the_chart(lang: str) -> None:
    from veille.kb.store import bundled
    from veille.reports.sections import segmentation_chart

    kb = bundled()
    svg = segmentation_chart(kb, lang).svg
    (width, height), boxes = _text_boxes(svg)
    names = {c.id: c.name for c in kb.competitors}
    players = [names.get(p.competitor, p.competitor) for p in kb.segmentation.placements]
    texts = [b[0] for b in boxes]
    assert {"AWS", "DigitalOcean", "VMCloud"} <= set(texts)
    assert all(name in texts for name in players)  # every name whole, none cut to "DigitalOce…"
    for content, x0, x1, y0, y1 in boxes:
        assert x0 >= 0 and x1 <= width, f"{content!r} leaves the chart sideways"
        assert y0 >= 0 and y1 <= height, f"{content!r} leaves the chart at the top or bottom"
    circles = list(ET.fromstring(svg).iter(f"{SVG}circle"))
    assert len(circles) == len(players)  # every player a point, not only VMCloud
    assert len({(c.attrib["cx"], c.attrib["cy"]) for c in circles}) == len(players)  # none on another


def test_a_single_month_of_incidents_is_a_bar_not_a_wall() -> None:
    from veille.reports.charts import bar_chart

    root = ET.fromstring(bar_chart([("2026-11", 3)], title="t"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("fill") == "#2563eb"]
    assert len(bars) == 1 and float(bars[0].attrib["width"]) < 100


# --- item 19: the digest keeps to its period ---------------------------------------------------------------


def test_the_digest_keeps_to_its_period_and_opens_with_a_summary(cli, demo) -> None:
    home, weeks = demo
    at = (weeks[-1] + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    code, digest, err = cli("--home", home, "report", "digest", "--lang", "en", "--at", at)
    assert code == 0, err
    assert "Ubuntu 26.04" not in digest  # dated 24 Oct, seen for the first time during the period
    period = re.search(r"_Period: (.+) → (.+)_", digest)
    assert period is not None
    since = datetime.strptime(period.group(1), "%d %b %Y").date()
    dates = [
        datetime.strptime(m.group(1).replace("\u00a0", " "), "%d %b %Y").date()
        for m in re.finditer(r"^\| (\d{1,2}[\u00a0 ]\w{3}[\u00a0 ]\d{4}) \|", digest, re.MULTILINE)
    ]
    assert dates and all(d >= since for d in dates)
    head, _, appendix = digest.partition("## Appendix — running veille")
    assert appendix and "ParseError" in appendix and "ParseError" not in head  # for the team that runs it
    summary = head.split("## Executive summary", 1)[1].split("\n## ", 1)[0]
    assert (
        "4 price moves (4 rises, 0 cuts); the biggest: Hetzner CX22 (" in summary
        and "€3.79 → €4.15 (+9.5%)." in summary
    )
    assert "3 new offers, 3 offers withdrawn." in summary
    assert "2 incidents at 2 competitors; serious: DigitalOcean (major)." in summary
    assert "1 collection failure" in summary
    # two weeks of job postings: no "90-day change", the change since the first observation instead
    assert "90-day change" not in head.replace("90-day change where", "")
    assert f"+500% (since {weeks[0].day} {weeks[0]:%b %Y})" in head


def test_the_quarterly_review_opens_with_a_summary_too(cli, demo) -> None:
    home, weeks = demo
    at = (weeks[-1] + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    code, review, err = cli("--home", home, "report", "review", "--lang", "fr", "--at", at)
    assert code == 0, err
    assert review.index("## Synthèse") < review.index("## Positionnement prix en direct")
    assert "changements de prix" in review and "## Annexe — exploitation de veille" in review


def test_a_change_over_a_full_quarter_is_a_90_day_change() -> None:
    from veille.reports.sections import hiring_change

    now = datetime(2026, 12, 7).astimezone()
    assert hiring_change(6, 1, now - timedelta(days=90), now, "en") == "+500%"
    assert hiring_change(6, 1, now - timedelta(days=14), now, "en") == "+500% (since 23 Nov 2026)"
    assert hiring_change(2, 0, now - timedelta(days=90), now, "fr") == "nouveau"
    assert hiring_change(2, None, None, now, "fr") == "—"


# --- items 20 and 21: battlecards on one page, every report in every format ---------------------------------


@pytest.fixture(scope="module")
def written(demo: tuple[Path, list[datetime]]) -> Path:
    """The demo's digest, review and battlecards written as ``make demo`` writes them, PDFs included."""
    _pdf_or_skip()
    from veille.demo import _reports

    home, weeks = demo
    copy = home.parent / "written"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("capture-sets", "reports"))
    ws = _workspace(copy)
    _reports(ws, weeks[-1] + timedelta(minutes=2), copy / "reports", kinds=("digest",), pdf=True)
    ws.store.dispose()
    return copy / "reports"


def test_every_report_in_every_format(written: Path) -> None:
    from veille.demo import BATTLECARDS

    stems = [f"digest-{lang}" for lang in ("fr", "en")]
    stems += [f"battlecard-{c}-{lang}" for c in BATTLECARDS for lang in ("fr", "en")]
    for stem in stems:
        for ext in ("md", "html", "pdf"):
            assert (written / f"{stem}.{ext}").stat().st_size > 500, f"{stem}.{ext}"


def test_every_battlecard_fits_on_one_page(written: Path) -> None:
    from veille.demo import BATTLECARDS

    for competitor in BATTLECARDS:
        for lang in ("fr", "en"):
            path = written / f"battlecard-{competitor}-{lang}.pdf"
            assert _pages(path) == 1, path.name


def test_the_battlecard_carries_the_sales_material(written: Path) -> None:
    text = " ".join(_pdf_text(written / "battlecard-ovhcloud-en.pdf").split())
    for heading in ("Live price gaps", "Latest outages", "Worst recent reviews", "Most discussed mentions"):
        assert heading in text
    assert "Medium" in text and "[GRA11][Public Cloud] Instances" in text  # threat badge, latest outage
    assert text.index("Support injoignable") < text.index("Slow support")  # 1★ before 2★
    assert "Bon rapport qualité-prix" not in text  # a 4★ review is no sales material
    assert text.index("77 comments") < text.index("64 comments")  # most discussed first
    assert "d2-4 €8.69 €49.00 -82.3%" in text  # their live price against ours, and the gap
    hetzner = (written / "battlecard-hetzner-en.md").read_text(encoding="utf-8")
    assert "**Their latest price moves:** CX22 (fsn1, hel1, nbg1): €3.79 → €4.15 (+9.5%)" in hetzner


def test_the_communication_draft_keeps_its_lines_and_says_the_key_message_once(written: Path) -> None:
    md = (written / "battlecard-ovhcloud-fr.md").read_text(encoding="utf-8")
    draft = md.split("## Opportunité de communication (brouillon)", 1)[1]
    assert "> Incident chez OVHcloud (mineur)" in draft
    assert "»\\.\n>\n> Proposition de message" in draft or "».\n>\n> Proposition de message" in draft
    assert "Message clé" not in draft and "Angle" not in draft  # both stand at the top of the card
    assert md.count("Message clé") == 1
    html = (written / "battlecard-ovhcloud-fr.html").read_text(encoding="utf-8")
    quote = html.split("<blockquote>", 1)[1].split("</blockquote>", 1)[0]
    assert quote.count("<p>") == 2  # one paragraph per line of the draft

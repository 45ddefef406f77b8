"""French everywhere in French: every dashboard page of a demo workspace, rendered in both languages,
shows no raw code of the vocabularies (event kinds, run statuses, rule modes, roles, ...) and, in
French, none of their English words; internal competitor ids never show where a name exists; and
French numbers use the French decimal mark.

The codes are read from the vocabularies in the code, not listed here. Text a page declares to be in
another language (``lang``) or not to translate (``translate="no"``: a source id, a rule's name, a URL)
is left out; quoted content (``data-quoted``: a headline as its source wrote it) is checked for raw
codes only."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser
from tests.web.conftest import PASSWORD, login

from veille import auth, events, observations
from veille.act import actions, rules
from veille.normalise import jobs, reviews
from veille.settings import Settings
from veille.web import analysis_doc
from veille.web.app import create_app
from veille.web.data import events as event_data
from veille.web.data import notes, sources
from veille.web.i18n import LOCALES
from veille.web.pages import claims
from veille.workspace import Workspace

WEB = Path(analysis_doc.__file__).parent
SKIPPED_PREFIXES = ("/api/", "/static", "/openapi", "/healthz", "/readyz", "/metrics", "/lang", "/login")
SKIPPED_PREFIXES += ("/reports/files", "/reports/download", "/matrix/cell", "/api-docs/assets")


def vocabularies() -> dict[str, tuple[str, ...]]:
    """Every code a page may have to show, by vocabulary, from the modules that define them."""
    from veille.sources import sources as registered

    return {
        "event kinds": tuple(events.EVENT_KINDS),
        "importance": tuple(events.IMPORTANCE),
        "rule modes": tuple(rules.MODES),
        "incident impacts": tuple(rules.IMPACT_ORDER),
        "failure reasons": tuple(rules.REASONS),
        "rule conditions": tuple(rules.CONDITION_KEYS),
        "action kinds": tuple(actions.ACTION_KINDS),
        "roles": tuple(auth.ROLES),
        "categories": tuple(observations.CATEGORIES),
        "tiers": tuple(analysis_doc.TIERS),
        "threats": tuple(analysis_doc.THREATS),
        "note kinds": tuple(notes.NOTE_KINDS),
        "verdicts": tuple(claims.VERDICTS),
        "claim sections": tuple(claims.SECTIONS),
        "run statuses": tuple(sources.RUN_STATUSES),
        "disable reasons": tuple(sources.WHY_DISABLED),
        "alert statuses": tuple(event_data.ALERT_STATUSES),
        "source health": tuple(sources.health_counts([])),
        "source kinds": tuple(sorted({s.kind for s in registered()})),
        "hiring functions": tuple(jobs.FUNCTIONS),
        "review themes": tuple(reviews.THEMES),
    }


def french_words(kb_fr: Any) -> set[str]:
    """Every word of the French catalog's translations and of the French analysis: a code that is
    also a word of French texts ("incident", "support", "maintenance", "UX") may appear in them."""
    with (WEB / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    texts = [json.dumps(kb_fr, ensure_ascii=False, default=str)]
    for message in catalog:
        texts.extend(message.string if isinstance(message.string, tuple) else (message.string or "",))
    return {w.lower() for text in texts for w in re.findall(r"[A-Za-zÀ-ÿ]+", text)}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from veille.demo import run_demo

    out = tmp_path_factory.mktemp("i18n") / "demo"
    run_demo(out, lambda _line: None, pdf=False)
    ws = Workspace(Settings(home=out, database_url=None, secret_key="test-secret-key"))
    with ws.store.session() as session:
        auth.add_user(session, "admin", "admin", PASSWORD)
        auth.add_user(session, "editor", "editor", PASSWORD)
    yield create_app(ws)
    ws.store.dispose()
    shutil.rmtree(out, ignore_errors=True)


def page_paths(app: Any, competitor: str, source: str) -> list[str]:
    params = {"competitor_id": competitor, "source_id": source, "product": "x"}
    paths = set()
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path", "") or ""
        methods = getattr(route, "methods", None) or getattr(
            getattr(route, "original_route", None), "methods", None
        )
        if "GET" in (methods or set()) and path and not path.startswith(SKIPPED_PREFIXES):
            paths.add(re.sub(r"\{(\w+)(:\w+)?\}", lambda m: params.get(m.group(1), "x"), path))
    return sorted(paths)


def visible_text(html: str, lang: str) -> tuple[str, str]:
    """(every visible text, the same without quoted content), without what the page says is in
    another language or not to translate, nor URLs."""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, [translate=no], code"):
        node.decompose()
    for node in tree.css("[lang]"):
        if node.tag != "html" and node.attributes.get("lang") != lang:
            node.decompose()
    everything = tree.body.text(separator=" ") if tree.body else ""
    for node in tree.css("[data-quoted]"):
        node.decompose()
    interface = tree.body.text(separator=" ") if tree.body else ""
    strip = lambda t: re.sub(r"\S+://\S+|\s+", " ", t)  # noqa: E731
    return strip(everything), strip(interface)


def _problems(
    text: str, interface: str, lang: str, codes: dict[str, str], ids: dict[str, str], french: set[str]
) -> list[str]:
    found = [f"markup shown as text: {m!r}" for m in re.findall(r"<[a-z]+[ >/]", text)]
    for token in set(re.findall(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])", text)):
        if token in codes:
            found.append(f"raw code {token!r} ({codes[token]})")
    if lang == "fr":
        for code, vocabulary in codes.items():
            if "_" in code or code in french:
                continue
            if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w.-])", interface, re.IGNORECASE):
                found.append(f"English word {code!r} ({vocabulary})")
    for identifier, name in ids.items():
        if re.search(rf"(?<![\w./-]){re.escape(identifier)}(?![\w./-])", text):
            found.append(f"competitor id {identifier!r} instead of {name!r}")
    return found


def test_the_vocabularies_are_read_from_the_code() -> None:
    codes = {c for values in vocabularies().values() for c in values}
    assert {"price_change", "immediate", "credential", "unchanged", "viewer", "bare_metal"} <= codes
    assert len(codes) > 80


@pytest.mark.parametrize("lang", LOCALES)
def test_every_page_speaks_the_readers_language(demo_app: Any, lang: str) -> None:
    codes = {code: name for name, values in vocabularies().items() for code in values}
    with TestClient(demo_app, base_url="http://127.0.0.1", headers={"Accept-Language": lang}) as client:
        login(client, "admin")
        with demo_app.state.store.session() as session:
            kb = analysis_doc.current(session, lang)
        ids = {i: n for i, n in analysis_doc.names(kb).items() if n and n != i}
        french = french_words(kb) if lang == "fr" else set()
        paths = page_paths(demo_app, "digitalocean", "hetzner.server_types")
        paths += [
            "/competitors/vmcloud",
            "/competitors/hetzner",
            "/sources?status=disabled",
            "/sources?status=failing",
        ]
        paths += ["/alerts?open=1", "/events?page=2"]
        problems = {}
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if not response.headers["content-type"].startswith("text/html"):
                continue
            text, interface = visible_text(response.text, lang)
            if found := _problems(text, interface, lang, codes, ids, french):
                problems[path] = sorted(set(found))
    assert not problems, problems


def test_claims_reasons_use_the_french_decimal_mark(demo_app: Any) -> None:
    with TestClient(demo_app, base_url="http://127.0.0.1", headers={"Accept-Language": "fr"}) as client:
        login(client, "admin")
        text, _ = visible_text(client.get("/claims").text, "fr")
    assert re.search(r"\d,\d\d fois", text)
    assert not re.search(r"\d\.\d\d fois|\d\.\d\d €", text)


def test_the_reports_show_no_raw_code(demo_app: Any) -> None:
    codes = {code: name for name, values in vocabularies().items() for code in values}
    folder = demo_app.state.settings.reports_dir
    written = sorted(folder.glob("*.md")) + sorted(folder.glob("*.html"))
    assert {p.stem.rsplit("-", 1)[-1] for p in written} == {"fr", "en"} and len(written) >= 8
    problems = {}
    for path in written:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = LexborHTMLParser(text).body.text(separator=" ")  # type: ignore[union-attr]
        text = re.sub(r"\S+://\S+|`[^`]*`", " ", text)
        raw = {
            t for t in re.findall(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])", text) if t in codes
        }
        if raw:
            problems[path.name] = sorted(raw)
    assert not problems, problems

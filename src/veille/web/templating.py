"""Jinja2 rendering: one environment per language, autoescaping everything."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from jinja2 import ChainableUndefined, Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from veille import __version__
from veille.web.i18n import LANGUAGE_NAMES, LOCALES, Formats, request_locale, translations
from veille.wording import event_title, impact_word, title_in, word

TEMPLATES = Path(__file__).with_name("templates")

NAV = (
    ("/", "overview"),
    ("/events", "events"),
    ("/competitors", "competitors"),
    ("/positioning", "positioning"),
    ("/claims", "claims"),
    ("/matrix", "matrix"),
    ("/threats", "threats"),
    ("/sources", "sources"),
    ("/alerts", "alerts"),
    ("/reports", "reports"),
    ("/notes", "notes"),
)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def md_inline(value: Any) -> Markup:
    """The analysis' only inline Markdown (``**bold**``), applied after escaping: text stays text."""
    escaped = str(escape("" if value is None else value))
    return Markup(_BOLD.sub(r"<strong>\1</strong>", escaped))


def to_json_attr(value: Any) -> str:
    """JSON for a ``data-`` attribute; autoescaping then quotes it for HTML (no raw markup ever)."""
    return orjson.dumps(value, default=str).decode()


class Titles:
    """Titles of events (and of the alerts, actions and notes made from them) and incident impacts in one
    locale, written from the events' data (``veille.wording``)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def event(self, event: Any) -> str:
        return event_title(event, self.locale)

    def alert(self, alert: Any) -> str | None:
        if not alert.event_kind:
            return None
        return title_in(self.locale, alert.event_kind, alert.event_title, alert.event_data)

    def action(self, action: Any) -> str:
        return title_in(self.locale, action.event_kind, action.title, action.event_data)

    def note(self, note: Any) -> str:
        """A strategy note the watch made from a hiring trend is written again; others are as typed."""
        data = note.data if isinstance(note.data, dict) else {}
        if data.get("from") == "hiring" and isinstance(data.get("event"), dict):
            return title_in(self.locale, "hiring", note.title, data["event"])
        return str(note.title)

    def note_body(self, note: Any) -> str:
        """A note's text; a note the watch made from a hiring trend repeats its (English) title, so only
        its link is left."""
        data = note.data if isinstance(note.data, dict) else {}
        if data.get("from") == "hiring":
            return str(note.body or "").rpartition("\n")[2] if "\n" in str(note.body or "") else ""
        return str(note.body or "")

    def impact(self, code: str | None) -> str:
        return impact_word(code, self.locale)

    def function(self, code: str) -> str:
        """A hiring function (``gpu_ai``, ``datacenter_ops``...) in words."""
        from veille.normalise.jobs import FUNCTION_WORDS

        return word(code, self.locale, FUNCTION_WORDS)


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        fmt=Formats(locale),
        lang=locale,
        locales=LOCALES,
        language_names=LANGUAGE_NAMES,
        version=__version__,
        nav=NAV,
    )
    env.globals["titles"] = Titles(locale)
    env.filters["json_attr"] = to_json_attr
    env.filters["md"] = md_inline
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` in the request's language with the common context (user, CSRF token...)."""
    locale = request_locale(request)
    env = environment(locale)
    user = getattr(request.state, "user", None)
    csrf = getattr(request.state, "csrf", "")
    data = {
        "request": request,
        "path": request.url.path,
        "user": user,
        "csrf": csrf,
        "flash": request.query_params.get("done", ""),
    }
    data.update(context or {})
    html = env.get_template(template).render(data)
    response = HTMLResponse(html, status_code=status_code)
    cookie = getattr(request.state, "set_prelogin", None)
    if cookie:
        from veille.web.security import PRELOGIN_COOKIE, SESSION_MAX_AGE, set_cookie

        set_cookie(response, request, PRELOGIN_COOKIE, cookie, SESSION_MAX_AGE)
    return response

"""`veille serve` and what the dashboard ships: vendored assets with their licences, nothing remote."""

from __future__ import annotations

import re
from pathlib import Path

from veille.web import app as web_app

WEB = Path(web_app.__file__).parent


def test_serve_refuses_an_uninitialised_workspace(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("--home", str(tmp_path / "empty"), "serve", "--port", "1")
    assert code == 1 and "init" in err and "Traceback" not in err


def test_vendored_libraries_keep_their_licences() -> None:
    for folder, script in (("chartjs", "chart.umd.min.js"), ("htmx", "htmx.min.js")):
        vendor = WEB / "static" / "vendor" / folder
        assert (vendor / script).stat().st_size > 10_000
        assert any(p.name.startswith("LICENSE") for p in vendor.iterdir())


def test_templates_load_nothing_from_elsewhere() -> None:
    remote = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not remote.search(text), template.name
        assert not inline_script.search(text), f"inline script in {template.name}"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), f"event handler attribute in {template.name}"
        assert "|safe" not in text, template.name

"""LinkedIn posts imported from LinkedIn's own export (or pasted) as notes on a competitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from veille.store.models import Note
from veille.workspace import Workspace

EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "linkedin" / "Shares.csv"


def _notes(home: Path) -> list[Note]:
    with Workspace(home=home).store.session() as s:
        return list(s.scalars(select(Note).order_by(Note.id)))


def test_the_export_gives_hiring_and_strategy_notes_once(tmp_path: Path, cli: Any) -> None:
    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    code, out, err = cli(
        "--home", home, "notes", "import-linkedin", EXPORT, "--competitor", "OVH", "--author", "léa"
    )
    assert code == 0, err
    assert "2 note(s) added" in out  # the reshare without commentary is no post
    code, out, _ = cli(
        "--home", home, "notes", "import-linkedin", EXPORT, "--competitor", "ovhcloud", "--json"
    )
    assert '"added": 0' in out and '"already_there": 2' in out
    hiring, strategy = _notes(home)
    assert (hiring.competitor, hiring.kind, hiring.data["signal"], hiring.happened_on) == (
        "ovhcloud", "strategy", "hiring", "2026-11-24",
    )  # fmt: skip
    assert hiring.body.endswith("Apply here 👇") and "\n" in hiring.body  # a text spanning lines
    assert hiring.data["url"].startswith("https://www.linkedin.com/feed/update/")
    assert strategy.data["signal"] == "strategy" and '"made in France"' in strategy.body
    assert hiring.author == "léa"


def test_pasted_posts_and_bad_files(tmp_path: Path, cli: Any) -> None:
    home = tmp_path / "ws"
    cli("--home", home, "init")
    pasted = tmp_path / "posts.txt"
    pasted.write_text(
        "Scaleway recrute 30 personnes à Lille\n---\n\nNouvelle offre GPU L40S\n", encoding="utf-8"
    )
    code, out, err = cli("--home", home, "notes", "import-linkedin", pasted, "--competitor", "scaleway")
    assert code == 0 and "1 of 2 post(s) about hiring" in out, err
    broken = tmp_path / "Shares.csv"
    broken.write_bytes(b"Date,ShareLink,ShareCommentary\n\xff\xfe bad bytes")
    code, _, err = cli("--home", home, "notes", "import-linkedin", broken, "--competitor", "scaleway")
    assert code == 1 and "not UTF-8" in err and "Traceback" not in err
    code, _, err = cli("--home", home, "notes", "import-linkedin", pasted, "--competitor", "nobody")
    assert code == 1 and "unknown competitor" in err
    assert len(_notes(home)) == 2

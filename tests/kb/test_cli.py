"""`veille kb ...` end to end, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from veille.workspace import Workspace


def home(ws: Workspace) -> str:
    return str(ws.home)


def test_init_loads_the_kb_and_twice_changes_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    where = str(tmp_path / "ws")
    code, out, _ = cli("--home", where, "init")
    assert code == 0 and "loaded the bundled analysis as revision 1" in out
    code, out, _ = cli("--home", where, "init")
    assert code == 0 and "knowledge base: unchanged" in out
    code, out, _ = cli("--home", where, "kb", "history", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [1]


def test_import_original_and_clean_export_the_same_json(cli, tmp_path: Path, seed_dir: Path) -> None:  # type: ignore[no-untyped-def]
    exports = []
    for name in ("analyse-concurrentielle.original.md", "analyse-concurrentielle.md"):
        where = str(tmp_path / name)
        assert cli("--home", where, "init")[0] == 0
        code, out, err = cli("--home", where, "kb", "import", str(seed_dir / name), "--author", "test")
        assert code == 0, err
        assert "60 matrix scores, 25 price cells, 4 threat scenarios (11 aspects), 5 watch items" in out
        assert ("encoding repaired" in out) == name.endswith("original.md")
        assert "no change" in out  # the bundled knowledge base is the seed already
        code, out, _ = cli("--home", where, "kb", "export", "--format", "json")
        assert code == 0
        exports.append(out)
    assert exports[0] == exports[1]
    data = json.loads(exports[0])
    assert data["schema_version"] == 1 and len(data["competitors"]) == 17


def test_export_formats_and_languages(cli, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("--home", home(workspace), "kb", "export", "--format", "md", "--lang", "en")
    assert (
        code == 0 and out.startswith("# Competitive Analysis - VMCloud") and "## 12. Executive summary" in out
    )
    code, out, _ = cli("--home", home(workspace), "kb", "export", "--format", "yaml", "--lang", "fr")
    assert code == 0 and yaml.safe_load(out)["matrix"]["criteria"][0]["label"] == "Prix"
    target = tmp_path / "kb.md"
    code, out, _ = cli("--home", home(workspace), "kb", "export", "--format", "md", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Analyse Concurrentielle - VMCloud")
    code, _, _err = cli("--home", home(workspace), "kb", "export", "--format", "pdf")
    assert code == 2


def test_round_trip_through_files(cli, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h = home(workspace)
    assert cli("--home", h, "kb", "set-score", "OVH", "support", "3", "--author", "alice")[0] == 0
    for fmt in ("md", "json", "yaml"):
        target = tmp_path / f"kb.{fmt}"
        assert cli("--home", h, "kb", "export", "--format", fmt, "-o", str(target))[0] == 0
        code, out, err = cli("--home", h, "kb", "import", str(target))
        assert code == 0, err
        assert "no change" in out, (fmt, out)


def test_edit_commands_write_revisions_with_authors(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    h = home(workspace)
    steps = [
        ("set-score", "OVH", "support", "2", "--author", "alice"),
        ("set-threat", "hetzner", "high", "--reason", "Baisse ses prix", "--translation", "Cutting prices"),
        ("set-price", "gpu-t4", "DO", "150", "USD"),
        ("set-price", "vps-entry", "OVH", "na"),
        ("add-strength", "Scaleway", "H100 available", "--lang", "en"),
        ("add-weakness", "Infomaniak", "Peu de régions"),
        ("set-key-message", "DigitalOcean", "Le DigitalOcean européen", "-m", "sharper"),
    ]
    for step in steps:
        code, out, err = cli("--home", h, "kb", *step, env={"USER": "bob"})
        assert code == 0, (step, err)
        assert "revision" in out
    code, out, _ = cli("--home", h, "kb", "history", "--json")
    revisions = json.loads(out)
    assert len(revisions) == 1 + len(steps)
    assert revisions[-2]["author"] == "alice" and revisions[0]["author"] == "bob"
    assert revisions[0]["message"] == "sharper"
    code, out, _ = cli("--home", h, "kb", "diff", "1", str(revisions[0]["id"]))
    assert code == 0
    assert "~ matrix.scores.ovhcloud.support: 1 -> 2" in out
    assert "~ competitors[hetzner].threat: 'low' -> 'high'" in out
    assert "+ price_table.prices.gpu-t4.digitalocean.amount: '150'" in out
    code, out, _ = cli("--home", h, "kb", "diff", "1", "2", "--json")
    assert json.loads(out) == [
        {"path": "matrix.scores.ovhcloud.support", "kind": "changed", "old": 1, "new": 2}
    ]
    # the same edit again: nothing to record
    code, out, _ = cli("--home", h, "kb", "set-score", "OVH", "support", "2")
    assert code == 0 and "no change" in out
    code, out, _ = cli("--home", h, "kb", "export", "--format", "json")
    data = json.loads(out)
    assert data["price_table"]["prices"]["vps-entry"]["ovhcloud"] is None
    assert data["price_table"]["prices"]["gpu-t4"]["digitalocean"] == {"amount": "150", "currency": "USD"}


def test_bad_input_exits_1_with_one_line_and_changes_nothing(
    cli, workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    h = home(workspace)
    notes = tmp_path / "notes.md"
    notes.write_text("# Courses\n\n- lait\n", encoding="utf-8")
    broken = tmp_path / "broken.md"
    cases = [
        ("kb", "import", str(notes)),
        ("kb", "import", str(tmp_path / "missing.md")),
        ("kb", "set-score", "OVH", "support", "9"),
        ("kb", "set-score", "Acme", "support", "1"),
        ("kb", "set-price", "gpu-t4", "OVH", "cheap"),
        ("kb", "diff", "1", "42"),
    ]
    before = cli("--home", h, "kb", "export", "--format", "json")[1]
    for args in cases:
        code, _, err = cli("--home", h, *args)
        assert code == 1, args
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert cli("--home", h, "kb", "set-threat", "OVH", "extreme")[0] == 2
    assert not broken.exists()
    assert cli("--home", h, "kb", "export", "--format", "json")[1] == before
    assert len(json.loads(cli("--home", h, "kb", "history", "--json")[1])) == 0


def test_import_warnings_go_to_stderr(cli, workspace: Workspace, tmp_path: Path, seed_dir: Path) -> None:  # type: ignore[no-untyped-def]
    doc = (seed_dir / "analyse-concurrentielle.md").read_text(encoding="utf-8")
    start, end = doc.index("\n## 8. "), doc.index("\n## 9. ")
    doc = doc[:start] + "\n## 8. Annexe\n\nDu texte libre.\n" + doc[end:]
    doc = doc.replace("| **Support** | ●●●●● | ●○○○○ |", "| **Support** | ●●●●● | ●●○○○ |")
    path = tmp_path / "variant.md"
    path.write_text(doc, encoding="utf-8")
    code, out, err = cli("--home", home(workspace), "kb", "import", str(path), "--dry-run")
    assert code == 0
    assert "section '8. Annexe' is not recognised: kept as free text" in err
    assert "section 8 (Opportunités de marché) is missing: kept the current data" in err
    assert "dry run" in out and "matrix.scores.ovhcloud.support" in out
    code, out, err = cli("--home", home(workspace), "kb", "import", str(path))
    assert code == 0 and "revision" in out
    code, out, _ = cli("--home", home(workspace), "kb", "export", "--format", "md")
    assert "## 8. Annexe\n\nDu texte libre." in out and "## 8. Opportunités de marché" in out

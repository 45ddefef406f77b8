"""``veille kb import`` on hostile files: one clear line, exit 1, no traceback, no revision stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.kb.damage import damage

from veille.kb.markdown_export import render_markdown
from veille.kb.store import bundled

FOUR_HUNDRED = "9" * 400


@pytest.fixture
def home(tmp_path: Path, cli: Any) -> Path:
    h = tmp_path / "ws"
    assert cli("--home", h, "init")[0] == 0
    return h


def state(cli: Any, home: Path) -> tuple[int, str]:
    """(revisions, the current knowledge base as JSON)."""
    revisions = json.loads(cli("--home", home, "kb", "history", "--json")[1])
    return len(revisions), cli("--home", home, "kb", "export", "--format", "json", "--lang", "both")[1]


def export(cli: Any, home: Path, fmt: str) -> str:
    code, out, _ = cli("--home", home, "kb", "export", "--format", fmt)
    assert code == 0
    return out


def deep_yaml(cli: Any, home: Path) -> bytes:
    return ("schema_version: 1\ncompetitors: []\nthreats: " + "[" * 50_000 + "]" * 50_000 + "\n").encode()


def deep_json(cli: Any, home: Path) -> bytes:
    doc = json.loads(export(cli, home, "json"))
    return json.dumps(doc)[:-1].encode() + b', "threats": ' + b"[" * 900 + b"]" * 900 + b"}"


def yaml_aliases(cli: Any, home: Path) -> bytes:
    lines = ["schema_version: 1", "competitors: []", "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    return "\n".join(lines).encode() + b"\n"


def huge_amount_json(cli: Any, home: Path) -> bytes:
    text = export(cli, home, "json")
    assert '"amount": "49"' in text
    return text.replace('"amount": "49"', f'"amount": "{FOUR_HUNDRED}"', 1).encode()


def huge_amount_yaml(cli: Any, home: Path) -> bytes:
    text = export(cli, home, "yaml")
    assert "amount: '49'" in text
    return text.replace("amount: '49'", f"amount: '{FOUR_HUNDRED}'", 1).encode()


def huge_amount_md(cli: Any, home: Path) -> bytes:
    text = export(cli, home, "md")
    assert "| 49€ |" in text
    return text.replace("| 49€ |", f"| {FOUR_HUNDRED}€ |", 1).encode()


def huge_integer_yaml(cli: Any, home: Path) -> bytes:
    text = export(cli, home, "yaml")
    assert "vcpu: 2" in text
    return text.replace("vcpu: 2", "vcpu: " + "9" * 5000, 1).encode()


def stray_bytes_md(cli: Any, home: Path) -> bytes:
    data = export(cli, home, "md").encode()
    assert "Dernière".encode() in data
    return data.replace("Dernière".encode(), b"Derni\xffre", 1)


def utf8_with_windows_1252_patch(cli: Any, home: Path) -> bytes:
    data = export(cli, home, "md").encode()
    return data.replace("à jour".encode(), "à jour".encode("cp1252"), 1)


CASES: list[tuple[str, str, Callable[[Any, Path], bytes], str]] = [
    ("deep.yaml", "deep YAML", deep_yaml, "nested more than 32 levels deep"),
    ("deep.json", "deep JSON", deep_json, "nested more than 32 levels deep"),
    ("laughs.yaml", "YAML aliases", yaml_aliases, "YAML aliases (*name) are not accepted"),
    (
        "kb.json",
        "400-digit JSON amount",
        huge_amount_json,
        "amount: Decimal input should have no more than 18",
    ),
    (
        "kb.yaml",
        "400-digit YAML amount",
        huge_amount_yaml,
        "amount: Decimal input should have no more than 18",
    ),
    (
        "kb.md",
        "400-digit Markdown amount",
        huge_amount_md,
        "the amount has more than 12 digits before the point",
    ),
    (
        "kb.yaml",
        "5000-digit YAML integer",
        huge_integer_yaml,
        "not valid YAML: Exceeds the limit (4300 digits)",
    ),
    ("kb.md", "stray invalid byte", stray_bytes_md, "kb.md: not UTF-8 (byte 0xff on line"),
    (
        "kb.md",
        "UTF-8 patched in Windows-1252",
        utf8_with_windows_1252_patch,
        "kb.md: not UTF-8 (byte 0xe0 on line",
    ),
]


@pytest.mark.parametrize(("name", "case", "make", "message"), CASES, ids=[c[1] for c in CASES])
def test_hostile_files_are_refused_in_one_line(
    cli: Any,
    home: Path,
    tmp_path: Path,
    name: str,
    case: str,
    make: Callable[[Any, Path], bytes],
    message: str,
) -> None:
    file = tmp_path / name
    file.write_bytes(make(cli, home))
    before = state(cli, home)
    code, _, err = cli("--home", home, "kb", "import", file, "--author", "test")
    assert code == 1, err
    assert err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and len(err) < 500
    assert state(cli, home) == before


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_read_with_a_cap(cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An endless file is read up to the size limit, then refused, never read whole."""
    real = Path.read_bytes

    def bounded(self: Path) -> bytes:
        if str(self) == "/dev/zero":
            raise AssertionError("/dev/zero read without a bound")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", bounded)
    before = state(cli, home)
    code, _, err = cli("--home", home, "kb", "import", "/dev/zero", "--format", "md")
    assert code == 1 and "file too large (more than 16000000 bytes)" in err, err
    assert err.count("\n") == 1
    assert state(cli, home) == before


def test_the_mojibake_repair_case_still_imports(cli: Any, home: Path, tmp_path: Path) -> None:
    """What the importer is designed for: UTF-8 read as Windows-1254 and saved again (valid UTF-8)."""
    file = tmp_path / "damaged.md"
    file.write_text(
        damage(render_markdown(bundled(), "fr"), "cp1254", drop_soft_hyphens=True), encoding="utf-8"
    )
    code, out, err = cli("--home", home, "kb", "import", file, "--author", "test")
    assert code == 0, err
    assert "encoding repaired" in out and "no change" in out


@pytest.mark.parametrize(
    ("amount", "message"),
    [(FOUR_HUNDRED, "has more than 12 digits before the point"), ("49.0000001", "has more than 6 decimals")],
)
def test_kb_set_price_refuses_amounts_money_cannot_hold(
    cli: Any, home: Path, amount: str, message: str
) -> None:
    before = state(cli, home)
    code, _, err = cli("--home", home, "kb", "set-price", "vps-entry", "vmcloud", amount)
    assert code == 1 and message in err and err.count("\n") == 1, err
    assert state(cli, home) == before

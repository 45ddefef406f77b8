"""``veille sources add|edit|enable|disable|remove|export|import|history`` against loopback servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

FIX = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def home(tmp_path: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    home = tmp_path / "ws"
    code, _, err = cli("--home", home, "init")
    assert code == 0, err
    return home


def _listed(cli, home: Path) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = cli("--home", home, "sources", "list", "--json")
    assert code == 0, err
    return {row["id"]: row for row in json.loads(out)}


def test_add_feed_with_check_shows_then_saves(cli, home: Path, httpserver: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/blog.rss").respond_with_data(
        (FIX / "feeds" / "blog_fr_1.rss").read_bytes(), content_type="application/rss+xml"
    )
    url = httpserver.url_for("/blog.rss")
    code, out, err = cli("--home", home, "sources", "add", "feed", url, "--competitor", "OVHcloud", "--check")
    assert code == 0, err
    assert "observation(s) would be recorded" in out and "added ovhcloud.feed." in out
    row = next(r for r in _listed(cli, home).values() if r["url"] == url)
    assert row["competitor"] == "ovhcloud" and row["parser"] == "feed" and row["enabled"]
    code, out, err = cli("--home", home, "sources", "edit", row["id"], "--cadence", "2h", "-m", "less often")
    assert code == 0, err
    assert _listed(cli, home)[row["id"]]["cadence"] == "2h"
    assert cli("--home", home, "sources", "disable", row["id"])[0] == 0
    code, out, _ = cli("--home", home, "sources", "history", row["id"], "--json")
    assert [r["action"] for r in json.loads(out)] == ["add", "edit", "disable"]
    assert json.loads(out)[1]["message"] == "less often"
    assert cli("--home", home, "sources", "remove", row["id"])[0] == 0
    assert row["id"] not in _listed(cli, home)


def test_a_check_that_records_nothing_saves_nothing(cli, home: Path, httpserver: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/page").respond_with_data(
        "<html><body>hello</body></html>", content_type="text/html"
    )
    url = httpserver.url_for("/page")
    code, out, err = cli("--home", home, "sources", "add", "feed", url, "-c", "ovhcloud", "--check")
    assert code != 0
    assert "check failed" in out and "not saved" in err
    assert all(r["url"] != url for r in _listed(cli, home).values())


def test_price_api_with_a_jmespath_mapping(cli, home: Path, httpserver: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/plans").respond_with_json(
        {"data": {"plans": [
            {"id": "s1", "title": "Small", "cost": {"monthly": "4.99"}, "cpu": 1, "mem": 2},
            {"id": "m2", "title": "Medium", "cost": {"monthly": "9.50"}, "cpu": 2, "mem": 4},
            {"id": "x", "title": "Hidden"},
        ]}}
    )  # fmt: skip
    mapping = ["items=data.plans", "sku=id", "name=title", "price=cost.monthly", "currency='EUR'", "vcpu=cpu",
               "ram_gb=mem", "period=month"]  # fmt: skip
    args = [x for m in mapping for x in ("--option", m)]
    url = httpserver.url_for("/plans")
    code, out, err = cli("--home", home, "sources", "add", "price-api", url, "-c", "hetzner", *args, "--check",
                         "--id", "hetzner.plans-api", "--json")  # fmt: skip
    assert code == 0, err
    preview = json.loads(out[: out.rindex("]") + 1])
    offers = preview[0]["observations"]
    assert [(o["sku"], o["price_monthly"], o["vcpu"]) for o in offers] == [
        ("s1", "4.99", "1"),
        ("m2", "9.50", "2"),
    ]
    assert "hetzner.plans-api" in _listed(cli, home)


def test_bad_input_is_one_line(cli, home: Path, resolver) -> None:  # type: ignore[no-untyped-def]
    resolver["intranet.example"] = ["10.1.2.3"]
    cases = [
        (["add", "feed", "not a url", "-c", "ovhcloud"], "is not an http(s) URL"),
        (["add", "jobs", "acme", "-c", "ovhcloud"], "give --option platform=NAME"),
        (["add", "nosuchkind", "x", "-c", "ovhcloud"], "unknown source kind 'nosuchkind'"),
        (["add", "feed", "https://x.example/f", "-c", "nobody-known"], "unknown competitor"),
        (["add", "price-api", "https://x.example/p", "-c", "ovhcloud", "-o", "name=[", "-o", "price=p",
          "-o", "currency='EUR'"], "not valid JMESPath"),
        (["add", "status", "https://example.com/", "-c", "ovhcloud"], "cannot tell which status page"),
        (["add", "feed", "http://169.254.169.254/latest", "-c", "ovhcloud"], "169.254.169.254"),
        (["add", "feed", "https://intranet.example/rss", "-c", "ovhcloud"], "10.1.2.3"),
        (["edit", "ovhcloud.cloud"], "nothing to change"),
        (["remove", "ovhcloud.cloud"], "a shipped source can be disabled"),
    ]  # fmt: skip
    for args, message in cases:
        code, _, err = cli("--home", home, "sources", *args)
        assert code != 0, args
        assert message in err, (args, err)
        assert "Traceback" not in err


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.9", "loopback"),
        ("192.168.1.20", "private"),
        ("169.254.10.1", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.251", "multicast"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00::1", "private"),
    ],
)
def test_each_internal_address_class_is_refused_when_a_source_is_added(  # type: ignore[no-untyped-def]
    cli, home: Path, resolver, address: str, kind: str
) -> None:
    """At add time, by what the name resolves to (the fetch and its redirects are checked again:
    tests/pipeline/test_address_policy.py); nothing is saved."""
    resolver["watch.example.test"] = [address]
    before = set(_listed(cli, home))
    code, _, err = cli(
        "--home", home, "sources", "add", "feed", "https://watch.example.test/rss", "-c", "ovhcloud"
    )
    assert code != 0 and f"({address}): a {kind} address" in err, err
    assert "Traceback" not in err
    assert set(_listed(cli, home)) == before


def test_status_pages_are_recognised_from_the_url() -> None:
    from veille.sources.kinds import status_flavour

    assert status_flavour("https://acme.statuspage.io/") == "statuspage"
    assert status_flavour("https://status.acme.example/api/v2/summary.json") == "statuspage"
    assert status_flavour("https://status.acme.example/pages/5e126e998f2f032e1f8f0f4b") == "statusio"
    assert status_flavour("https://acme.betteruptime.com/") == "betterstack"
    assert status_flavour("https://uptime.acme.example/index.json") == "betterstack"
    assert status_flavour("https://acme.instatus.com/history.rss") == "feed"


def test_export_import_round_trip_into_a_fresh_workspace(cli, home: Path, tmp_path: Path, resolver) -> None:  # type: ignore[no-untyped-def]
    resolver.update({h: ["93.184.215.14"] for h in ("acme.example", "api.greenhouse.io", "boards-api.greenhouse.io",
                                                    "github.com")})  # fmt: skip
    for args in (["feed", "https://acme.example/blog.rss", "--cadence", "3h"],
                 ["jobs", "acme", "-o", "platform=greenhouse"],
                 ["pricing-page", "https://acme.example/pricing", "-o", "card=.plan", "-o", "name=h3",
                  "-o", "price=.price", "-o", "currency=EUR"],
                 ["github", "acme/cli"]):  # fmt: skip
        code, _, err = cli("--home", home, "sources", "add", *args, "-c", "ovhcloud")
        assert code == 0, err
    file = tmp_path / "watch.yaml"
    assert cli("--home", home, "sources", "export", file)[0] == 0
    fresh = tmp_path / "fresh"
    assert cli("--home", fresh, "init")[0] == 0
    code, out, err = cli("--home", fresh, "sources", "import", file)
    assert code == 0, err
    assert "imported 4 source(s)" in out
    mine = {k: v for k, v in _listed(cli, home).items() if k.startswith("ovhcloud.") and k not in _shipped()}
    theirs = {k: v for k, v in _listed(cli, fresh).items() if k in mine}
    assert len(mine) == 4
    strip = ("last_run_at", "next_run_at", "last_status", "last_error")
    assert {k: {f: v for f, v in r.items() if f not in strip} for k, r in theirs.items()} == {
        k: {f: v for f, v in r.items() if f not in strip} for k, r in mine.items()
    }
    second = tmp_path / "again.yaml"
    assert cli("--home", fresh, "sources", "export", second)[0] == 0
    assert second.read_text() == file.read_text()


def _shipped() -> set[str]:
    from veille.sources import sources

    return {s.id for s in sources() if s.origin == "builtin"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n- {id: a.ok, competitor: ovhcloud, kind: changelog, parser: feed, url: 'https://a.example/', cadence: 1h}\n"
         "- {id: a.bad, competitor: ovhcloud, kind: changelog, parser: nope, url: 'https://a.example/', cadence: 1h}\n",
         "line 3: unknown parser 'nope'"),
        ("sources:\n- {id: a.ok, competitor: ovhcloud, kind: changelog, parser: feed, url: 'https://a.example/', cadence: 1h}\n"
         "- {id: a.ok, competitor: ovhcloud, kind: changelog, parser: feed, url: 'https://b.example/', cadence: 1h}\n",
         "line 3: duplicate source id 'a.ok'"),
        ("sources:\n- {id: a.ok, competitor: ovhcloud, kind: changelog, parser: feed, url: 'https://a.example/', cadence: 1h}\n"
         "- {id: a.two, kind: changelog\n", "line 4: not valid YAML"),
    ],
)  # fmt: skip
def test_a_bad_import_names_the_line_and_imports_nothing(
    cli, home: Path, tmp_path: Path, text: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    code, _, err = cli("--home", home, "sources", "import", file)
    assert code != 0
    assert f"bad.yaml, {message}" in err
    assert "a.ok" not in _listed(cli, home)


def _competitors(cli, home: Path) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = cli("--home", home, "competitors", "list", "--json")
    assert code == 0, err
    return {row["id"]: row for row in json.loads(out)}


def test_the_watch_list_carries_its_new_competitors_into_a_fresh_workspace(  # type: ignore[no-untyped-def]
    cli, home: Path, tmp_path: Path, resolver
) -> None:
    resolver["nebius.example"] = ["93.184.215.14"]
    code, _, err = cli("--home", home, "competitors", "add", "nebius", "--name", "Nebius", "--country", "NL",
                       "--alias", "NBIS", "-m", "a GPU cloud we now watch")  # fmt: skip
    assert code == 0, err
    code, _, err = cli(
        "--home", home, "sources", "add", "feed", "https://nebius.example/blog.rss", "-c", "Nebius"
    )
    assert code == 0, err
    file = tmp_path / "watch.yaml"
    code, out, err = cli("--home", home, "sources", "export", file)
    assert code == 0 and "1 source(s) and 1 competitor(s)" in out, (out, err)
    fresh = tmp_path / "fresh"
    assert cli("--home", fresh, "init")[0] == 0
    code, out, err = cli("--home", fresh, "sources", "import", file)
    assert code == 0 and "1 new competitor(s)" in out, (out, err)
    assert _competitors(cli, fresh) == _competitors(cli, home)
    theirs = {k: r["url"] for k, r in _listed(cli, fresh).items() if r["competitor"] == "nebius"}
    assert theirs == {k: r["url"] for k, r in _listed(cli, home).items() if r["competitor"] == "nebius"}
    assert "https://nebius.example/blog.rss" in theirs.values()


def test_a_bad_competitor_in_a_watch_list_names_its_line_and_imports_nothing(  # type: ignore[no-untyped-def]
    cli, home: Path, tmp_path: Path
) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(
        "competitors:\n- {id: newco, name: NewCo, tier: direct}\n- {id: 'Not An Id!', name: Bad}\n"
        "sources:\n- {id: newco.blog, competitor: newco, kind: changelog, parser: feed, url: 'https://n.example/', cadence: 1h}\n"
    )  # fmt: skip
    code, _, err = cli("--home", home, "sources", "import", file)
    assert code != 0 and "bad.yaml, line 3:" in err, err
    assert "Traceback" not in err
    assert "newco" not in _competitors(cli, home) and "newco.blog" not in _listed(cli, home)

"""Alert channels go only where they may: webhooks to public hosts, files inside the workspace.

Webhook hosts are checked on what they resolve to (a resolver put in the system one's place, or IP
literals); the only server connected to is on 127.0.0.2, a loopback address the tests do not allow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update

from veille.act.channels import ChannelError, validate_target
from veille.act.outbox import dispatch
from veille.settings import Settings
from veille.store.db import Store
from veille.store.models import Alert, Channel
from veille.workspace import Workspace

from .conftest import NOW, event_row

Cli = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("json://127.0.0.2:8080/hook", "127.0.0.2: a loopback address"),
        ("jsons://hooks.example.test/x", "hooks.example.test (169.254.169.254): a cloud metadata address"),
        ("xml://intranet.example.test/x", "intranet.example.test (10.1.2.3): a private address"),
        ("form://[fd00:ec2::254]/x", "fd00:ec2::254: a cloud metadata address"),
        ("forms://cgnat.example.test/x", "cgnat.example.test (100.64.0.9): a shared (CGNAT) address"),
    ],
)
def test_webhooks_to_internal_addresses_are_refused(
    target: str, refusal: str, resolver: dict[str, list[str]]
) -> None:
    resolver.update({
        "hooks.example.test": ["169.254.169.254"],
        "intranet.example.test": ["10.1.2.3"],
        "cgnat.example.test": ["100.64.0.9"],
    })  # fmt: skip
    with pytest.raises(ChannelError, match=r"refused to connect") as err:
        validate_target("apprise", target, Settings(allowed_internal_hosts=[]))
    assert refusal in str(err.value) and err.value.permanent


def test_public_and_allowed_webhooks_pass(resolver: dict[str, list[str]]) -> None:
    resolver.update({"hooks.example.test": ["93.184.215.14"], "ci.internal": ["10.0.0.5"]})
    validate_target("apprise", "json://hooks.example.test/x", Settings(allowed_internal_hosts=[]))
    validate_target("apprise", "json://ci.internal/x", Settings(allowed_internal_hosts=["ci.internal"]))
    validate_target("apprise", "slack://TOKENA/TOKENB/TOKENC", Settings())  # no host to reach: not checked
    validate_target("apprise", "ntfy://veille-alerts", Settings())  # a topic on ntfy.sh, not a host
    resolver["ntfy.corp.test"] = ["192.168.4.4"]
    with pytest.raises(ChannelError, match="a private address"):  # a server of one's own is checked
        validate_target("apprise", "ntfy://ntfy.corp.test/veille", Settings(allowed_internal_hosts=[]))


def test_file_channels_stay_in_the_workspace_unless_a_folder_is_allowed(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "ws", tmp_path / "shared-alerts"
    settings = Settings(home=home)
    validate_target("file", "alerts.jsonl", settings)
    validate_target("file", str(home / "sub" / "a.jsonl"), settings)
    for outside in ("/etc/cron.d/veille", "../escape.jsonl", str(elsewhere / "a.jsonl")):
        with pytest.raises(ChannelError, match=r"outside the workspace.*VEILLE_ALERT_FILE_DIRS"):
            validate_target("file", outside, settings)
    home.mkdir()
    (home / "link").symlink_to(tmp_path)  # a link out of the workspace is outside too
    with pytest.raises(ChannelError, match="outside the workspace"):
        validate_target("file", "link/a.jsonl", settings)
    validate_target("file", str(elsewhere / "a.jsonl"), Settings(home=home, alert_file_dirs=[elsewhere]))


def test_the_cli_refuses_such_channels_and_stores_nothing(
    workspace: Workspace, cli: Cli, resolver: dict[str, list[str]]
) -> None:
    home = str(workspace.home)
    resolver["metadata.example.test"] = ["169.254.169.254"]
    for option, target, said in (
        ("--apprise", "json://metadata.example.test/hook", "a cloud metadata address"),
        ("--file", "/etc/cron.d/veille", "outside the workspace"),
    ):
        code, _, err = cli("--home", home, "alerts", "channels", "add", "sneaky", option, target)
        assert code == 1 and said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with workspace.store.session() as session:
        assert session.scalars(select(Channel).where(Channel.name == "sneaky")).first() is None


def test_a_stored_channel_that_became_internal_is_not_sent_to(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path, internal: HTTPServer
) -> None:
    """A channel stored before the rules (or by hand in the database) is checked again before sending."""
    with store.session() as session:
        session.execute(
            update(Channel)
            .where(Channel.name == "file")
            .values(kind="apprise", target=f"json://127.0.0.2:{internal.port}/hook")
        )
        session.add(Channel(name="escape", kind="file", target=str(tmp_path.parent / "escape.jsonl")))
    from veille.act.rules import RuleSpec, add_rule

    with store.session() as session:
        add_rule(session, RuleSpec("funding", kinds=("funding",), channels=("file", "escape")))
    add_events(event_row("funding", title="Series B"))
    summary = dispatch(store, tmp_path, NOW, settings=Settings(home=tmp_path))
    assert (summary.sent, summary.failed) == (0, 2)
    assert internal.log == [] and not (tmp_path.parent / "escape.jsonl").exists()
    assert any("loopback address" in e for e in summary.errors)
    assert any("outside the workspace" in e for e in summary.errors)
    with store.session() as session:
        assert {a.status for a in session.scalars(select(Alert))} == {"failed"}

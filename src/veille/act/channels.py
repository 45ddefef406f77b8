"""Where alerts go: a local JSON-lines file, or anything Apprise takes (email, Slack, Teams, Matrix, ntfy...).

Delivery guarantees (see docs/watch.md):

- the **file** channel is exactly-once: every line carries the alert's id, and an id already in the
  file is never written again, so an alert re-sent after a crash between "written" and "marked sent"
  is skipped;
- **Apprise** channels are at-least-once: a crash after the remote service accepted a message but
  before the outbox recorded it sends that message again on restart (the remote side cannot be asked).

Where they may go: a file channel writes inside the workspace, or in a folder named by
``VEILLE_ALERT_FILE_DIRS``; a webhook (``json://``, ``xml://``, ``form://``...) must name a host whose
addresses are all public, or allowed by ``VEILLE_ALLOWED_INTERNAL_HOSTS`` (``veille.netguard``),
checked when the channel is added and again before each send.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from veille.errors import VeilleError
from veille.netguard import AddressGuard, AddressRefused
from veille.settings import Settings
from veille.wording import title_in

KIND_LABELS: dict[str, tuple[str, str]] = {
    "price_change": ("Changement de prix", "Price change"),
    "offer_added": ("Nouvelle offre", "New offer"),
    "offer_removed": ("Offre retirée", "Offer withdrawn"),
    "spec_change": ("Caractéristiques modifiées", "Spec change"),
    "price_review": ("Relevé de prix à vérifier", "Price snapshot to review"),
    "incident": ("Incident", "Incident"),
    "incident_escalated": ("Incident aggravé", "Incident escalated"),
    "incident_resolved": ("Incident résolu", "Incident resolved"),
    "feature": ("Nouvelle fonctionnalité", "New feature"),
    "price_announcement": ("Annonce de prix", "Price announcement"),
    "mention": ("Mention", "Mention"),
    "review": ("Avis client", "Customer review"),
    "rating_change": ("Note modifiée", "Rating change"),
    "hiring": ("Recrutement", "Hiring"),
    "funding": ("Levée de fonds", "Funding round"),
    "filing": ("Publication légale", "Filing"),
    "source_failure": ("Source en échec", "Source failing"),
}


class ChannelError(VeilleError):
    """Sending failed. ``permanent`` errors (a bad URL, a missing channel) are not retried by themselves."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    def send(self, payloads: Sequence[Mapping[str, Any]], *, digest: str | None = None) -> None:
        """Deliver ``payloads`` (one alert each); raise ``ChannelError`` when they were not delivered."""


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    kind: str  # file, apprise
    target: str


# --- the JSON-lines file -------------------------------------------------------------------------------


class _FileIndex:
    """The alert ids already in one file, read incrementally from where the last read stopped."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.offset = 0
        self.inode: tuple[int, int] | None = None

    def refresh(self, fd: int) -> None:
        st = os.fstat(fd)
        if self.inode != (st.st_dev, st.st_ino) or st.st_size < self.offset:
            self.ids.clear()
            self.offset = 0
            self.inode = (st.st_dev, st.st_ino)
        if st.st_size == self.offset:
            return
        chunk = os.pread(fd, st.st_size - self.offset, self.offset)
        complete = chunk.rfind(b"\n") + 1  # a torn last line is read again next time
        for line in chunk[:complete].splitlines():
            try:
                alert_id = orjson.loads(line).get("id")
            except (orjson.JSONDecodeError, AttributeError):
                continue
            if isinstance(alert_id, int):
                self.ids.add(alert_id)
        self.offset += complete


_INDEXES: dict[str, _FileIndex] = {}
_INDEX_LOCK = threading.Lock()


class FileChannel:
    """Appends one JSON object per alert to a file; idempotent by alert id, safe across processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, payloads: Sequence[Mapping[str, Any]], *, digest: str | None = None) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o640)
        except OSError as exc:
            raise ChannelError(f"cannot open {self.path}: {exc.strerror}") from exc
        key = str(self.path.resolve())
        try:
            with _INDEX_LOCK:
                fcntl.flock(fd, fcntl.LOCK_EX)  # another process may be appending to the same file
                index = _INDEXES.setdefault(key, _FileIndex())
                index.refresh(fd)
                size = os.fstat(fd).st_size
                lines: list[bytes] = []
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    lines.append(b"\n")  # close a line torn by a crash before appending
                new_ids: list[int] = []
                for payload in payloads:
                    alert_id = int(payload["id"])
                    if alert_id in index.ids or alert_id in new_ids:
                        continue
                    line = dict(payload)
                    if digest:
                        line["digest"] = digest
                    lines.append(orjson.dumps(line) + b"\n")
                    new_ids.append(alert_id)
                if new_ids:
                    os.write(fd, b"".join(lines))
                    os.fsync(fd)
                    index.refresh(fd)
        except OSError as exc:
            raise ChannelError(f"cannot write {self.path}: {exc.strerror}") from exc
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def read_file_alerts(path: Path) -> list[dict[str, Any]]:
    """Every complete alert line of a file channel (for tests, the demo and ``veille alerts``)."""
    if not path.exists():
        return []
    alerts = []
    for line in path.read_bytes().splitlines():
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(item, dict):
            alerts.append(item)
    return alerts


# --- Apprise -------------------------------------------------------------------------------------------


def _titles(payload: Mapping[str, Any]) -> str:
    """The event's title in French, then in English where the two differ."""
    kind, title, data = str(payload.get("kind")), str(payload.get("title", "")), payload.get("data")
    fr, en = (title_in(lang, kind, title, data if isinstance(data, dict) else None) for lang in ("fr", "en"))
    return fr if fr == en else f"{fr}\n  {en}"


def render_text(payloads: Sequence[Mapping[str, Any]], digest: str | None) -> tuple[str, str]:
    """A bilingual (FR / EN) title and plain-text body for one alert or a digest of several."""
    if digest or len(payloads) != 1:
        title = f"[veille] Synthèse / Digest {digest or ''}: {len(payloads)} alerte(s) / alert(s)".replace(
            " :", ":"
        )
    else:
        p = payloads[0]
        fr, en = KIND_LABELS.get(str(p.get("kind")), (str(p.get("kind")), str(p.get("kind"))))
        who = f" · {p['competitor']}" if p.get("competitor") else ""
        title = f"[veille] {fr} / {en}{who}"
    body_lines = []
    for p in payloads:
        fr, en = KIND_LABELS.get(str(p.get("kind")), (str(p.get("kind")), str(p.get("kind"))))
        line = f"- [{p.get('importance', '')}] {fr} / {en}"
        if p.get("competitor"):
            line += f" · {p['competitor']}"
        line += f": {_titles(p)}"
        if p.get("url"):
            line += f"\n  {p['url']}"
        body_lines.append(line)
    return title, "\n".join(body_lines)


class AppriseChannel:
    """Sends through Apprise; one notification per alert, or one per digest batch. At-least-once."""

    def __init__(self, url: str, guard: AddressGuard | None = None) -> None:
        self.url = url
        self.guard = guard or AddressGuard()

    def send(self, payloads: Sequence[Mapping[str, Any]], *, digest: str | None = None) -> None:
        import apprise

        check_webhook(self.url, self.guard)
        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise ChannelError("Apprise does not understand this channel's URL", permanent=True)
        batches = [list(payloads)] if digest else [[p] for p in payloads]
        for batch in batches:
            title, body = render_text(batch, digest)
            if not notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
                raise ChannelError("Apprise could not deliver the notification")


# schemes whose URL names the host Apprise posts to (webhooks and self-hosted services)
WEBHOOK_SCHEMES = frozenset(
    f"{base}{tls}"
    for base in ("json", "xml", "form", "apprise", "gotify", "mmost", "rocket", "ncloud", "ntfy")
    for tls in ("", "s")
)


def check_webhook(target: str, guard: AddressGuard) -> None:
    """Refuse a webhook whose host resolves to an internal address (``veille.netguard``)."""
    scheme = target.split("://", 1)[0].lower()
    if scheme not in WEBHOOK_SCHEMES or "://" not in target:
        return
    try:
        parts = urlsplit(target)
        host, port = parts.hostname, parts.port or (443 if scheme.endswith("s") else 80)
    except ValueError as exc:
        raise ChannelError(f"bad {scheme}:// URL: {exc}", permanent=True) from None
    if scheme.startswith("ntfy") and parts.path.strip("/") == "":
        return  # ntfy://TOPIC posts to ntfy.sh; ntfy://HOST/TOPIC to a server of one's own
    if not host:
        raise ChannelError(f"a {scheme}:// URL needs a host", permanent=True)
    try:
        guard.resolve_now(host, port)
    except AddressRefused as exc:
        raise ChannelError(f"{scheme}:// channel: {exc}", permanent=True) from None
    except OSError as exc:
        raise ChannelError(f"{scheme}:// channel: {host} does not resolve ({exc.strerror or exc})") from None


def file_path(target: str, home: Path, folders: Sequence[Path] = ()) -> Path:
    """Where a file channel writes (a relative path is in the workspace), if inside an allowed folder."""
    path = Path(target).expanduser()
    real = (path if path.is_absolute() else home / path).resolve()
    roots = [home.resolve(), *(Path(f).expanduser().resolve() for f in folders)]
    if not any(real.is_relative_to(root) for root in roots):
        raise ChannelError(
            f"file channel {target!r} is outside the workspace ({home}); "
            "VEILLE_ALERT_FILE_DIRS names the other folders alerts may be written to",
            permanent=True,
        )
    return real


def validate_target(kind: str, target: str, settings: Settings | None = None) -> None:
    """Refuse a channel that could never send, or would send where it may not."""
    settings = settings or Settings()
    if kind == "file":
        if not target.strip():
            raise ChannelError("a file channel needs a path", permanent=True)
        file_path(target, settings.home, settings.alert_file_dirs)
        return
    if kind == "apprise":
        import apprise

        if not apprise.Apprise().add(target):
            raise ChannelError(
                f"Apprise does not understand {target.split(':', 1)[0]}:// URLs", permanent=True
            )
        check_webhook(target, settings.address_guard)
        return
    raise ChannelError(f"unknown channel kind {kind!r} (file or apprise)", permanent=True)


def open_sender(config: ChannelConfig, home: Path, settings: Settings | None = None) -> Sender:
    """The sender of a channel; a relative file path is read from the workspace folder."""
    settings = settings or Settings(home=home)
    if config.kind == "file":
        return FileChannel(file_path(config.target, home, settings.alert_file_dirs))
    if config.kind == "apprise":
        return AppriseChannel(config.target, settings.address_guard)
    raise ChannelError(f"unknown channel kind {config.kind!r}", permanent=True)

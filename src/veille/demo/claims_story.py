"""The demo's claims story (docs/claims.md): over its three weeks, a claim that holds (Hetzner's VPS Entry
cell), one that a price move turns contradicted (Scaleway's VPS Entry cell, when DEV1-M goes up in week
2), one an editor accepts after week 2 (Scaleway's "premium" place on the price axis: a knowledge-base
revision, in ``veille kb history`` and in the final edition of the analysis) and one dismissed after
week 2 (OVHcloud's VPS Entry cell), which stays quiet while its data does not move."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

HOLDS = "price_cell:vps-entry:hetzner"
TURNS = "price_cell:vps-entry:scaleway"
ACCEPTED = "price_level:scaleway"
DISMISSED = "price_cell:vps-entry:ovhcloud"
EDITOR = "demo-editor"
ACCEPT_REASON = "Next to our live prices Scaleway is low-cost, not premium; the map now says so"
DISMISS_REASON = "OVHcloud's d2-4 is a discovery instance, not what our customers compare us with"


def decide(store: Any, at: datetime) -> list[str]:
    """The editor's decisions after week 2 (``at``): accept one contradicted claim, dismiss another.
    Returns what to tell the reader."""
    from veille.analysis.claims.decide import accept, dismiss
    from veille.store.models import KbRevision

    when = at + timedelta(minutes=30)
    with store.session() as session:
        revision = accept(session, ACCEPTED, author=EDITOR, reason=ACCEPT_REASON, now=when)
        row = session.get(KbRevision, revision)
        if row is not None:  # the demo's clock, not the wall clock: the decision is part of week 2
            row.created_at = when
        dismiss(session, DISMISSED, author=EDITOR, reason=DISMISS_REASON)
    return [
        f"claims: {EDITOR} accepted {ACCEPTED} (knowledge base revision {revision}: `veille kb history`)",
        f"claims: {EDITOR} dismissed {DISMISSED} ({DISMISS_REASON})",
    ]


def summary(store: Any) -> list[str]:
    """Where the story's four claims stand at the end."""
    from veille.analysis.claims import stored

    with store.session() as session:
        found = {c["id"]: c for c in stored(session)}
    lines = []
    for claim_id in (HOLDS, TURNS, ACCEPTED, DISMISSED):
        c = found.get(claim_id)
        if c is not None:
            was = f", was {c['previous_verdict']}" if c["previous_verdict"] else ""
            lines.append(f"  {claim_id}: {c['verdict']}{was} ({c['status']})")
    return ["claims story (`veille claims`):", *lines] if lines else []

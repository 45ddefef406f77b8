"""An editor's decision on a contradicted claim: accept its proposed revision, or dismiss it.

Accepting applies the proposal through the knowledge base's own edits (:mod:`veille.kb.edit`) and
saves it as a revision whose message names the claim, the reason and the evidence, so ``veille kb
history`` and ``kb diff`` show it. Dismissing keeps the claim quiet until its inputs move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from veille.analysis.claims.check import refresh
from veille.errors import NotFoundError, ValidationError
from veille.kb import edit
from veille.kb.schema import KnowledgeBase
from veille.kb.store import current
from veille.store.models import ClaimCheck


def _row(session: Session, claim_id: str) -> ClaimCheck:
    row = session.get(ClaimCheck, claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id!r} (see `veille claims`)")
    return row


def apply(kb: KnowledgeBase, proposal: dict[str, Any]) -> KnowledgeBase:
    """``kb`` with ``proposal`` applied (set_price, set_score, set_segment or strike)."""
    action, competitor = proposal["action"], proposal["competitor"]
    if action == "set_price":
        return edit.set_price(kb, proposal["product"], competitor, proposal["amount"], proposal["currency"])
    if action == "set_score":
        return edit.set_score(kb, competitor, proposal["criterion"], int(proposal["score"]))
    if action == "strike":
        return edit.remove_item(kb, competitor, proposal["field"], proposal["sentence"]["fr"])
    if action == "set_probability":
        from veille.analysis.claims.threats import apply_probability

        try:
            return apply_probability(kb, proposal["threat"], proposal["probability"])
        except KeyError:
            raise NotFoundError(f"the analysis has no threat {proposal['threat']!r} any more") from None
    if action == "set_segment":
        new = kb.model_copy(deep=True)
        placement = next((p for p in new.segmentation.placements if p.competitor == competitor), None)
        if placement is None:
            raise NotFoundError(f"{competitor} has no place on the segmentation map")
        placement.price = proposal["segment"]
        return KnowledgeBase.model_validate(new.model_dump())
    raise ValidationError(f"unknown proposal {action!r}")


def _evidence_line(evidence: list[dict[str, Any]]) -> str:
    offers = [e for e in evidence if e.get("type") == "offer"][:6]
    parts = [
        f"{e['competitor']} {e['sku']} {e.get('price_monthly') or e['monthly_eur']} {e.get('currency') or 'EUR'}"
        f" ({(e.get('observed_at') or '')[:10]})"
        for e in offers
    ]
    return "; ".join(parts) or "no offer"


def accept(session: Session, claim_id: str, *, author: str, reason: str, now: datetime) -> int:
    """Apply the proposed revision of a contradicted claim; returns the new revision's id."""
    row = _row(session, claim_id)
    if row.verdict != "contradicted" or not row.proposal:
        raise ValidationError(f"claim {claim_id} is {row.verdict}: there is no revision to accept")
    kb = apply(current(session), row.proposal)
    message = (
        f"{reason or 'accepted'} — claim {claim_id}: {row.proposal['text']['en']}. "
        f"Evidence: {_evidence_line(row.evidence)}"
    )
    revision = edit.record(session, kb, author=author, message=message)
    row.status = "accepted"
    session.flush()
    refresh(session, now)
    return revision


def dismiss(session: Session, claim_id: str, *, author: str, reason: str) -> None:
    """Silence a claim until its inputs move (its digest changes)."""
    if not reason.strip():
        raise ValidationError("give the reason for dismissing it (--reason)")
    row = _row(session, claim_id)
    row.status = "dismissed"
    row.dismissed_digest = row.inputs_digest
    row.dismissed_reason = f"{reason.strip()} ({author})"

"""Verdicts of the price claims: table cells, the price axis, the matrix's price score, price sentences.

``inputs(claim, market)`` is everything the verdict reads, as plain data (what the digest covers);
``judge(claim, inputs)`` turns it into a :class:`Check`. Thresholds: :mod:`.model`, docs/claims.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from veille.analysis.claims import model as m
from veille.analysis.claims.derive import segment_words
from veille.analysis.claims.market import SELF, Market, offer_evidence
from veille.analysis.claims.model import Check, Claim, both, decimal_text, median, ratio_text
from veille.normalise import money

Ratios = list[tuple[Decimal, dict[str, Any]]]


def inputs(claim: Claim, market: Market) -> dict[str, Any]:
    """The data a price claim's verdict reads."""
    c = claim.competitor
    if claim.kind == "price_cell":
        product = claim.expected["product"]
        row = market.live.get(product, {}).get(c)
        return {
            "kb_eur": money.fmt(market.kb_eur.get((product, c))),
            "offer": offer_evidence(row) if row else None,
            "watched": market.watched(c),
        }
    if claim.kind == "price_level" and c != SELF:
        return {"basis": "our_price", "ratios": _plain(market.against_us(c))}
    if claim.kind == "price_sentence" and claim.section == "our_advantages":
        return {"basis": "our_price", "ratios": _plain(market.against_us(c))}
    return {"basis": "market_median", "ratios": _plain(market.against_market(c))}


def _plain(ratios: Ratios) -> list[list[Any]]:
    return [[str(r), e] for r, e in ratios]


def _ratios(data: dict[str, Any]) -> Ratios:
    return [(Decimal(r), e) for r, e in data["ratios"]]


def judge(claim: Claim, data: dict[str, Any]) -> Check:
    if claim.kind == "price_cell":
        return _cell(claim, data)
    ratios = _ratios(data)
    if not ratios:
        return _no_data(claim)
    evidence = _flat([e for _, e in ratios])
    if all(e.get("stale") for e in evidence if e["type"] == "offer"):
        return Check("stale", _stale_reason(), evidence)
    level = median([r for r, _ in ratios])
    assert level is not None
    if claim.kind == "price_level":
        return _level(claim, level, data["basis"], evidence)
    if claim.kind == "price_score":
        return _score(claim, level, evidence)
    return _sentence(claim, level, data["basis"], evidence)


def _flat(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """VMCloud's own prices followed by the offers the market's median was made of."""
    out = []
    for item in evidence:
        offers = item.get("offers")
        out.append({k: v for k, v in item.items() if k != "offers"})
        out.extend(offers or [])
    return out


def _stale_reason() -> dict[str, str]:
    return both(
        "les prix relevés sont plus anciens que ce que permet la cadence de leur source",
        "the collected prices are older than their source's cadence allows",
    )


def _no_data(claim: Claim) -> Check:
    if claim.competitor == SELF or claim.section == "our_advantages":
        return Check(
            "unverifiable",
            both(
                "aucune offre relevée ne correspond à un produit de référence dont nous avons le prix",
                "no collected offer matches a reference product we have a price for",
            ),
        )
    return Check(
        "unverifiable",
        both(
            "aucune offre relevée de ce concurrent ne correspond à un produit de référence",
            "no collected offer of this competitor matches a reference product",
        ),
    )


def _cell(claim: Claim, data: dict[str, Any]) -> Check:
    offer, kb_eur = data["offer"], data["kb_eur"]
    if offer is None:
        if claim.expected["amount"] is None and data["watched"]:
            return Check("holds", both("aucune offre relevée ne correspond", "no collected offer matches"))
        if claim.competitor == SELF:
            return Check(
                "unverifiable",
                both("le catalogue de VMCloud n'est pas relevé", "VMCloud's own catalogue is not collected"),
            )
        return Check(
            "unverifiable",
            both(
                "aucune offre relevée de ce fournisseur ne correspond à ce produit",
                "no collected offer of this provider matches this product",
            ),
        )
    if offer["stale"]:
        return Check("stale", _stale_reason(), [offer])
    if claim.expected["amount"] is None:
        reason = both(
            f"{offer['sku']} correspond, à {decimal_text(offer['monthly_eur'], 'fr')} €/mois",
            f"{offer['sku']} matches, at €{offer['monthly_eur']}/month",
        )
        return Check("contradicted", reason, [offer], _set_price(claim, offer))
    if kb_eur is None:
        return Check(
            "unverifiable",
            both(
                "aucun taux de change pour le prix de l'analyse", "no exchange rate for the analysis's price"
            ),
            [offer],
        )
    live, figure = Decimal(offer["monthly_eur"]), Decimal(kb_eur)
    gap = abs(live - figure) / figure if figure else Decimal(1)
    verdict: m.Verdict = (
        "holds" if gap <= m.CELL_HOLDS else "weakened" if gap <= m.CELL_WEAKENED else "contradicted"
    )
    pct = format((gap * 100).quantize(Decimal(1)), "f")
    reason = both(
        f"moins chère offre relevée : {offer['sku']} à {decimal_text(offer['monthly_eur'], 'fr')} €/mois, contre "
        f"{decimal_text(kb_eur, 'fr')} € dans l'analyse (écart {pct} %)",
        f"cheapest collected offer: {offer['sku']} at €{offer['monthly_eur']}/month, against €{kb_eur} in the analysis ({pct}% apart)",
    )
    return Check(verdict, reason, [offer], _set_price(claim, offer) if verdict == "contradicted" else None)


def _set_price(claim: Claim, offer: dict[str, Any]) -> dict[str, Any]:
    amount, currency = offer["price_monthly"], offer["currency"]
    if amount is None:
        amount, currency = offer["monthly_eur"], "EUR"
    product = claim.expected["product"]
    label = claim.expected.get("label") or product  # the product's name, not its id
    shown = money.fmt(Decimal(str(amount)), 2)
    return {
        "action": "set_price",
        "competitor": claim.competitor,
        "product": product,
        "amount": amount,
        "currency": currency,
        "text": both(
            f"Prix {label} de {claim.who} : {shown} {currency} (offre {offer['sku']})",
            f"{label} price of {claim.who}: {shown} {currency} (offer {offer['sku']})",
        ),
    }


def segment_of(level: Decimal) -> str:
    if level < m.SEGMENT_LOW:
        return "low_cost"
    return "premium" if level > m.SEGMENT_HIGH else "mid"


def _barely_crossed(level: Decimal, found: str, expected: str) -> bool:
    """True when ``found`` and ``expected`` are neighbours and ``level`` is close to the threshold between."""
    pair = {found, expected}
    threshold = {
        frozenset(("low_cost", "mid")): m.SEGMENT_LOW,
        frozenset(("mid", "premium")): m.SEGMENT_HIGH,
    }.get(frozenset(pair))
    return threshold is not None and abs(level - threshold) <= threshold * m.SEGMENT_MARGIN


def _basis_words(basis: str) -> tuple[str, str]:
    if basis == "our_price":
        return "le prix de VMCloud", "VMCloud's price"
    return "le prix médian du marché", "the market's median price"


def _level(claim: Claim, level: Decimal, basis: str, evidence: list[dict[str, Any]]) -> Check:
    found = segment_of(level)
    fr_basis, en_basis = _basis_words(basis)
    fr_seg, en_seg = segment_words(found)
    reason = both(
        f"prix médian à {ratio_text(level, 'fr')} fois {fr_basis} : {fr_seg}",
        f"median price at {ratio_text(level)} times {en_basis}: {en_seg}",
    )
    if found == claim.expected["segment"]:
        return Check("holds", reason, evidence)
    if _barely_crossed(level, found, claim.expected["segment"]):
        return Check("weakened", reason, evidence)
    proposal = {
        "action": "set_segment",
        "competitor": claim.competitor,
        "segment": found,
        "text": both(
            f"Placer {claim.who} en {fr_seg} sur l'axe des prix",
            f"Place {claim.who} as {en_seg} on the price axis",
        ),
    }
    return Check("contradicted", reason, evidence, proposal)


def score_of(level: Decimal) -> int:
    """The price score (5 = cheapest) of a median ratio to the market's median price."""
    return next((score for bound, score in m.SCORE_BOUNDS if level <= bound), 0)


def _score(claim: Claim, level: Decimal, evidence: list[dict[str, Any]]) -> Check:
    found, stored = score_of(level), claim.expected["score"]
    reason = both(
        f"prix médian à {ratio_text(level, 'fr')} fois le prix médian du marché : note {found}/5 (analyse : {stored}/5)",
        f"median price at {ratio_text(level)} times the market's median: score {found}/5 (analysis: {stored}/5)",
    )
    gap = abs(found - stored)
    if gap == 0:
        return Check("holds", reason, evidence)
    if gap == 1:
        return Check("weakened", reason, evidence)
    proposal = {
        "action": "set_score",
        "competitor": claim.competitor,
        "criterion": "price",
        "score": found,
        "text": both(f"Note prix de {claim.who} : {found}/5", f"Price score of {claim.who}: {found}/5"),
    }
    return Check("contradicted", reason, evidence, proposal)


def _sentence(claim: Claim, level: Decimal, basis: str, evidence: list[dict[str, Any]]) -> Check:
    stance = claim.expected["stance"]
    if stance is None:
        return Check(
            "unverifiable",
            both(
                "la phrase ne dit pas si le prix est bas ou élevé",
                "the sentence does not say whether the price is low or high",
            ),
            evidence,
        )
    fr_basis, en_basis = _basis_words(basis)
    reason = both(
        f"{claim.who} : prix médian à {ratio_text(level, 'fr')} fois {fr_basis}",
        f"{claim.who}'s median price at {ratio_text(level)} times {en_basis}",
    )
    # our advantage "cheaper pricing": their price is above ours; a strength "cheap": below the market's
    cheap_for_them = stance == "cheap" and basis != "our_price"
    low_is_true = cheap_for_them or (stance == "dear" and basis == "our_price")
    one = m.SENTENCE_HOLDS
    if low_is_true:
        verdict: m.Verdict = (
            "holds" if level <= one else "weakened" if level <= one + m.SENTENCE_SLACK else "contradicted"
        )
    else:
        verdict = (
            "holds" if level >= one else "weakened" if level >= one - m.SENTENCE_SLACK else "contradicted"
        )
    proposal = _strike(claim, reason) if verdict == "contradicted" else None
    return Check(verdict, reason, evidence, proposal)


def _strike(claim: Claim, reason: dict[str, str]) -> dict[str, Any]:
    return {
        "action": "strike",
        "competitor": claim.competitor,
        "field": claim.section,
        "sentence": claim.text,
        "text": both(
            f"Retirer « {claim.text['fr']} » ({reason['fr']})",
            f'Strike "{claim.text["en"]}" ({reason["en"]})',
        ),
    }

"""Review analysis: the evidence behind a competitor's Support and UX scores (review counts, mean
sentiment, themes, ratings read by hand). Themes and sentiment are ``veille.normalise.reviews``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.normalise.reviews import NEGATIVE, plain
from veille.store.models import RatingRow, ReviewRow

_HUNDREDTH = Decimal("0.01")


def matrix_evidence(session: Session, competitor: str, *, samples: int = 3) -> dict[str, Any]:
    """Evidence behind a competitor's Support and UX scores: review counts, mean sentiment, share of
    negative reviews and a few example reviews per theme, plus the latest aggregate per platform."""
    from veille.detect.reviews import latest_rating  # it reads this module's lexicon: imported here

    reviews = session.scalars(select(ReviewRow).where(ReviewRow.competitor == competitor)).all()
    by_theme: dict[str, list[ReviewRow]] = defaultdict(list)
    for review in reviews:
        for theme in review.themes or []:
            by_theme[theme].append(review)
    out: dict[str, Any] = {"competitor": competitor, "reviews": len(reviews), "criteria": {}, "ratings": []}
    for criterion in ("support", "ux"):
        rows = by_theme.get(criterion, [])
        scored = [r.sentiment for r in rows if r.sentiment is not None]
        mean = (sum(scored, Decimal(0)) / len(scored)).quantize(_HUNDREDTH) if scored else None
        negative = sum(1 for s in scored if s <= NEGATIVE)
        newest = sorted(rows, key=lambda r: r.published_at or r.first_seen_at, reverse=True)[:samples]
        out["criteria"][criterion] = {
            "reviews": len(rows),
            "mean_sentiment": str(mean) if mean is not None else None,
            "negative_share": str((Decimal(negative) / len(scored)).quantize(_HUNDREDTH)) if scored else None,
            "examples": [
                {
                    "platform": r.platform,
                    "title": r.title,
                    "sentiment": str(r.sentiment.quantize(_HUNDREDTH)) if r.sentiment is not None else None,
                    "url": r.url,
                }
                for r in newest
            ],
        }
    platforms = session.scalars(
        select(RatingRow.platform).where(RatingRow.competitor == competitor).distinct()
    )
    for platform in sorted(platforms):
        row = latest_rating(session, competitor, platform)
        if row is not None:
            out["ratings"].append(
                {
                    "platform": platform,
                    "score": plain(row.score),
                    "scale": plain(row.scale),
                    "count": row.count,
                    "as_of": row.as_of.isoformat(),
                    "url": row.url,
                    "manual": row.entered_by is not None,
                }
            )
    return out

"""The analysis checks itself: every claim of the knowledge base held against the live data.

:func:`refresh` derives the claims (:mod:`.derive`), reads the live data once (:mod:`.market`,
:mod:`.signals`), re-checks the claims whose inputs changed (:mod:`.prices`, :mod:`.signals`) and
stores the verdicts (:mod:`.check`); docs/claims.md says how each verdict is reached.
"""

from veille.analysis.claims.check import Refresh, as_dict, evaluate, judge, refresh, stored
from veille.analysis.claims.derive import derive, stance, tags
from veille.analysis.claims.model import VERDICTS, Check, Claim

__all__ = [
    "VERDICTS",
    "Check",
    "Claim",
    "Refresh",
    "as_dict",
    "derive",
    "evaluate",
    "judge",
    "refresh",
    "stance",
    "stored",
    "tags",
]

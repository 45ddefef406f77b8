"""Job functions: the canonical function of a posting from its title and department (English, French,
German), and the words of each function in French and English."""

from __future__ import annotations

import re

# The job functions, with their words in French and English (events, reports and dashboard).
FUNCTION_WORDS: dict[str, tuple[str, str]] = {
    "engineering": ("ingénierie", "engineering"),
    "gpu_ai": ("GPU/IA", "GPU/AI"),
    "sales": ("ventes", "sales"),
    "support": ("support", "support"),
    "datacenter_ops": ("exploitation des data centers", "data-centre operations"),
    "marketing": ("marketing", "marketing"),
    "other": ("autres", "other"),
}
FUNCTIONS = tuple(FUNCTION_WORDS)

# Ordered: the first function whose pattern matches wins, so "Sales Engineer" is sales and
# "ML Engineer" is GPU/AI. Patterns are matched on lower-cased text with word boundaries.
_RULES: tuple[tuple[str, str], ...] = (
    (
        "gpu_ai",
        r"\bgpus?\b|\bcuda\b|\bai\b|\bml\b|\bmlops\b|\bllms?\b|machine learning|deep learning|artificial intelligence"
        r"|intelligence artificielle|apprentissage automatique|\bia\b|\bki\b|künstliche intelligenz"
        r"|maschinelles lernen|inference|inférence|\bhpc\b|research scientist",
    ),
    (
        "datacenter_ops",
        r"data ?cent(?:er|re)|\bdc\b|centre de données|centres de données|datacentre|rechenzentrum"
        r"|critical facilit|facilities|hardware technician|field technician|technicien (?:de )?maintenance"
        r"|site operations|site reliability technician|electrical|électricien|elektriker|mechanical|hvac"
        r"|cabling|câblage|\bracks?\b",
    ),
    (
        "support",
        r"support|customer success|customer care|customer service|service client|relation client"
        r"|helpdesk|help desk|kundenservice|kundenbetreuung|kundensupport|technical account manager|\btam\b",
    ),
    (
        "sales",
        r"\bsales\b|account executive|account manager|business development|\bbdr\b|\bsdr\b|partnerships?"
        r"|channel manager|commercial|ventes?|vertrieb|verkauf|key account|solutions? architect|presales|pre-sales"
        r"|deal desk",
    ),
    (
        "marketing",
        r"marketing|brand|communications?|content|seo\b|growth|public relations|\bpr\b|\bevents?\b|community manager"
        r"|developer relations|devrel|evangelist|kommunikation|marque",
    ),
    (
        "engineering",
        r"engineer|engineering|developer|software|devops|\bsre\b|site reliability|platform|backend|back-end"
        r"|frontend|front-end|full[- ]?stack|architect|security|sécurité|sicherheit|network|réseau|netzwerk"
        r"|infrastructure|cloud|kubernetes|linux|storage|database|ingénieur|développeu|developpeu|entwickler"
        r"|informatiker|systemadministrator|administrateur système|sysadmin|product manager|chef de produit"
        r"|qa\b|quality assurance|test|programmer|data scientist|data engineer|technical writer",
    ),
)
_COMPILED = tuple((name, re.compile(pattern)) for name, pattern in _RULES)
_SPECIFIC = ("gpu_ai", "datacenter_ops", "support", "sales", "marketing")


def _match(text: str) -> str:
    lowered = text.lower()
    for name, pattern in _COMPILED:
        if pattern.search(lowered):
            return name
    return "other"


def classify(title: str, department: str | None = None) -> str:
    """The canonical function of a posting from its title, refined by its department.

    The title decides; when it only says "engineering" (or nothing), a more specific department
    (an "AI Infrastructure" or "Data Center Operations" team) takes over.
    """
    by_title = _match(title or "")
    if department:
        by_department = _match(department)
        if by_title in ("engineering", "other") and by_department in _SPECIFIC:
            return by_department
        if by_title == "other":
            return by_department
    return by_title

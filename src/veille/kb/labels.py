"""The fixed words of the analysis document (headings, table headers, tree titles), in French and English.

The importer recognises either language; the Markdown export writes the one asked for.
"""

from __future__ import annotations

from veille.kb.schema import Lang, Text

SECTIONS: dict[int, Text] = {
    1: Text(fr="Vue d'ensemble du marché", en="Market overview"),
    2: Text(fr="Concurrents directs (Tier 1)", en="Direct competitors (Tier 1)"),
    3: Text(fr="Analyse détaillée des concurrents", en="Detailed competitor analysis"),
    4: Text(fr="Concurrents GPU (Tier 2)", en="GPU competitors (Tier 2)"),
    5: Text(
        fr="Les hyperscalers (pas des concurrents directs)", en="The hyperscalers (not direct competitors)"
    ),
    6: Text(fr="Matrice comparative", en="Comparison matrix"),
    7: Text(fr="Différenciateurs VMCloud", en="VMCloud differentiators"),
    8: Text(fr="Opportunités de marché", en="Market opportunities"),
    9: Text(fr="Menaces et scénarios", en="Threats and scenarios"),
    10: Text(fr="Veille concurrentielle", en="Competitive watch"),
    11: Text(fr="Stratégie compétitive", en="Competitive strategy"),
    12: Text(fr="Résumé exécutif", en="Executive summary"),
}

SUB: dict[str, Text] = {
    "market": Text(fr="Le marché cloud européen", en="The European cloud market"),
    "segmentation": Text(fr="Segmentation des acteurs", en="How the players are segmented"),
    "who": Text(fr="Qui sont les vrais concurrents de VMCloud ?", en="Who are VMCloud's real competitors?"),
    "gpu_market": Text(fr="Marché GPU Cloud", en="The GPU cloud market"),
    "why_not": Text(
        fr="Pourquoi AWS/GCP/Azure ne sont PAS nos concurrents directs",
        en="Why AWS/GCP/Azure are NOT our direct competitors",
    ),
    "choose_them": Text(
        fr="Quand un prospect choisit AWS plutôt que VMCloud", en="When a prospect chooses AWS over VMCloud"
    ),
    "choose_us": Text(
        fr="Quand un prospect choisit VMCloud plutôt que AWS", en="When a prospect chooses VMCloud over AWS"
    ),
    "matrix": Text(fr="Comparaison globale", en="Overall comparison"),
    "prices": Text(fr="Positionnement prix détaillé", en="Detailed price positioning"),
    "unique": Text(fr="Ce qui rend VMCloud unique", en="What makes VMCloud unique"),
    "moat": Text(
        fr='Le "Moat" VMCloud (avantage défendable)', en='The VMCloud "moat" (defensible advantage)'
    ),
    "segments": Text(fr="Segments mal servis", en="Underserved segments"),
    "regions": Text(fr="Régions sous-exploitées", en="Under-exploited regions"),
    "use_cases": Text(fr="Use cases non adressés", en="Use cases nobody addresses"),
    "threat": Text(fr="Menace #{n} : {title}", en="Threat #{n}: {title}"),
    "watch_system": Text(fr="Système de veille en place", en="The watch system in place"),
    "watch_items": Text(fr="Ce qu'on surveille", en="What we watch"),
    "how_to_win": Text(fr="Comment gagner contre chaque concurrent", en="How to win against each competitor"),
    "principles": Text(fr="Principes stratégiques", en="Strategic principles"),
}

HEADERS: dict[str, list[Text]] = {
    "direct": [Text(fr="Concurrent", en="Competitor"), Text(fr="Niveau de menace", en="Threat level"),
               Text(fr="Pourquoi", en="Why")],
    "gpu": [Text(fr="Concurrent", en="Competitor"), Text(fr="Origine", en="Origin"),
            Text(fr="Forces", en="Strengths"), Text(fr="Faiblesses", en="Weaknesses"),
            Text(fr="Menace pour VMCloud", en="Threat to VMCloud")],
    "hyperscalers": [Text(fr="Critère", en="Criterion"), Text(fr="Hyperscalers", en="Hyperscalers"),
                     Text(fr="VMCloud", en="VMCloud")],
    "matrix": [Text(fr="Critère", en="Criterion")],
    "prices": [Text(fr="Produit", en="Product")],
    "moat": [Text(fr="Moat", en="Moat"), Text(fr="Copiable ?", en="Copyable?"),
             Text(fr="Durabilité", en="Durability")],
    "segments": [Text(fr="Segment", en="Segment"), Text(fr="Problème actuel", en="Current problem"),
                 Text(fr="Opportunité VMCloud", en="VMCloud opportunity")],
    "regions": [Text(fr="Région", en="Region"), Text(fr="Acteurs dominants", en="Dominant players"),
                Text(fr="Opportunité", en="Opportunity")],
    "use_cases": [Text(fr="Use case", en="Use case"), Text(fr="Problème", en="Problem"),
                  Text(fr="Solution VMCloud", en="VMCloud solution")],
    "aspects": [Text(fr="Aspect", en="Aspect"), Text(fr="Impact", en="Impact"),
                Text(fr="Probabilité", en="Probability"), Text(fr="Mitigation", en="Mitigation")],
    "watch_items": [Text(fr="Élément", en="Item"), Text(fr="Fréquence", en="Frequency"),
                    Text(fr="Action si changement", en="Action on change")],
    "strategy": [Text(fr="Concurrent", en="Competitor"), Text(fr="Stratégie", en="Strategy"),
                 Text(fr="Message clé", en="Key message")],
}  # fmt: skip

WORDS: dict[str, Text] = {
    "last_update": Text(fr="Dernière mise à jour", en="Last updated"),
    "definition": Text(fr="Définition", en="Definition"),
    "excluded": Text(fr="Exclus des concurrents directs", en="Excluded from the direct competitors"),
    "verdict": Text(fr="Verdict", en="Verdict"),
    "alert": Text(fr="⚠️ ALERTE", en="⚠️ ALERT"),
    "gpu_opportunity": Text(fr="Opportunité VMCloud", en="VMCloud opportunity"),
    "strategy": Text(fr="Stratégie", en="Strategy"),
    "analysis": Text(fr="Analyse", en="Analysis"),
    "scenario": Text(fr="Scénario", en="Scenario"),
    "sheet": Text(fr="FICHE CONCURRENT", en="COMPETITOR SHEET"),
    "profile": Text(fr="🏢 PROFIL", en="🏢 PROFILE"),
    "strengths": Text(fr="💪 FORCES", en="💪 STRENGTHS"),
    "weaknesses": Text(fr="😰 FAIBLESSES", en="😰 WEAKNESSES"),
    "positioning": Text(fr="🎯 POSITIONNEMENT", en="🎯 POSITIONING"),
    "advantage": Text(fr="📊 NOTRE AVANTAGE VS", en="📊 OUR EDGE VS"),
    "differentiators": Text(fr="DIFFÉRENCIATEURS VMCLOUD", en="VMCLOUD DIFFERENTIATORS"),
    "watch": Text(fr="VEILLE CONCURRENTIELLE VMCLOUD", en="VMCLOUD COMPETITIVE WATCH"),
    "automated": Text(fr="🤖 AUTOMATISÉ", en="🤖 AUTOMATED"),
    "manual": Text(fr="📊 MANUEL", en="📊 MANUAL"),
    "sources": Text(fr="📰 SOURCES", en="📰 SOURCES"),
    "frequency": Text(fr="🎯 FRÉQUENCE", en="🎯 FREQUENCY"),
    "strategy_tree": Text(fr="STRATÉGIE COMPÉTITIVE VMCLOUD", en="VMCLOUD COMPETITIVE STRATEGY"),
    "dont": Text(fr="❌ CE QU'ON NE FAIT PAS", en="❌ WHAT WE DON'T DO"),
    "do": Text(fr="✅ CE QU'ON FAIT", en="✅ WHAT WE DO"),
    "philosophy": Text(fr="🎯 PHILOSOPHIE", en="🎯 PHILOSOPHY"),
    "summary_title": Text(fr="ANALYSE CONCURRENTIELLE - RÉSUMÉ", en="COMPETITIVE ANALYSIS - SUMMARY"),
    "footer": Text(
        fr="Document confidentiel. Dernière mise à jour : {updated}.",
        en="Confidential document. Last updated: {updated}.",
    ),
    "axis_price": Text(fr="PRIX", en="PRICE"),
    "axis_premium": Text(fr="PREMIUM", en="PREMIUM"),
    "axis_low_cost": Text(fr="LOW-COST", en="LOW-COST"),
    "axis_specialist": Text(fr="SPÉCIALISTE", en="SPECIALIST"),
    "axis_generalist": Text(fr="GÉNÉRALISTE", en="GENERALIST"),
}

# Threat level as the tier-1 table writes it (upper case) and as the GPU table does.
THREAT: dict[str, Text] = {
    "high": Text(fr="Élevé", en="High"),
    "medium": Text(fr="Moyen", en="Medium"),
    "low": Text(fr="Faible", en="Low"),
}
PROBABILITY: dict[str, Text] = {
    "high": Text(fr="Élevée", en="High"),
    "medium": Text(fr="Moyenne", en="Medium"),
    "low": Text(fr="Faible", en="Low"),
}
DURABILITY: dict[str, Text] = {
    "high": Text(fr="Forte", en="Strong"),
    "medium": Text(fr="Moyenne", en="Medium"),
    "low": Text(fr="Faible", en="Weak"),
}
LEVEL_EMOJI = {"high": "🔴", "medium": "🟡", "low": "🟢"}

# Profile facts: label in the sheet -> key, and the label written for each key.
PROFILE_KEYS: dict[str, Text] = {
    "hq": Text(fr="Siège", en="Headquarters"),
    "founded": Text(fr="Fondé", en="Founded"),
    "group": Text(fr="Groupe", en="Group"),
    "employees": Text(fr="Employés", en="Employees"),
    "revenue": Text(fr="CA", en="Revenue"),
    "customers": Text(fr="Clients", en="Customers"),
    "ipo": Text(fr="IPO", en="IPO"),
    "positioning": Text(fr="Positionnement", en="Positioning"),
    "target": Text(fr="Cible", en="Target"),
}


def word(key: str, lang: Lang) -> str:
    """A fixed word of the document in ``lang`` (e.g. ``word("verdict", "en")``)."""
    return WORDS[key].get(lang)

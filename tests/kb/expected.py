"""What the seed document says, written out by hand: the importer must find exactly this."""

from __future__ import annotations

MATRIX_COLUMNS = ["vmcloud", "ovhcloud", "scaleway", "hetzner", "infomaniak", "digitalocean"]
# criterion -> scores in MATRIX_COLUMNS order (count of ● in each cell of the seed's table)
MATRIX = {
    "price": [3, 5, 3, 5, 2, 3],
    "performance": [4, 3, 4, 4, 3, 3],
    "support": [5, 1, 2, 1, 4, 2],
    "ux": [4, 2, 4, 1, 3, 5],
    "api": [3, 2, 5, 2, 2, 5],
    "gpu": [4, 2, 3, 1, 1, 0],
    "sovereignty": [5, 4, 4, 5, 5, 2],
    "ecosystem": [3, 4, 3, 2, 3, 3],
    "flexibility": [4, 2, 3, 3, 2, 3],
    "brand": [2, 3, 3, 2, 4, 4],
}

PRICE_COLUMNS = ["vmcloud", "ovhcloud", "scaleway", "hetzner", "digitalocean"]
PRICES = {
    "vps-entry": [("49", "EUR"), ("6", "EUR"), ("15", "EUR"), ("4", "EUR"), ("24", "USD")],
    "vps-pro": [("399", "EUR"), ("58", "EUR"), ("80", "EUR"), ("30", "EUR"), ("192", "USD")],
    "gpu-t4": [("469", "EUR"), ("400", "EUR"), None, None, None],
    "gpu-a100": [("2319", "EUR"), None, ("2000", "EUR"), None, None],
    "storage-tb": [("100", "EUR"), ("20", "EUR"), ("40", "EUR"), ("5", "EUR"), ("100", "USD")],
}

TIER1_THREATS = {
    "infomaniak": "high",
    "scaleway": "medium",
    "ovhcloud": "medium",
    "hetzner": "low",
    "digitalocean": "medium",
}

# (title, [probability of each aspect row])
THREATS = [
    ("Concurrent qui copie le positionnement", ["medium", "high", "low"]),
    ("Guerre des prix", ["high", "medium", "low"]),
    ("Hyperscaler qui descend en gamme", ["high", "medium", "medium"]),
    ("Consolidation du marché", ["low", "medium"]),
]

WATCH_ITEMS = [
    ("Prix concurrents", "Temps réel", "Ajuster si nécessaire"),
    ("Nouvelles features", "Mensuel", "Évaluer pour roadmap"),
    ("Incidents concurrents", "Temps réel", "Opportunité communication"),
    ("Recrutements", "Mensuel", "Anticiper leur stratégie"),
    ("Levées de fonds", "Immédiat", "Adapter notre positionnement"),
]

KEY_MESSAGES = {
    "ovhcloud": (
        "Ne pas se battre sur le prix, gagner sur le service",
        "Quand OVH vous laisse tomber, on est là",
    ),
    "scaleway": ("Clarté du positionnement, support humain", "Cloud pro, simplement"),
    "hetzner": ("UX, service, managed services", "L'infra pro sans être sysadmin"),
    "infomaniak": ("Focus cloud, technique, GPU", "Le cloud, c'est notre métier"),
    "digitalocean": ("Souveraineté EU, GPU, support", "DigitalOcean européen"),
}

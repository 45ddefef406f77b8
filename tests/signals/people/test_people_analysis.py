"""Job functions, funding patterns, review themes and sentiment (French, English, German)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.kb.ids import competitor_names
from veille.normalise.funding import extract_amount, match, sentences
from veille.normalise.jobs import FUNCTIONS, classify
from veille.normalise.reviews import sentiment, themes


@pytest.mark.parametrize(
    ("title", "department", "expected"),
    [
        ("Senior Software Engineer, Droplets", "Engineering", "engineering"),
        ("Machine Learning Engineer, Inference", None, "gpu_ai"),
        ("Staff GPU Performance Engineer", "Engineering", "gpu_ai"),
        ("Software Engineer", "AI Infrastructure", "gpu_ai"),
        ("Ingénieur en intelligence artificielle", None, "gpu_ai"),
        ("Data Center Technician (m/w/d)", "Data Center", "datacenter_ops"),
        ("Techniker Rechenzentrum (m/w/d)", None, "datacenter_ops"),
        ("Technicien de maintenance datacenter", None, "datacenter_ops"),
        ("Technical Support Engineer", "Customer Support", "support"),
        ("Ingénieur Support Client N2", "Service Client", "support"),
        ("Kundenservice Mitarbeiter", None, "support"),
        ("Account Executive, Enterprise", "Sales", "sales"),
        ("Ingénieur commercial grands comptes", None, "sales"),
        ("Vertriebsmitarbeiter Cloud (m/w/d)", "Vertrieb", "sales"),
        ("Responsable Marketing Produit", "Marketing", "marketing"),
        ("Developer Relations Advocate", None, "marketing"),
        ("Senior Softwareentwickler (m/w/d) Kubernetes", "R&D", "engineering"),
        ("Développeur backend Go", None, "engineering"),
        ("Manager", "Marketing", "marketing"),
        ("Finance Analyst", "Finance", "other"),
        ("Office Manager", None, "other"),
    ],
)
def test_classify(title: str, department: str | None, expected: str) -> None:
    assert classify(title, department) == expected
    assert expected in FUNCTIONS


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("CoreWeave secures $1.2 billion credit facility", "1200000000", "USD"),
        ("Scaleway lève 150 M€", "150000000", "EUR"),
        ("Hetzner: 2,5 Mrd. Euro für neue Rechenzentren", "2500000000", "EUR"),
        ("une levée de fonds de 40 millions d'euros", "40000000", "EUR"),
        ("Lambda raises USD 480M", "480000000", "USD"),
        ("7,5 Milliarden US-Dollar", "7500000000", "USD"),
        ("£3.5bn notes offering", "3500000000", "GBP"),
        ("€40m Series B", "40000000", "EUR"),
        ("raises $1,200 for charity", "1200", "USD"),
        ("RunPod closes $20M seed round", "20000000", "USD"),
    ],
)
def test_amounts_are_exact(text: str, amount: str, currency: str) -> None:
    value, cur = extract_amount(text)
    assert (value, cur) == (Decimal(amount), currency)
    assert isinstance(value, Decimal)


@pytest.mark.parametrize(
    ("text", "kind", "round_"),
    [
        ("Vultr raises $333 million at $3.5 billion valuation", "funding", None),
        ("Lambda secures USD 480M Series D", "funding", "series_d"),
        ("Scaleway finalise une levée de fonds en série B", "funding", "series_b"),
        ("Contabo sammelt 50 Millionen Euro in einer Finanzierungsrunde", "funding", None),
        ("CoreWeave closes $7.5 billion debt financing facility", "debt", None),
        ("DigitalOcean acquires Paperspace for $111 million", "acquisition", None),
        ("OVHcloud annonce le rachat de ForePaaS", "acquisition", None),
        ("Hetzner übernimmt Rechenzentrumsbetreiber", "acquisition", None),
        ("CoreWeave files for IPO on Nasdaq", "ipo", None),
        ("OVHcloud prépare son introduction en bourse", "ipo", None),
        ("Börsengang geplant", "ipo", None),
    ],
)
def test_funding_patterns(text: str, kind: str, round_: str | None) -> None:
    found = match(text)
    assert found is not None and (found.kind, found.round) == (kind, round_)


@pytest.mark.parametrize(
    "text",
    [
        "Vultr raises prices on bare metal",
        "Scaleway lève le voile sur ses nouvelles instances",
        "Contabo raises $1,200 for charity",
        "We closed the incident at 10:00",
        "New GPU instances in Paris, 20% cheaper",
        "Kubernetes 1.31 is available",
    ],
)
def test_not_funding(text: str) -> None:
    assert match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # "lands" inside "Netherlands", "close" inside "undisclosed", "raise" inside "appraiser"
        "Transfer news live: Chelsea agree £45m fee for Netherlands forward",
        "Everton sign a winger for an undisclosed fee of about £12m",
        "Tax court: appraiser's €2.4 million claim against Hetzner dismissed",
        "Hetzner settles €12 million tax dispute for an undisclosed sum",
        # a real weak verb with money that is not its object, or a valuation in a lawsuit
        "Hetzner lands in the Netherlands with a €30 million data centre",
        "Tax tribunal rejects appraiser's £2.4m valuation of a Hetzner-hosted business",
        # the round and the amount are in different sentences from the verb
        "Vultr raises prices. The company reported $50 million in revenue",
        "Our sales team grows fast on customer acquisition",
        # money that is not raised
        "Hetzner secures €30 million contract with the Bundeswehr",
        "Hetzner lands $12M government deal",
        "Hetzner sammelt 40 Millionen Euro Umsatz im Ausland",
        "Hetzner erhält 25 Mio. Euro Auftrag vom Land Bayern",
    ],
)
def test_funding_words_are_whole_words_with_money_beside_them(text: str) -> None:
    assert match(text) is None
    assert match(text, competitor_names("hetzner")) is None


@pytest.mark.parametrize(
    ("text", "competitor", "kind", "amount"),
    [
        ("Vultr raises $333 million at $3.5 billion valuation", "vultr", "funding", "333000000"),
        ("RunPod closes $20M seed round", "runpod", "funding", "20000000"),
        ("Vultr raises $50M to fund sales expansion", "vultr", "funding", "50000000"),
        ("Hetzner erhält 25 Mio. Euro von zwei Pensionsfonds", "hetzner", "funding", "25000000"),
        ("Lambda Labs lands $480M Series D", "lambda", "funding", "480000000"),
        (
            "Infomaniak lève près de 50 millions d'euros pour son cloud souverain",
            "infomaniak",
            "funding",
            "50000000",
        ),
        ("Scaleway finalise un tour de table avec deux fonds européens", "scaleway", "funding", None),
        ("Contabo sammelt 50 Millionen Euro in einer Finanzierungsrunde", "contabo", "funding", "50000000"),
        (
            "Hetzner übernimmt Rechenzentrumsbetreiber. Der Kaufpreis: 2,5 Mrd. Euro",
            "hetzner",
            "acquisition",
            "2500000000",
        ),
    ],
)
def test_funding_named_in_the_sentence(text: str, competitor: str, kind: str, amount: str | None) -> None:
    found = match(text, competitor_names(competitor))
    assert found is not None and found.kind == kind
    assert found.amount == (Decimal(amount) if amount else None)


@pytest.mark.parametrize(
    "text",
    [
        "French AI start-up raises €600 million in a Series C. Its models run on Hetzner servers",
        "Funding round for a Berlin start-up. Hetzner opens a site in Helsinki\nHetzner Cloud is popular",
        "Mistral AI lève 600 M€. Hetzner ouvre un site",
    ],
)
def test_funding_about_somebody_else_is_not_the_competitors(text: str) -> None:
    assert match(text) is not None  # an event, but not Hetzner's
    assert match(text, competitor_names("hetzner")) is None


def test_sentences_keep_abbreviations_and_numbers() -> None:
    assert sentences("Hetzner: 2,5 Mrd. Euro für Rechenzentren. Acme Inc. raises $1.5M! Next\nLine") == [
        "Hetzner: 2,5 Mrd. Euro für Rechenzentren",
        "Acme Inc. raises $1.5M",
        "Next",
        "Line",
    ]


def test_themes_fr_en() -> None:
    assert themes("Support answered in 20 minutes. Fast and reliable servers.") == [
        "support",
        "performance",
        "reliability",
    ]
    assert themes("L'interface est compliquée et la facturation est chère.") == ["price", "ux"]
    assert themes("Panne de 3 heures, le service client ne répond pas") == ["support", "reliability"]
    assert themes("Nothing to say") == []


def test_sentiment_lexicon() -> None:
    assert sentiment("Great service, fast and reliable. I recommend.") == Decimal("0.62")  # (2+1+1+1) / (5+3)
    assert sentiment("Compte suspendu, le support ne répond pas. Inadmissible.") == Decimal("-0.50")
    assert sentiment("Not good at all") == Decimal("-0.25")  # the negation flips "good"
    assert sentiment("Pas mauvais du tout") == Decimal("0.25")
    assert sentiment("Sans problème depuis deux ans") == Decimal("0.25")
    assert sentiment("Lorem ipsum", Decimal(1)) == Decimal("-1.00")  # neutral text: the stars decide
    assert sentiment("Lorem ipsum", Decimal(4)) == Decimal("0.50")
    assert sentiment("Lorem ipsum") == Decimal("0.00")
    assert all(-1 <= sentiment(t) <= 1 for t in ("terrible awful horrible scam " * 20, "great " * 50))


@given(whole=st.integers(min_value=1, max_value=999), tenth=st.integers(min_value=0, max_value=9))
def test_amount_formats_agree(whole: int, tenth: int) -> None:
    expected_billions = (Decimal(whole) + Decimal(tenth) / 10) * Decimal(10) ** 9
    assert extract_amount(f"raises ${whole}.{tenth} billion") == (expected_billions, "USD")
    assert extract_amount(f"sammelt {whole},{tenth} Mrd. Euro") == (expected_billions, "EUR")
    assert extract_amount(f"lève {whole},{tenth} milliards d'euros") == (expected_billions, "EUR")
    assert extract_amount(f"{whole} M€") == (Decimal(whole) * 10**6, "EUR")

"""The knowledge base as JSON / YAML (the shape of docs/contract.md, in one language) and back.

``to_export(kb, "fr")`` gives plain strings in French: ``competitors`` carry ``threat``, ``strategy``,
``key_message``..., ``matrix`` and ``price_table`` are the contract's shapes, and every other section
follows under its own key. ``from_export(data, base)`` reads such a document (either language) and,
like the Markdown importer, keeps from ``base`` what the document does not carry.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
import yaml
from pydantic import ValidationError as PydanticValidationError

from veille.errors import ImportFormatError
from veille.kb.labels import PROFILE_KEYS
from veille.kb.markdown_export import render_markdown
from veille.kb.markdown_import import ImportResult, _memory
from veille.kb.schema import SCHEMA_VERSION, KnowledgeBase, Lang, plain_text_language

Format = Literal["json", "yaml", "md"]

_TEXT_KEYS = {"fr", "en"}


def _flatten(value: Any, lang: Lang) -> Any:
    """Every ``{"fr", "en"}`` text becomes the string of ``lang`` (the other one when missing)."""
    if isinstance(value, dict):
        if set(value) == _TEXT_KEYS and all(isinstance(v, str) for v in value.values()):
            return value[lang] or value["en" if lang == "fr" else "fr"]
        return {k: _flatten(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [_flatten(v, lang) for v in value]
    return value


def to_export(kb: KnowledgeBase, lang: Lang = "fr") -> dict[str, Any]:
    """The export document: the keys docs/contract.md names first, then every other section."""
    data = _flatten(kb.canonical(), lang)
    competitors = []
    for comp in data["competitors"]:
        facts = comp.pop("profile")
        comp["profile"] = {f["key"]: _number_or_text(f["value"]) for f in facts}
        comp["profile_labels"] = {f["key"]: f["label"] for f in facts}
        competitors.append(comp)
    ordered: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lang": lang,
        "competitors": competitors,
        "matrix": data.pop("matrix"),
        "price_table": data.pop("price_table"),
        "threats": data.pop("threats"),
        "watch_items": data.pop("watch_items"),
    }
    for key, value in data.items():
        if key not in ordered and key != "competitors":
            ordered[key] = value
    return ordered


def _number_or_text(value: str) -> int | str:
    return int(value) if value.isdigit() and len(value) <= 9 else value


def dumps(data: dict[str, Any], fmt: Literal["json", "yaml"]) -> str:
    if fmt == "json":
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def to_full(kb: KnowledgeBase) -> dict[str, Any]:
    """Both languages, every text as ``{"fr", "en"}``: the bundled data file's format (lossless)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "lang": "both",
        **{k: v for k, v in kb.canonical().items() if k != "schema_version"},
    }


def export_text(kb: KnowledgeBase, fmt: Format, lang: Lang | Literal["both"] = "fr") -> str:
    """The knowledge base as ``json``, ``yaml`` or ``md`` text in ``lang`` (``both``: JSON/YAML only)."""
    if lang == "both":
        if fmt == "md":
            raise ValueError("a Markdown document is written in one language")
        return dumps(to_full(kb), fmt)
    if fmt == "md":
        return render_markdown(kb, lang)
    return dumps(to_export(kb, lang), fmt)


# --- reading an export back ---------------------------------------------------------------------------


# An export nests 6 levels deep; far deeper is an attack on the recursive code that reads it.
MAX_DEPTH = 32


def _check_yaml_events(text: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH or using aliases, before anything recursive reads it.

    The event parser keeps its own stack (no recursion); the composer and every walk of the data
    after it recurse, and an alias can stand for a whole subtree (a few lines expand to billions)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ImportFormatError(
                "YAML aliases (*name) are not accepted in an import; write the values out"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ImportFormatError(
                    f"nested more than {MAX_DEPTH} levels deep: not a knowledge-base export"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_depth(data: Any) -> None:
    """Refuse data nested deeper than MAX_DEPTH (walked with a stack, not recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    raise ImportFormatError(
                        f"nested more than {MAX_DEPTH} levels deep: not a knowledge-base export"
                    )
                stack.append((child, depth + 1))


def parse_data_file(text: str, fmt: Literal["json", "yaml"]) -> dict[str, Any]:
    try:
        if fmt == "yaml":
            _check_yaml_events(text)
        data = orjson.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError, ValueError) as exc:  # ValueError: a 5,000-digit YAML int
        raise ImportFormatError(f"not valid {fmt.upper()}: {' '.join(str(exc).split())[:300]}") from None
    if not isinstance(data, dict) or "competitors" not in data or "schema_version" not in data:
        raise ImportFormatError(
            f"not a knowledge-base export: a {fmt.upper()} object with 'schema_version' and 'competitors' is expected"
        )
    if data["schema_version"] != SCHEMA_VERSION:
        raise ImportFormatError(
            f"unsupported schema_version {data['schema_version']!r} (expected {SCHEMA_VERSION})"
        )
    return data


def from_export(data: dict[str, Any], base: KnowledgeBase) -> ImportResult:
    """Read an export document over ``base``: its language's texts and figures win, the rest is kept.
    A bilingual document (``lang: both``, or the bundled data file's format) replaces the whole."""
    _check_depth(data)
    if data.get("lang") == "both" or _is_full(data):
        full = {k: v for k, v in data.items() if k != "lang"}
        try:
            kb = KnowledgeBase.model_validate(full)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ImportFormatError(f"not a valid knowledge base: {where}: {first['msg']}") from None
        return ImportResult(kb=kb, lang="fr", sections=sorted(set(full) - {"schema_version"}))
    lang: Lang = "en" if data.get("lang") == "en" else "fr"
    warnings: list[str] = []
    current = base.canonical()
    merged: dict[str, Any] = {}
    for key, value in current.items():
        if key == "competitors":
            continue
        if key in data:
            merged[key] = data[key]
        elif key != "extra_sections":
            warnings.append(f"'{key}' is missing: kept the current data")
            merged[key] = _flatten(value, lang) if key != "schema_version" else value
        else:
            merged[key] = []
    unknown = set(data) - set(current) - {"lang"}
    if unknown:
        warnings.append(f"unknown keys ignored: {', '.join(sorted(unknown))}")
    merged["competitors"] = _competitors(data["competitors"], base, lang, warnings)
    try:
        with plain_text_language(lang):
            kb = KnowledgeBase.model_validate(merged)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportFormatError(f"not a valid knowledge base: {where}: {first['msg']}") from None
    kb, untranslated = fill_translations(kb, base, lang)
    return ImportResult(kb=kb, lang=lang, sections=sorted(set(data) & set(current)), warnings=warnings,
                        untranslated=untranslated)  # fmt: skip


def _is_full(data: dict[str, Any]) -> bool:
    """True for the bilingual format: texts are ``{"fr", "en"}`` objects (look at the title)."""
    meta = data.get("meta")
    title = meta.get("title") if isinstance(meta, dict) else None
    return isinstance(title, dict) and set(title) == _TEXT_KEYS


def _competitors(items: Any, base: KnowledgeBase, lang: Lang, warnings: list[str]) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise ImportFormatError("'competitors' must be a list")
    by_id = {c.id: _flatten(c.model_dump(mode="json"), lang) for c in base.competitors}
    seen: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ImportFormatError("every competitor needs an 'id'")
        cid = item["id"]
        entry = dict(by_id.get(cid, {}))
        for key, value in item.items():
            if key in ("profile", "profile_labels"):
                continue
            entry[key] = value
        if "profile" in item:
            labels = item.get("profile_labels") or {}
            if not isinstance(item["profile"], dict) or not isinstance(labels, dict):
                raise ImportFormatError(f"competitor {cid}: 'profile' must be an object of facts")
            entry["profile"] = [
                {"key": key, "label": labels.get(key) or _profile_label(key, lang), "value": str(value)}
                for key, value in item["profile"].items()
            ]
        by_id[cid] = entry
        seen.append(cid)
    kept = [cid for cid in by_id if cid not in seen]
    if kept and seen:
        warnings.append(f"competitors not in the file kept as they were: {', '.join(kept)}")
    return [by_id[cid] for cid in [*seen, *kept]]


def _profile_label(key: str, lang: Lang) -> str:
    label = PROFILE_KEYS.get(key)
    return label.get(lang) if label else key


def fill_translations(kb: KnowledgeBase, base: KnowledgeBase, lang: Lang) -> tuple[KnowledgeBase, int]:
    """Fill the language other than ``lang`` of every text from ``base``'s translations."""
    memory = _memory(base, lang)
    other = "en" if lang == "fr" else "fr"
    missing = 0

    def fill(value: Any) -> Any:
        nonlocal missing
        if isinstance(value, dict):
            if set(value) == _TEXT_KEYS and all(isinstance(v, str) for v in value.values()):
                if value[lang] and not value[other]:
                    value[other] = memory.get(value[lang], "")
                    missing += not value[other]
                return value
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return KnowledgeBase.model_validate(fill(kb.canonical())), missing

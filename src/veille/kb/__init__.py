"""VMCloud's competitive analysis as versioned, bilingual data.

- :mod:`veille.kb.schema`: the typed model (``KnowledgeBase``, ``Text`` holding French and English);
- :mod:`veille.kb.ids`: competitor ids and ``resolve_competitor(name)``;
- :mod:`veille.kb.store`: ``current(session)``, ``save(...)``, history, ``load_bundled(store)``;
- :mod:`veille.kb.markdown_import` / :mod:`veille.kb.export`: the seed's Markdown, JSON and YAML;
- :mod:`veille.kb.edit`: validated edits (scores, threats, prices, strengths, key messages);
- :mod:`veille.kb.repair`: repair of text whose UTF-8 was read as Windows-1252/1254.
"""

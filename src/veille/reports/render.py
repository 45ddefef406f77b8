"""Documents to Markdown, HTML and PDF.

HTML comes from the Markdown through markdown-it with raw HTML disabled (text from outside can't
inject markup; links other than http(s) are refused), charts are our own escaped SVG, and the page
carries its own stylesheet: no external resource. PDF is the same HTML printed by WeasyPrint.
"""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

from veille.errors import ConfigError
from veille.reports.document import Boxed, Chart, Columns, Document
from veille.reports.glyphs import printable
from veille.reports.labels import label

FORMATS = ("md", "html", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #6b7280; } }
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #111827; line-height: 1.5; max-width: 980px; margin: 2rem auto; padding: 0 1.2rem; font-size: 14px; }
h1 { font-size: 1.8rem; border-bottom: 3px solid #1d4ed8; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; color: #1e3a8a; border-bottom: 1px solid #e5e7eb; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; color: #1f2937; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0 1.2rem; font-size: .9em; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #e5e7eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
tr:nth-child(even) td { background: #fafafa; }
pre { background: #f8fafc; border: 1px solid #e5e7eb; padding: .8rem; overflow-x: auto; font-size: .78em; line-height: 1.25; font-family: "DejaVu Sans Mono", monospace; white-space: pre; }
blockquote { border-left: 4px solid #93c5fd; margin: 1rem 0; padding: .2rem 1rem; background: #eff6ff; }
figure.chart { margin: 1rem 0 1.5rem; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
figure.chart figcaption { font-size: .8em; color: #6b7280; }
a { color: #1d4ed8; }
footer { margin-top: 3rem; font-size: .8em; color: #6b7280; border-top: 1px solid #e5e7eb; padding-top: .5rem; }
@media print { body { margin: 0; max-width: none; } pre { font-size: 6.5pt; } }
.badge { display: inline-block; padding: 0 .45em; border-radius: .7em; font-size: .85em; font-weight: bold; line-height: 1.45; color: #ffffff; white-space: nowrap; }
.badge.lvl-high { background: #dc2626; } .badge.lvl-medium { background: #d97706; } .badge.lvl-low { background: #16a34a; }
.dot.lvl-high { color: #dc2626; } .dot.lvl-medium { color: #d97706; } .dot.lvl-low { color: #16a34a; }
.cc { display: inline-block; padding: 0 .3em; border: 1px solid #9ca3af; border-radius: 3px; font-size: .75em; font-weight: bold; color: #374151; line-height: 1.3; }
.ok { color: #16a34a; font-weight: bold; } .ko { color: #dc2626; font-weight: bold; }
.cols { display: flex; gap: 1rem; } .cols > div { flex: 1 1 0; min-width: 0; }
.summary { border: 1px solid #bfdbfe; background: #f8fbff; border-radius: 6px; padding: .1rem 1rem .3rem; margin: 1rem 0; page-break-inside: avoid; }
.summary h2 { margin-top: .6rem; border: none; }
body.card { font-size: 9.2pt; line-height: 1.32; margin: 0 auto; page: card; }
@page card { size: A4; margin: 9mm 10mm 10mm; @bottom-center { content: none; } }
body.card h1 { font-size: 15pt; margin: 0 0 .3rem; padding-bottom: .15rem; }
body.card h2 { font-size: 9.5pt; margin: .45rem 0 .15rem; padding-bottom: .05rem; }
body.card p, body.card ul { margin: .15rem 0; } body.card ul { padding-left: 1.1em; }
body.card table { margin: .15rem 0 .3rem; font-size: 8.5pt; } body.card td:first-child { white-space: nowrap; } body.card th, body.card td { padding: .1rem .3rem; }
body.card blockquote { margin: .2rem 0; padding: .1rem .6rem; }
body.card .cols { gap: .7rem; }
body.card footer { margin-top: .4rem; padding-top: .2rem; }
@media screen { body.card { margin: 1.5rem auto; } }
"""


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def to_markdown(doc: Document) -> str:
    parts = []
    for block in doc.blocks:
        if isinstance(block, Chart):
            parts.append(f"_({label('chart_note', doc.lang)}: {block.alt})_")
        elif isinstance(block, Columns):
            parts.extend(part for part in block.parts if part)
        elif isinstance(block, Boxed):
            parts.append(block.text)
        else:
            parts.append(block)
    return "\n\n".join(parts).rstrip() + "\n"


def to_html(doc: Document) -> str:
    md = _markdown()
    body = []
    for block in doc.blocks:
        if isinstance(block, Chart):
            body.append(
                f"<figure class='chart'>{block.svg}<figcaption>{escape(block.alt)}</figcaption></figure>"
            )
        elif isinstance(block, Columns):
            body.append(
                "<div class='cols'>" + "".join(f"<div>{md.render(p)}</div>" for p in block.parts) + "</div>"
            )
        elif isinstance(block, Boxed):
            body.append(f"<div class='summary'>{md.render(block.text)}</div>")
        else:
            body.append(md.render(block))
    return printable(
        f"<!doctype html><html lang='{doc.lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body class='{doc.layout}'>"
        + "".join(body)
        + f"<footer>{escape(label('confidential', doc.lang))} — veille</footer></body></html>"
    )


def pdf_problem() -> str | None:
    """Why PDF output cannot work here (WeasyPrint or its system libraries missing), or None."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: Pango and friends are missing
        return f"PDF needs WeasyPrint and its system libraries (make system-deps): {exc}"
    return None


def to_pdf(doc: Document) -> bytes:
    problem = pdf_problem()
    if problem:
        raise ConfigError(problem)
    from weasyprint import HTML

    result = HTML(string=to_html(doc)).write_pdf()
    assert result is not None
    return bytes(result)


def render(doc: Document, fmt: str) -> bytes:
    """The document in ``fmt`` (md, html or pdf) as bytes."""
    if fmt == "md":
        return to_markdown(doc).encode("utf-8")
    if fmt == "html":
        return to_html(doc).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(doc)
    raise ConfigError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")

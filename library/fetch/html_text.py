"""An article's main content as Markdown-like text, headings kept, and a check for empty shells.

:func:`html_to_markdown` is the fallback used until ``library.structure.html`` provides its
own; :func:`to_markdown` picks whichever exists. :func:`looks_javascript_only` tells a page
whose article is built in the browser (a Distill shell with an empty ``<d-article>``) from a
real one, so such a reading is kept as a link with a clear reason instead of an empty text.
"""

from __future__ import annotations

import re

# Headings of back matter that a JS shell still ships in static HTML; they are not the article.
_BACK_MATTER = re.compile(
    r"^(acknowledg|author contributions|discussion and review|references|bibliography|citation|"
    r"footnotes|updates and corrections|reuse|appendix|notes$|comments$)",
    re.I,
)
MIN_ARTICLE_WORDS = 150


def html_to_markdown(html: str, url: str | None = None) -> str:
    """Main content of ``html`` as Markdown: ``#`` headings, paragraphs, lists, tables, emphasis."""
    # trafilatura (and lxml) cost ~0.5 s to import; only HTML extraction pays it.
    import trafilatura

    text = (
        trafilatura.extract(
            _plain_elements(html),
            url=url,
            output_format="markdown",
            include_formatting=True,
            include_tables=True,
            include_links=False,
            include_images=False,
            include_comments=False,
            favor_recall=True,
            deduplicate=False,
        )
        or ""
    )
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            # Heading permalinks ("¶", "#") are chrome, not part of the title.
            line = re.sub(r"\s*[¶#]+\s*$", "", line)
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + ("\n" if lines else "")


def _plain_elements(html: str) -> str:
    """Distill's custom elements as the plain ones they stand for, so the article body is found.

    ``<d-article>`` is the article; block wrappers become ``div`` and inline ones (citations,
    footnotes, math) ``span``, so paragraphs are not split where a citation sits.
    """
    html = re.sub(r"<(/?)d-article\b", r"<\1article", html)
    html = re.sub(r"<(/?)d-(?:title|byline|front-matter|appendix|figure|bibliography|toc)\b", r"<\1div", html)
    return re.sub(r"<(/?)d-(?:cite|footnote|math|hover-box|footnote-list|citation-list)\b", r"<\1span", html)


def to_markdown(html: str, url: str | None = None) -> str:
    """The structure layer's extractor when it exists, this module's otherwise."""
    try:
        from library.structure.html import html_to_markdown as structured
    except ImportError:
        structured = None
    if structured is not None:
        return structured(html, url)
    return html_to_markdown(html, url)


def article_words(markdown: str) -> int:
    """Words of prose before the back matter (acknowledgments, references, ...)."""
    words = 0
    skipping = False
    for line in markdown.splitlines():
        if line.startswith("#"):
            skipping = bool(_BACK_MATTER.match(line.lstrip("#").strip()))
            continue
        if not skipping:
            words += len(line.split())
    return words


_EMPTY_ARTICLE = re.compile(r"<(d-article|article|main)\b[^>]*>\s*</\1>", re.I)


def looks_javascript_only(html: str, markdown: str) -> bool:
    """True when the page's article is empty in the HTML (built by scripts in the browser)."""
    if article_words(markdown) >= MIN_ARTICLE_WORDS:
        return False
    return bool(_EMPTY_ARTICLE.search(html)) or "<script" in html.lower() or article_words(markdown) < 20

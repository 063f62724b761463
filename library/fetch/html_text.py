"""Whether a fetched page's article is really in its HTML, or is built by scripts in the browser.

A Distill shell ships an empty ``<d-article>`` and fills it with JavaScript; saving its
(almost empty) text would give the learner nothing to read. :func:`looks_javascript_only`
tells such a page from a real article by the words of prose its extracted Markdown
(:func:`library.structure.html.article_markdown`) has before the back matter, so the reading is
kept as a link with a clear reason instead.
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
_EMPTY_ARTICLE = re.compile(r"<(d-article|article|main)\b[^>]*>\s*</\1>", re.I)


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


def looks_javascript_only(html: str, markdown: str) -> bool:
    """True when the page's article is empty in the HTML (built by scripts in the browser)."""
    if article_words(markdown) >= MIN_ARTICLE_WORDS:
        return False
    return bool(_EMPTY_ARTICLE.search(html)) or "<script" in html.lower() or article_words(markdown) < 20

"""A web page's article as Markdown: headings kept, maths kept as TeX, chrome dropped.

:func:`article_markdown` is what the fetcher stores beside a fetched page (``.md``) and what
:func:`library.structure.resolve.extract` reads an ``.html`` file through. trafilatura finds the
article; it is checked, and when it loses the article's headings (it does on Distill's
``<d-article>``) the article container is walked with lxml instead. Before either runs, the
page's formulas are swapped for tokens (:mod:`library.structure.html_maths`), since both keep
prose and drop what a browser script renders; afterwards the tokens become ``$TeX$`` and ``$$``
blocks. Heading anchors (Sphinx's pilcrows, the ``#`` of Hugo themes) are dropped so a named
section resolves. :mod:`library.structure.markdown_page` turns the Markdown into a structure.
"""

from __future__ import annotations

import re

from library.structure.html_maths import protect_maths
from library.structure.markdown_inline import escape
from library.structure.text import clean, norm_title
from library.textclean import strip_escapes

# A Markdown ATX heading line: its level marks and its text (a closing run of # dropped).
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CONTAINERS = (
    "//d-article",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' post-content ')]",
    "//*[@itemprop='articleBody']",
    "//article",
    "//main",
    "//body",
)
_SKIP = {
    "script",
    "style",
    "nav",
    "noscript",
    "svg",
    "button",
    "form",
    "header",
    "footer",
    "aside",
    "d-footnote-list",
}
_ANCHOR_CLASSES = {"headerlink", "anchor", "hanchor", "header-anchor", "anchor-link"}
_ANCHOR_GLYPHS = re.compile(r"[\s¶#§🔗]+$")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ESCAPE_INTRODUCERS = re.compile("[\x1b\x90\x98\x9b\x9d\x9e\x9f]")


def strip_anchor_glyphs(heading: str) -> str:
    """A heading without the permalink glyphs (¶, #, §, 🔗) themes put after it."""
    return _ANCHOR_GLYPHS.sub("", heading)


def _page_title(tree) -> str | None:
    for xpath in ("//h1[contains(@class, 'post-title')]", "//d-title//h1", "//title"):
        found = tree.xpath(xpath)
        if found:
            text = clean(found[0].text_content())
            if text:
                return re.sub(r"\s*[|–—-]\s*[^|–—-]*$", "", text) if xpath == "//title" else text
    return None


def _container(tree):
    for xpath in _CONTAINERS:
        found = tree.xpath(xpath)
        if found:
            best = max(found, key=lambda el: len(el.text_content() or ""))
            if len((best.text_content() or "").strip()) > 200 or xpath == "//body":
                return best
    return tree


def _lxml_markdown(tree) -> str:
    """Markdown of the article container, walked element by element."""
    root = _container(tree)
    out: list[str] = []

    def text_of(el) -> str:
        for a in el.xpath(".//a"):
            if _ANCHOR_CLASSES & set((a.get("class") or "").split()):
                a.drop_tree()
        return escape(clean(el.text_content()))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP or "toctree" in (el.get("class") or ""):
            return
        if re.fullmatch(r"h[1-6]", tag):
            text = strip_anchor_glyphs(text_of(el))
            if text and "post-title" not in (el.get("class") or ""):
                out.append("#" * int(tag[1]) + " " + text)
            return
        if tag in ("p", "figcaption", "blockquote", "dt", "dd"):
            text = text_of(el)
            if text:
                out.append(text)
            return
        if tag == "li":
            text = text_of(el)
            if text:
                out.append("- " + text)
            return
        if tag == "pre":
            out.append("```\n" + el.text_content().rstrip() + "\n```")
            return
        for child in el:
            walk(child)

    walk(root)
    return "\n\n".join(out)


def _trafilatura_markdown(html: str, url: str | None) -> str:
    try:
        import trafilatura  # ~300 ms on first import (lxml, justext, charset detection)

        return (
            trafilatura.extract(
                html,
                url=url,
                output_format="markdown",
                include_formatting=True,
                include_links=False,
                include_tables=True,
                include_comments=False,
                favor_recall=True,
            )
            or ""
        )
    except Exception:  # trafilatura is a best effort; the lxml walk always works
        return ""


def article_markdown(html: str, url: str | None = None) -> str:
    """Markdown of a web page's article: ``#`` headings, paragraphs, lists, code, ``$``/``$$`` maths."""
    import lxml.html  # ~15 ms; trafilatura needs it anyway

    # Terminal escapes go before Markdown escaping can split them ("\x1b[31m" -> "\x1b\\[31m"); the
    # character search costs ~0.2 ms on a 200 kB page, the full strip ~2 ms.
    if _ESCAPE_INTRODUCERS.search(html):
        html = strip_escapes(html)
    try:
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", html, count=1))
    except Exception:  # empty or not HTML at all
        return ""
    title = _page_title(tree)
    maths = protect_maths(tree, html)
    # Headings the article really has, to check trafilatura against.
    expected = [
        h
        for h in _container(tree).xpath(".//h1|.//h2|.//h3|.//h4")
        if "post-title" not in (h.get("class") or "")
    ]
    md = _trafilatura_markdown(lxml.html.tostring(tree, encoding="unicode"), url)
    got = {
        norm_title(strip_anchor_glyphs(m.group(2))) for m in map(MARKDOWN_HEADING.match, md.splitlines()) if m
    }
    want = [norm_title(strip_anchor_glyphs(h.text_content())) for h in expected]
    kept = sum(1 for w in want if w in got)
    if not md.strip() or kept < 0.9 * len(want):
        md = _lxml_markdown(tree)
    lines = []
    for line in md.splitlines():
        m = MARKDOWN_HEADING.match(line)
        lines.append(f"{m.group(1)} {strip_anchor_glyphs(m.group(2))}" if m else line.rstrip())
    body = maths.restore("\n".join(lines)).strip()
    if title:
        body = f"<!-- title: {title} -->\n\n{body}"
    return body + "\n"

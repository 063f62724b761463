"""Web pages: HTML to Markdown (headings kept), and a Markdown page's structure.

:func:`html_to_markdown` is what the fetcher stores beside a fetched page (``.md``). It uses
trafilatura and checks it: when trafilatura loses the article's headings (it does on Distill's
``<d-article>``), the article container is converted with lxml instead. Heading anchors (the
pilcrows of Sphinx, the ``#`` of Hugo themes) are dropped so a named section resolves.
:func:`markdown_structure` turns that Markdown into sections and blocks (one "page").
"""

from __future__ import annotations

import re

from library.structure.model import Block, DocumentStructure
from library.structure.sections import Heading, build_sections
from library.structure.text import clean, join_lines

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TITLE_COMMENT = re.compile(r"^<!--\s*title:\s*(.*?)\s*-->$")
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


def _heading_text(text: str) -> str:
    """Heading text without anchor glyphs (¶, #, §, 🔗) or Markdown emphasis marks."""
    text = clean(text)
    text = re.sub(r"[\s¶#§🔗]+$", "", text)
    text = re.sub(r"^[*_]+|[*_]+$", "", text).strip()
    return text


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
        return clean(el.text_content())

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP or "toctree" in (el.get("class") or ""):
            return
        if re.fullmatch(r"h[1-6]", tag):
            text = _heading_text(text_of(el))
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


def html_to_markdown(html: str, url: str | None = None) -> str:
    """Markdown of a web page's article: headings as ``#``..``####``, paragraphs, lists, code."""
    import lxml.html  # ~15 ms; trafilatura needs it anyway

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # empty or not HTML at all
        return ""
    title = _page_title(tree)
    # Headings the article really has, to check trafilatura against.
    root = _container(tree)
    expected = [
        h for h in root.xpath(".//h1|.//h2|.//h3|.//h4") if "post-title" not in (h.get("class") or "")
    ]
    md = ""
    try:
        import trafilatura  # ~300 ms on first import (lxml, justext, charset detection)

        md = (
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
    except Exception:  # trafilatura is a best effort; the lxml walk below always works
        md = ""
    from library.structure.text import norm_title

    got = {norm_title(_heading_text(m.group(2))) for m in map(_HEADING.match, md.splitlines()) if m}
    want = [norm_title(_heading_text(h.text_content())) for h in expected]
    kept = sum(1 for w in want if w in got)
    if not md.strip() or kept < 0.9 * len(want):
        md = _lxml_markdown(tree)
    lines = []
    for line in md.splitlines():
        m = _HEADING.match(line)
        lines.append(f"{m.group(1)} {_heading_text(m.group(2))}" if m else line)
    body = "\n".join(lines).strip()
    if title:
        body = f"<!-- title: {title} -->\n\n{body}"
    return body + "\n"


def markdown_structure(md: str) -> DocumentStructure:
    """Sections (``#``..``####`` headings) and blocks of a Markdown page; every block is on page 1."""
    title = None
    blocks: list[Block] = []
    heads: list[tuple[int, int, str]] = []  # (block index, raw level, text)
    para: list[str] = []
    para_kind = "paragraph"

    def flush() -> None:
        nonlocal para, para_kind
        text = join_lines(para) if para_kind != "code" else "\n".join(para).strip("\n")
        if text.strip():
            blocks.append(Block(page=1, kind=para_kind, text=text, index=len(blocks)))  # type: ignore[arg-type]
        para, para_kind = [], "paragraph"

    in_code = False
    for line in md.splitlines():
        if in_code:
            if line.strip().startswith("```"):
                in_code = False
                flush()
            else:
                para.append(line)
            continue
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            in_code, para_kind = True, "code"
            continue
        m = _TITLE_COMMENT.match(stripped)
        if m:
            title = m.group(1)
            continue
        m = _HEADING.match(stripped)
        if m:
            flush()
            text = _heading_text(m.group(2))
            if not text:
                continue
            level = len(m.group(1))
            if level <= 4:
                heads.append((len(blocks), level, text))
            blocks.append(Block(page=1, kind="heading", text=text, index=len(blocks)))
            continue
        if not stripped:
            flush()
            continue
        if re.match(r"^([-*+]|\d+[.)])\s+", stripped):
            flush()
            para_kind = "list_item"
            para.append(re.sub(r"^([-*+])\s+", "", stripped))
            continue
        if stripped.startswith("|"):
            if para_kind != "table":
                flush()
                para_kind = "table"
            para.append(stripped)
            continue
        if stripped.startswith("$$") and para_kind != "equation":
            flush()
            para_kind = "equation"
        para.append(stripped)
    flush()
    # A single leading h1 above h2 sections is the page's title, not a section.
    levels = [lvl for _, lvl, _ in heads]
    if heads and levels.count(1) == 1 and heads[0][1] == 1 and len(heads) > 1 and min(levels[1:]) >= 2:
        title = title or heads[0][2]
        heads = heads[1:]
    headings = []
    base = min((lvl for _, lvl, _ in heads), default=1)
    for index, level, text in heads:
        number = None
        m = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$", text)
        if m:
            number, text = m.group(1), m.group(2)
        blocks[index].section = number
        headings.append(Heading(index, number, text, level - base + 1))
    return DocumentStructure(
        kind="html",
        page_count=1,
        sections=build_sections(blocks, headings),
        blocks=blocks,
        source="html",
        title=title,
    )

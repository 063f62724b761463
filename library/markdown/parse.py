"""Just enough markdown for reading lists: headings, list items, paragraphs, links, sentences.

Reading lists are hand-written and often broken (unclosed links, stray emphasis, code spans
holding brackets), so the parser is tolerant: it never rejects text, it recovers what it can
(a clean URL after an unclosed link, the alt text of an image) and keeps the rest as prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MdLink:
    """A link of a block; ``start``/``end`` are where its *text* sits in the block's plain text."""

    text: str
    url: str
    start: int
    end: int

    @property
    def is_web(self) -> bool:
        """An http(s) link to a real host (not "1-Transformers.md" or "#anchor")."""
        return bool(re.match(r"https?://[^\s/]+\.[^\s/]", self.url, re.I))


@dataclass
class Block:
    """A list item or a paragraph. ``plain`` is its text with links reduced to their text."""

    kind: str  # "item" | "para"
    indent: int
    raw: str
    plain: str = ""
    links: list[MdLink] = field(default_factory=list)

    @property
    def web_links(self) -> list[MdLink]:
        """The links worth importing: relative links and anchors are cross-references, not readings."""
        return [link for link in self.links if link.is_web]


@dataclass
class Heading:
    """A heading and the lines under it up to the next heading (level 0: text before any heading)."""

    level: int
    title: str
    body: list[str]


# --- inline text --------------------------------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _mask_code(text: str) -> str:
    """Blank out code spans (same length), so brackets inside them are not read as links."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def flatten(text: str) -> tuple[str, list[MdLink]]:
    """Turn inline markdown into plain text, returning the links with their spans in that text.

    Handles ``[text](url "title")`` with nested brackets and balanced parentheses in the URL,
    ``<https://…>`` autolinks and bare ``https://…`` URLs. An unclosed link keeps its text and
    is kept as a link only if a clean URL follows; images are reduced to their alt text.
    """
    masked = _mask_code(text)
    out: list[str] = []
    links: list[MdLink] = []

    def add_link(shown: str, url: str, link_text: str) -> None:
        start = sum(len(s) for s in out)
        out.append(shown)
        if url:
            links.append(MdLink(link_text, url, start, start + len(shown)))

    i = 0
    while i < len(text):
        ch = masked[i]
        if ch == "[" and (parsed := _parse_link(text, masked, i)) is not None:
            label, url, end = parsed
            image = i > 0 and text[i - 1] == "!"
            if image and out and out[-1] == "!":
                out.pop()
            # Links nested in a link's text ("[![badge](img)](url)") are dropped: the outer one wins.
            label_plain = flatten(label)[0]
            add_link(label_plain, "" if image else url, label_plain.strip())
            i = end
            continue
        if ch == "<" and (m := re.match(r"<(https?://[^>\s]+)>", text[i:])):
            add_link(m.group(1), m.group(1), "")
            i += m.end()
            continue
        if ch in "hH" and (i == 0 or not masked[i - 1].isalnum()):
            m = re.match(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]", text[i:])
            if m and masked[i : i + m.end()] == text[i : i + m.end()]:
                add_link(m.group(0), m.group(0), "")
                i += m.end()
                continue
        out.append(text[i])
        i += 1
    return "".join(out), links


def _parse_link(text: str, masked: str, i: int) -> tuple[str, str, int] | None:
    """Parse ``[label](url)`` starting at ``text[i] == "["``: (label, url, index after it) or None."""
    depth = 0
    j = i
    while j < len(masked):
        c = masked[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                break
        j += 1
    else:
        return None  # "[" never closed: plain text
    label = text[i + 1 : j]
    if j + 1 >= len(text) or text[j + 1] != "(":
        return None
    k = j + 2
    depth = 1
    while k < len(text):
        c = text[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                break
        elif c == "\n" or (c == " " and depth == 1 and text[k + 1 : k + 2] not in ('"', "'")):
            # "(url and then prose": an unclosed link. Keep a clean URL, drop the rest.
            url = text[j + 2 : k].strip()
            return (label, url if re.fullmatch(r"https?://\S+", url) else "", k)
        k += 1
    inner = text[j + 2 : k].strip()
    inner = re.sub(r"\s+[\"'].*[\"']\s*$", "", inner)  # an optional title: (url "title")
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return (label, inner.strip(), min(k + 1, len(text)))


_EMPHASIS = [
    (re.compile(r"\*\*(\S(?:.*?\S)?)\*\*"), r"\1"),
    (re.compile(r"__(\S(?:.*?\S)?)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(\S(?:[^_]*?\S)?)_(?![\w_])"), r"\1"),
]


def strip_emphasis(text: str) -> str:
    """Drop ``**bold**``, ``__bold__``, ``*italic*`` and ``_italic_`` markers (not ``snake_case``)."""
    for pattern, repl in _EMPHASIS:
        text = pattern.sub(repl, text)
    return text


def plain_text(inline: str) -> str:
    """Inline markdown (a heading's title) as the words a reader sees."""
    return strip_emphasis(flatten(inline)[0]).strip()


# --- block structure ------------------------------------------------------------------------------


def _outside_fences(lines: list[str]) -> Iterator[str | None]:
    """The lines outside code fences, and None in place of each fenced block (its lines are dropped)."""
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if m:
            fence = m.group(1)
            yield None
        else:
            yield line


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+(.*)$")


def split_headings(text: str) -> list[Heading]:
    """Split markdown into headings (level 0 for text before the first one). Code fences are skipped."""
    out = [Heading(0, "", [])]
    for line in _outside_fences(text.splitlines()):
        if line is None:
            continue
        m = re.match(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            out.append(Heading(len(m.group(1)), m.group(2).strip(), []))
            continue
        # Setext headings: "Title\n=====" (level 1) or "Title\n-----" (level 2) under a plain line.
        body = out[-1].body
        if (
            re.fullmatch(r" {0,3}(=+|-+)\s*", line)
            and body
            and body[-1].strip()
            and not _LIST_ITEM.match(body[-1])
        ):
            out.append(Heading(1 if "=" in line else 2, body.pop().strip(), []))
            continue
        body.append(line)
    return out


def blocks(lines: list[str]) -> list[Block]:
    """List items (any depth) and paragraphs, with their continuation lines joined."""
    out: list[Block] = []
    current: Block | None = None
    for line in _outside_fences(lines):
        if line is None or not line.strip():
            current = None
            continue
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" \t").replace("\t", "    "))
        item = _LIST_ITEM.match(line)
        if item:
            current = Block("item", indent, item.group(1).strip())
            out.append(current)
        elif current is not None:
            current.raw += " " + stripped
        else:
            current = Block("para", indent, stripped.lstrip("> ").strip())
            out.append(current)
    for block in out:
        block.plain, block.links = _flatten_block(block.raw)
    return out


def _flatten_block(raw: str) -> tuple[str, list[MdLink]]:
    """A block's plain text and links, emphasis stripped.

    Emphasis is stripped after the links are found (so ``**[title](url)**`` is still a link),
    which moves the text: each link's span is found again in the final text.
    """
    plain, links = flatten(raw)
    final = strip_emphasis(plain)
    if final == plain:
        return plain, links
    moved: list[MdLink] = []
    cursor = 0
    for link in links:
        shown = strip_emphasis(plain[link.start : link.end])
        pos = final.find(shown, cursor)
        if pos < 0:
            pos = cursor
        moved.append(MdLink(strip_emphasis(link.text), link.url, pos, pos + len(shown)))
        cursor = pos
    return final, moved


def first_paragraph(block_list: list[Block]) -> str:
    """The plain text of the first paragraph (not list item), or "" (a chapter's or curriculum's summary)."""
    return next((b.plain for b in block_list if b.kind == "para"), "")


# --- sentences ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')\]]*\s+(?=[A-Z0-9(\"“\[])")


def sentences(block: Block) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of a block's plain text, never splitting inside a link."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(block.plain):
        cut = m.start()
        if any(link.start < cut < link.end for link in block.links):
            continue
        if re.search(r"\b(?:e\.g|i\.e|et al|vs|cf|etc)\.$", block.plain[start:cut], re.I):
            continue
        spans.append((start, cut))
        start = m.end()
    spans.append((start, len(block.plain)))
    return [(a, b) for a, b in spans if block.plain[a:b].strip()]


def first_sentence(text: str) -> str:
    """The first sentence of plain text (for a summary or an exercise's title)."""
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"“])", text)
    return (text[: m.start()] if m else text).strip()

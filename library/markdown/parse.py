"""Just enough markdown for reading lists: headings, list items, paragraphs, links, sentences.

Reading lists are hand-written and often broken (unclosed links, stray emphasis, code spans
holding brackets), so the parser is tolerant: it never rejects text, it recovers what it can
(a clean URL after an unclosed link, the alt text of an image) and keeps the rest as prose.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_WEB_LINK = re.compile(r"https?://[^\s/]+\.[^\s/]", re.I)


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
        return bool(_WEB_LINK.match(self.url))


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

# Every scan below is linear in the text: a hand-written list can hold 200 KB of nested brackets,
# backticks or quotes, and a backtracking pattern or a rescan per bracket would take hours on it.
_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
_WEB_URL = re.compile(r"https?://\S+")
# Links inside a link's text are flattened this deep; brackets deeper than that are plain text.
_MAX_LINK_NESTING = 4


def _mask_code(text: str) -> str:
    """Blank out code spans (same length), so brackets inside them are not read as links.

    A span opens with a run of backticks and closes at the next run of the same length on the
    same line (CommonMark); a run that is never matched is plain text.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    if len(runs) < 2:
        return text
    # For each run, the index of the next run of the same length (found from the right, in one pass).
    next_same: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        next_same[i] = last_of_length.get(length)
        last_of_length[length] = i
    out = []
    pos = 0
    i = 0
    while i < len(runs):
        j = next_same[i]
        start, end = runs[i][0], runs[j][1] if j is not None else 0
        if j is None or runs[j][0] == runs[i][1] or "\n" in text[runs[i][1] : runs[j][0]]:
            i += 1
            continue
        out.append(text[pos:start])
        out.append(" " * (end - start))
        pos = end
        i = j + 1
    out.append(text[pos:])
    return "".join(out)


def _closing_brackets(masked: str) -> dict[int, int]:
    """Where each "[" of ``masked`` is closed: {index of "[": index of its "]"}, in one pass.

    A backslash escapes the next character; an unclosed "[" has no entry (it is plain text).
    """
    closes: dict[int, int] = {}
    stack: list[int] = []
    i = 0
    n = len(masked)
    while i < n:
        c = masked[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            stack.append(i)
        elif c == "]" and stack:
            closes[stack.pop()] = i
        i += 1
    return closes


def flatten(text: str, _depth: int = 0) -> tuple[str, list[MdLink]]:
    """Turn inline markdown into plain text, returning the links with their spans in that text.

    Handles ``[text](url "title")`` with nested brackets and balanced parentheses in the URL,
    ``<https://…>`` autolinks and bare ``https://…`` URLs. An unclosed link keeps its text and
    is kept as a link only if a clean URL follows; images are reduced to their alt text.
    """
    masked = _mask_code(text)
    closes = _closing_brackets(masked) if _depth < _MAX_LINK_NESTING else {}
    out: list[str] = []
    length = 0  # of what is in ``out``
    links: list[MdLink] = []

    def add(shown: str, url: str = "", link_text: str = "") -> None:
        nonlocal length
        if url:
            links.append(MdLink(link_text, url, length, length + len(shown)))
        out.append(shown)
        length += len(shown)

    i = 0
    n = len(text)
    while i < n:
        ch = masked[i]
        if ch == "[" and i in closes and (parsed := _parse_link(text, closes[i])) is not None:
            url, end = parsed
            image = i > 0 and text[i - 1] == "!"
            if image and out and out[-1] == "!":
                out.pop()
                length -= 1
            # Links nested in a link's text ("[![badge](img)](url)") are dropped: the outer one wins.
            label_plain = flatten(text[i + 1 : closes[i]], _depth + 1)[0]
            add(label_plain, "" if image else url, label_plain.strip())
            i = end
            continue
        if ch == "<" and (m := _AUTOLINK.match(text, i)):
            add(m.group(1), m.group(1))
            i = m.end()
            continue
        if ch in "hH" and (i == 0 or not masked[i - 1].isalnum()):
            m = _BARE_URL.match(masked, i)  # a code span (blanked) ends a bare URL
            if m:
                add(m.group(0), m.group(0))
                i = m.end()
                continue
        add(text[i])
        i += 1
    return "".join(out), links


def _parse_link(text: str, j: int) -> tuple[str, int] | None:
    """Parse the ``(url)`` after the "]" at ``text[j]``: (url, index after it) or None."""
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
            return (url if _WEB_URL.fullmatch(url) else "", k)
        k += 1
    inner = _drop_title(text[j + 2 : k].strip())
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return (inner.strip(), min(k + 1, len(text)))


def _drop_title(inner: str) -> str:
    """``url "title"`` -> ``url``: from the first space before a quote, when the text ends in a quote."""
    end = inner.rstrip()
    if not end.endswith(('"', "'")):
        return inner
    m = re.search(r"\s[\"']", inner)
    if m is None or m.start() + 1 >= len(end) - 1:
        return inner
    start = m.start()
    while start > 0 and inner[start - 1].isspace():
        start -= 1
    return inner[:start]


_EMPHASIS = [
    # The text of bold runs to the next "**" (or "__"), never past it: each try is bounded by it.
    (re.compile(r"\*\*(\S(?:(?:[^*]|\*(?!\*))*?\S)?)\*\*"), r"\1"),
    (re.compile(r"__(\S(?:(?:[^_]|_(?!_))*?\S)?)__"), r"\1"),
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


_ABBREVIATION_END = re.compile(r"\b(?:e\.g|i\.e|et al|vs|cf|etc)\.$", re.I)


def sentences(block: Block) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of a block's plain text, never splitting inside a link."""
    spans = []
    start = 0
    link_starts = [link.start for link in block.links]  # in order: links are found left to right
    for m in _SENTENCE_END.finditer(block.plain):
        cut = m.start()
        k = bisect.bisect_left(link_starts, cut) - 1
        if k >= 0 and block.links[k].start < cut < block.links[k].end:
            continue
        # The abbreviation is in the last few characters: look only there (one more for \b).
        if _ABBREVIATION_END.search(block.plain[max(start, cut - 8) : cut]):
            continue
        spans.append((start, cut))
        start = m.end()
    spans.append((start, len(block.plain)))
    return [(a, b) for a, b in spans if block.plain[a:b].strip()]


def first_sentence(text: str) -> str:
    """The first sentence of plain text (for a summary or an exercise's title)."""
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"“])", text)
    return (text[: m.start()] if m else text).strip()

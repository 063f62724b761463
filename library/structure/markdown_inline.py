"""A Markdown paragraph as the text a reader sees, with the character ranges that are maths.

Web articles reach the structure layer as Markdown (trafilatura's output, or a ``.md`` file).
Its inline syntax is rendered, not shown: emphasis marks (``**bold**``, ``*em*``, ``_em_``)
disappear by CommonMark's flanking rules (``snake_case`` and ``2 * 3`` keep theirs), backslash
escapes (``\\_``, ``\\*``, ``\\$``) become the character, code spans keep their content verbatim,
links keep their text, inline HTML tags go (``<sub>``/``<sup>`` of a few characters become
``_{…}``/``^{…}``). Maths is Pandoc's ``tex_math_dollars``: ``$…$`` inline (no space inside
either dollar, no digit right after the closing one, so ``$5 and $10`` is money) and ``$$…$$``
display. The TeX is kept without its delimiters and its ``[start, end)`` range is reported,
which is what :class:`library.structure.model.Block` carries in ``text`` and ``math``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Literal

_PUNCT = frozenset(string.punctuation)
_SPECIAL = re.compile(r"[\\`$<!\[*_]")
_LINK = re.compile(
    r"!?\[((?:\\.|[^\[\]\\])*)\]\((?:[^()\s\\]|\\.|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>")
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
# A sub/superscript this short is notation (x<sub>i</sub>, 10<sup>13</sup>); longer is prose.
_SCRIPT = re.compile(r"[\w+\-−=′'*∞]{1,4}")


@dataclass
class _Delim:
    """A run of ``*`` or ``_`` that may open or close emphasis; ``count`` marks still unmatched."""

    char: str
    count: int
    can_open: bool
    can_close: bool


@dataclass
class _Math:
    tex: str
    display: bool


@dataclass
class Piece:
    """Part of a paragraph: its text (``math`` ranges in it), or a display equation's TeX."""

    kind: Literal["text", "equation"]
    text: str
    math: list[tuple[int, int]] = field(default_factory=list)


_MATH_SCAN = {closer: re.compile(re.escape(closer) + r"|\\.|[{}]", re.S) for closer in ("$$", "$")}


def _math_end(md: str, pos: int, closer: str) -> int | None:
    """Index of the closing ``closer`` of maths opened before ``pos``: braces balanced, escapes skipped."""
    depth = 0
    for m in _MATH_SCAN[closer].finditer(md, pos):
        token, i = m.group(), m.start()
        if token == closer:
            # Pandoc: a closing single dollar has no space before it and no digit after it.
            pandoc = closer == "$$" or (not md[i - 1].isspace() and not md[i + 1 : i + 2].isdigit())
            if depth == 0 and i > pos and pandoc:
                return i
        elif token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
    return None


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """CommonMark's left- and right-flanking tests for a delimiter run between ``before`` and ``after``."""
    left = not after.isspace() and (after not in _PUNCT or before.isspace() or before in _PUNCT)
    right = not before.isspace() and (before not in _PUNCT or after.isspace() or after in _PUNCT)
    return left, right


def _tokens(md: str) -> list[str | _Delim | _Math]:
    items: list[str | _Delim | _Math] = []
    i = 0
    while i < len(md):
        m = _SPECIAL.search(md, i)
        if m is None:
            items.append(md[i:])
            break
        if m.start() > i:
            items.append(md[i : m.start()])
        i = m.start()
        c = md[i]
        if c == "\\":
            nxt = md[i + 1 : i + 2]
            items.append(nxt if nxt in _PUNCT else "\\")
            i += 2 if nxt in _PUNCT else 1
        elif c == "`":
            run = len(md[i:]) - len(md[i:].lstrip("`"))
            close = re.compile(rf"(?<!`){'`' * run}(?!`)").search(md, i + run)
            if close is None:
                items.append("`" * run)
                i += run
                continue
            code = md[i + run : close.start()]
            if len(code) > 2 and code[0] == code[-1] == " " and code.strip():
                code = code[1:-1]
            items.append(code)
            i = close.end()
        elif c == "$":
            display = md.startswith("$$", i)
            width = 2 if display else 1
            opens = display or not (md[i + 1 : i + 2] or " ").isspace()
            end = _math_end(md, i + width, "$$" if display else "$") if opens else None
            tex = " ".join(md[i + width : end].split()) if end is not None else ""
            if end is None or not tex:
                items.append(md[i : i + width])
                i += width
                continue
            items.append(_Math(tex, display))
            i = end + width
        elif c == "<":
            link = _AUTOLINK.match(md, i)
            tag = _TAG.match(md, i)
            if link:
                items.append(link.group(1))
                i = link.end()
            elif tag:
                i = tag.end()
                name = tag.group(1).lower()
                close = re.compile(rf"</{name}\s*>", re.I).search(md, i) if name in ("sub", "sup") else None
                if close and _SCRIPT.fullmatch(md[i : close.start()]):
                    mark = "_" if name == "sub" else "^"
                    items.append(_Math(f"{mark}{{{md[i : close.start()]}}}", False))
                    i = close.end()
                elif name == "br":
                    items.append(" ")
            else:
                items.append("<")
                i += 1
        elif c in "![":
            link = _LINK.match(md, i)
            if link is None:
                items.append(c)
                i += 1
            else:  # the link's text takes its place, and is read like the rest
                md = md[:i] + link.group(1) + md[link.end() :]
        else:  # * or _
            run = len(md[i:]) - len(md[i:].lstrip(c))
            before = md[i - 1] if i else " "
            after = md[i + run] if i + run < len(md) else " "
            left, right = _flanking(before, after)
            if c == "_":
                can_open = left and (not right or before in _PUNCT)
                can_close = right and (not left or after in _PUNCT)
            else:
                can_open, can_close = left, right
            items.append(_Delim(c, run, can_open, can_close))
            i += run
    return items


def _match_emphasis(items: list[str | _Delim | _Math]) -> None:
    """Consume the emphasis marks that pair up (CommonMark's delimiter stack, simplified)."""
    openers: list[_Delim] = []
    for item in items:
        if not isinstance(item, _Delim):
            continue
        if item.can_close:
            while item.count:
                k = len(openers) - 1
                while k >= 0 and openers[k].char != item.char:
                    k -= 1
                if k < 0:
                    break
                opener = openers[k]
                used = 2 if opener.count >= 2 and item.count >= 2 else 1
                opener.count -= used
                item.count -= used
                del openers[k + 1 :]  # marks between them cannot pair across this emphasis
                if not opener.count:
                    openers.pop()
        if item.can_open and item.count:
            openers.append(item)


def render_paragraph(md: str) -> list[Piece]:
    """The paragraph's text pieces and, between them, its display equations (``$$…$$``)."""
    if _SPECIAL.search(md) is None:
        return [Piece("text", md.strip())] if md.strip() else []
    items = _tokens(md)
    _match_emphasis(items)
    pieces = [Piece("text", "")]
    out: list[str] = []
    length = 0  # of the text in ``out``
    for item in items:
        if isinstance(item, _Math) and item.display:
            pieces[-1].text = "".join(out)
            pieces.extend([Piece("equation", item.tex), Piece("text", "")])
            out, length = [], 0
            continue
        if isinstance(item, _Math):
            pieces[-1].math.append((length, length + len(item.tex)))
            text = item.tex
        elif isinstance(item, _Delim):
            text = item.char * item.count
        else:
            text = item
        out.append(text)
        length += len(text)
    pieces[-1].text = "".join(out)
    return [_trimmed(p) for p in pieces if p.kind == "equation" or p.text.strip()]


def _trimmed(piece: Piece) -> Piece:
    """The piece without surrounding blanks, its ranges moved with the text."""
    if piece.kind == "equation":
        return piece
    lead = len(piece.text) - len(piece.text.lstrip())
    text = piece.text.strip()
    math = [(max(0, a - lead), min(len(text), b - lead)) for a, b in piece.math]
    return Piece("text", text, [(a, b) for a, b in math if a < b])


def render_inline(md: str) -> tuple[str, list[tuple[int, int]]]:
    """One line's text and maths ranges, display maths kept in line (headings, table cells)."""
    text_parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    for piece in render_paragraph(md):
        if text_parts:
            text_parts.append(" ")
        start = sum(map(len, text_parts))
        if piece.kind == "equation":
            ranges.append((start, start + len(piece.text)))
        else:
            ranges.extend((start + a, start + b) for a, b in piece.math)
        text_parts.append(piece.text)
    return "".join(text_parts), ranges


_ESCAPE = re.compile(r"([\\`*_\[\]<$])")


def escape(text: str) -> str:
    """``text`` as Markdown that renders back to itself (for text taken from the page directly)."""
    return _ESCAPE.sub(r"\\\1", text)

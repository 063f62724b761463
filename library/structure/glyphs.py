"""Glyphs and rules of a page region, for laying out maths from its geometry.

The page's text is read once, with PyMuPDF's ink-tight character boxes (``TEXT_ACCURATE_BBOXES``:
a radical sign hangs below its baseline, a CMEX sum starts at its origin; font-wide boxes say
neither), and its text page is kept. Running text with flat maths is laid out from its spans
(:meth:`PageReader.span_glyphs`); a region that needs more (a display equation, a fraction in a
line, a table) is read character by character from the same text page, clipped to the region
(:meth:`PageReader.char_glyphs`): a fraction of a millisecond, where reading every character of a
page costs ~15 ms and reading the page again ~5 ms.

Characters PyMuPDF cannot name come out as U+FFFD (the big operators and delimiters of TeX's
extension fonts: their glyph names are not in the Adobe list). Their glyph ids come from the
page's text trace, their names from the embedded font program, and their meaning from
:mod:`library.structure.symbols`. Rules (fraction bars, radical overbars) are the thin horizontal
paths of ``page.get_bboxlog()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from library.structure import symbols

_DOTS = re.compile(r"·\s*·\s*·|\.\s*\.\s*\.")
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_DIFFERENCE = re.compile(r"(\d+)|/([^\s/\[\]]+)")


@dataclass(slots=True, eq=False)
class Glyph:
    """A character (or a run of characters read as one) with its box, or a laid-out structure."""

    text: str  # TeX-like token(s)
    x0: float
    y0: float
    x1: float
    y1: float
    base: float  # baseline (the origin's y)
    size: float  # font size
    font: str = ""
    role: str = "ord"  # ord, op, open, close, fence, radical, accent, piece, prime, built
    math: bool = True  # set in a maths font (other than the body font), or a structure
    space_before: bool = False  # a space separates it from what precedes it
    piece: str = ""  # for a delimiter piece: tp, bt, ex, mid

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(slots=True)
class Rule:
    """A thin horizontal line: a fraction bar, a radical's overbar, an overline or a table rule."""

    x0: float
    x1: float
    y: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0


@dataclass(slots=True, eq=False)
class Span:
    """A span of the page's text dict: one run of one font and size on one baseline."""

    text: str
    font: str
    size: float
    flags: int  # PyMuPDF's span flags (1: superscript)
    ox: float  # origin of its first character
    base: float
    x0: float
    y0: float
    x1: float
    y1: float


class PageReader:
    """Glyphs of a page's regions, and what reading them needs, cached: rules, figures, glyph names."""

    def __init__(self, doc, page_number: int, textpage, body_font: str, fonts: FontNames) -> None:
        self.page = doc[page_number - 1]
        self.textpage = textpage
        self.body_font = body_font
        self.fonts = fonts
        self._rules: list[Rule] | None = None
        self._zones: list[tuple[float, float, float, float]] | None = None
        self._log: list | None = None
        self._traced: list[tuple[str, list]] | None = None
        self._page_fonts: list | None = None

    # --- drawings ----------------------------------------------------------------------------------

    def _drawn(self) -> list:
        """The page's drawing operations as (kind, box): ~1 ms, made in MuPDF."""
        if self._log is None:
            self._log = [(kind, box) for kind, box in self.page.get_bboxlog() if not kind.endswith("text")]
        return self._log

    def rules(self) -> list[Rule]:
        """Thin horizontal lines and bars: fraction bars, radicals' overbars, overlines, table rules."""
        if self._rules is None:
            self._rules = [
                Rule(x0, x1, (y0 + y1) / 2)
                for kind, (x0, y0, x1, y1) in self._drawn()
                if kind.endswith("path") and y1 - y0 <= 1.6 and x1 - x0 >= 1.5
            ]
        return self._rules

    def vertical_rules(self, box: tuple[float, float, float, float]) -> int:
        """How many thin vertical lines are drawn inside ``box``."""
        x0, y0, x1, y1 = box
        return sum(
            1
            for kind, (a0, b0, a1, b1) in self._drawn()
            if kind.endswith("path")
            and a1 - a0 <= 1.6
            and b1 - b0 >= 5
            and x0 - 3 <= a0
            and a1 <= x1 + 3
            and b0 < y1
            and b1 > y0
        )

    def figure_zones(self) -> list[tuple[float, float, float, float]]:
        """Boxes of the page's images and drawings (plots), where text is a figure's labels."""
        if self._zones is None:
            zones = [tuple(box) for kind, box in self._drawn() if kind.endswith("image")]
            page_area = self.page.rect.width * self.page.rect.height
            paths = [
                box
                for kind, box in self._drawn()
                if kind.endswith("path")
                and not _thin(box)
                and (box[2] - box[0]) * (box[3] - box[1]) < 0.5 * page_area
            ]
            zones.extend(_clusters(paths))
            # Not the tiny (a bullet, a box) nor the page-sized (a background, a clip).
            self._zones = [z for z in zones if 1500 < (z[2] - z[0]) * (z[3] - z[1]) < 0.5 * page_area]
        return self._zones

    def rules_in(self, box: tuple[float, float, float, float], margin: float = 1.0) -> list[Rule]:
        x0, y0, x1, y1 = box
        return [
            r
            for r in self.rules()
            if y0 - margin <= r.y <= y1 + margin and r.x0 >= x0 - margin and r.x1 <= x1 + margin
        ]

    # --- glyphs -------------------------------------------------------------------------------------

    def span_glyphs(self, spans: Sequence[Span]) -> list[Glyph]:
        """Glyphs of some spans of the text dict, one a span, for running text whose maths is flat.

        Maths changes font at almost every character, so a maths span is mostly one character
        and its ink-tight box (the text is read with that flag) is the character's. Text-font
        spans keep their text as it is; maths spans become TeX tokens.
        """
        out: list[Glyph] = []
        space = False
        for s in sorted(spans, key=lambda s: (s.x0, s.base)):
            body = s.text.strip()
            if not body:
                space = True
                continue
            lead = s.text != s.text.lstrip()
            is_math = symbols.is_maths_text(s.font, self.body_font)
            role = "ord"
            if is_math:
                body = _DOTS.sub(lambda m: "⋯" if "·" in m.group(0) else "…", body)
                text = symbols.join_tokens([" " if c == " " else symbols.char_token(c, s.font) for c in body])
                if set(body) <= {"′", "″"}:
                    role = "prime"
            else:
                text = body
            out.append(
                Glyph(text, s.x0, s.y0, s.x1, s.y1, s.base, s.size, s.font, role, is_math, space or lead)
            )
            space = s.text != s.text.rstrip()
        return out

    def char_glyphs(
        self,
        box: tuple[float, float, float, float],
        *,
        text_tokens: bool = True,
        only: Sequence[Span] | None = None,
    ) -> list[Glyph]:
        """Every character whose centre lies in ``box``, one glyph each, with its ink-tight box.

        Read from the page's own text page: narrowing its media box makes PyMuPDF's raw dict
        (made in C) hold only the characters inside, so a region costs a fraction of a millisecond
        against ~15 ms for all the page's characters. Text-font characters become TeX tokens too
        (``\\_``) unless ``text_tokens`` is false (running text, where only the maths is TeX).
        ``only`` keeps the characters of some spans: a row's own, when its box crosses others.
        """
        x0, y0, x1, y1 = box
        data = self._raw((x0 - 2, y0 - 2, x1 + 2, y1 + 2))
        # The spans to keep, by font: a display has hundreds of one-character spans to match.
        only_by_font: dict[str, list[Span]] = {}
        for s in only or ():
            only_by_font.setdefault(s.font, []).append(s)
        out: list[Glyph] = []
        space = False
        for block in data["blocks"]:
            for line in block.get("lines", ()):
                dx, dy = line["dir"]
                if dx < 0.9 or abs(dy) > 0.1:
                    continue  # rotated text is no part of an equation
                for span in line["spans"]:
                    font = span["font"]
                    size = span["size"]
                    if only is not None and not _among(span, only_by_font.get(font, ())):
                        continue
                    is_math = symbols.is_maths_text(font, self.body_font)
                    for ch in span["chars"]:
                        c = ch["c"]
                        cx0, cy0, cx1, cy1 = ch["bbox"]
                        if not (
                            x0 - 0.5 <= (cx0 + cx1) / 2 <= x1 + 0.5
                            and y0 - 0.5 <= (cy0 + cy1) / 2 <= y1 + 0.5
                        ):
                            continue
                        if c.isspace():
                            space = True
                            continue
                        ox, oy = ch["origin"]
                        if cy1 - cy0 < 0.01:  # a character without ink
                            cy0, cy1 = oy - 0.5 * size, oy
                        glyph = self._glyph(c, font, size, is_math, (ox, oy))
                        if glyph is None:
                            continue
                        if not text_tokens and not glyph.math:
                            glyph.text = c
                        glyph.x0, glyph.y0, glyph.x1, glyph.y1 = cx0, cy0, cx1, cy1
                        glyph.space_before = space
                        space = False
                        out.append(glyph)
                space = True  # a line ends with a break
        return out if text_tokens else _words(out)

    def _raw(self, box: tuple[float, float, float, float]) -> dict:
        """PyMuPDF's raw dict of the characters in ``box`` only (see :meth:`char_glyphs`)."""
        mediabox = self.textpage.this.m_internal.mediabox
        saved = (mediabox.x0, mediabox.y0, mediabox.x1, mediabox.y1)
        mediabox.x0, mediabox.y0, mediabox.x1, mediabox.y1 = box
        try:
            return self.textpage.extractRAWDICT()
        finally:
            mediabox.x0, mediabox.y0, mediabox.x1, mediabox.y1 = saved

    def _glyph(
        self, c: str, font: str, size: float, is_math: bool, origin: tuple[float, float]
    ) -> Glyph | None:
        """The glyph of one character (the caller sets its box)."""
        base = origin[1]
        if c == "\ufffd" or "\ue000" <= c <= "\uf8ff":
            # A glyph PyMuPDF could not name (CMEX's big operators and delimiters, mostly) or that a
            # PDF maps to a private code (a brace's pieces): named by the font program itself.
            name = self._glyph_name(origin) or symbols.private_piece_name(c)
            return _named_glyph(name, font, size, base)
        if "\ufe00" <= c <= "\ufe0f":
            return None  # a variation selector: no glyph of its own
        role = "ord"
        extension = symbols.is_extension_font(font)
        if c == "√":
            role = "radical"
        elif c in symbols.ACCENTS and (is_math or c in "ˆ˜¯˙¨ˇ˘"):
            role = "accent"  # an accent character is an accent wherever something sits under it
        elif c in "∑∏∐∫∮⋃⋂⨁⨂⨀⋀⋁":
            role = "op"
        elif c in "′″":
            role = "prime"
        elif extension and c in "([{⟨":
            role = "open"
        elif extension and c in ")]}⟩":
            role = "close"
        return Glyph(symbols.char_token(c, font), 0, 0, 0, 0, base, size, font, role, is_math)

    def _glyph_name(self, origin: tuple[float, float]) -> str | None:
        """The glyph name of the unnamed character drawn at ``origin`` (glyph id, then font program)."""
        if self._traced is None:
            # The text trace has every character's glyph id; it costs about as much as reading the
            # page's text, and is read only on pages with characters PyMuPDF could not name.
            self._traced = [
                (span["font"], [ch for ch in span["chars"] if ch[0] == 0xFFFD or 0xE000 <= ch[0] <= 0xF8FF])
                for span in self.page.get_texttrace()
            ]
        x, y = origin
        for font, chars in self._traced:
            for _code, gid, (ox, oy), *_ in chars:
                if abs(ox - x) < 0.05 and abs(oy - y) < 0.05:
                    if self._page_fonts is None:
                        self._page_fonts = self.page.get_fonts()
                    return self.fonts.glyph_name(self._page_fonts, font, gid)
        return None


def _words(glyphs: list[Glyph]) -> list[Glyph]:
    """Running text's characters joined into words (same font and baseline, no space between):
    laying out a line costs per glyph, and only the maths needs its characters apart."""
    out: list[Glyph] = []
    for g in glyphs:
        last = out[-1] if out else None
        if (
            last is not None
            and not g.math
            and not last.math
            and g.role == "ord"
            and last.role == "ord"
            and not g.space_before
            and g.font == last.font
            and abs(g.base - last.base) < 0.05
            and -0.5 < g.x0 - last.x1 < 0.15 * g.size
        ):
            last.text += g.text
            last.x1 = g.x1
            last.y0 = min(last.y0, g.y0)
            last.y1 = max(last.y1, g.y1)
        else:
            out.append(g)
    return out


def _among(span: dict, only: Sequence[Span]) -> bool:
    """Whether a span of the raw dict is one of the given spans of its font (same size, line)."""
    size = span["size"]
    x0, y0, x1, y1 = span["bbox"]
    for s in only:
        if (
            abs(s.size - size) < 0.05
            and min(x1, s.x1) - max(x0, s.x0) > -0.5
            and min(y1, s.y1) - max(y0, s.y0) > -0.5
        ):
            return True
    return False


def _named_glyph(name: str | None, font: str, size: float, base: float) -> Glyph:
    """A glyph known by its glyph name (extension fonts, pieces, glyphs PyMuPDF could not map)."""
    if name:
        # "summationtext" and its variants ("summationtext.1", "summation.text") are one glyph.
        known = symbols.glyph_name_token(name) or symbols.glyph_name_token(re.sub(r"[^A-Za-z]", "", name))
        if known is not None:
            token, role, piece = known
            return Glyph(token, 0, 0, 0, 0, base, size, font, "piece" if piece else role, True, piece=piece)
        code = _unicode_of_name(name)
        if code:
            return Glyph(symbols.char_token(chr(code), font), 0, 0, 0, 0, base, size, font, "ord", True)
        # A TeX glyph name not in the Adobe list is most often the name of its TeX command.
        return Glyph("\\" + re.sub(r"[^A-Za-z]", "", name), 0, 0, 0, 0, base, size, font, "ord", True)
    return Glyph(r"\square", 0, 0, 0, 0, base, size, font, "ord", True)


def _unicode_of_name(name: str) -> int:
    """Unicode of an Adobe glyph name, 0 when there is none."""
    import pymupdf  # loaded by the caller that opened the document

    code = pymupdf.mupdf.fz_unicode_from_glyph_name(name)
    return 0 if code in (0, 0xFFFD) else code


class FontNames:
    """Glyph names of a document's embedded fonts, by glyph id (font programs loaded on demand)."""

    def __init__(self, doc) -> None:
        self.doc = doc
        self._by_xref: dict[int, Callable[[int], str | None]] = {}

    def glyph_name(self, page_fonts: list, font: str, gid: int) -> str | None:
        """The name of glyph ``gid`` of the font PyMuPDF calls ``font`` (``page.get_fonts()`` given)."""
        for xref, _ext, kind, basefont, *_ in page_fonts:
            if _SUBSET_PREFIX.sub("", basefont) != font:
                continue
            name = self._names(xref, kind)(gid)
            if name:
                return name
        return None

    def _names(self, xref: int, kind: str) -> Callable[[int], str | None]:
        """A function from glyph id to name for the font at ``xref`` (a Type 3 font: its encoding)."""
        names = self._by_xref.get(xref)
        if names is None:
            names = self._by_xref[xref] = _name_function(self.doc, xref, kind)
        return names


def _name_function(doc, xref: int, kind: str) -> Callable[[int], str | None]:
    import pymupdf

    if kind == "Type3":
        return _differences(doc, xref).get  # a Type 3 font's glyph ids are its character codes
    try:
        buffer = doc.extract_font(xref)[3]
        font = pymupdf.Font(fontbuffer=buffer) if buffer else None
    except Exception:  # a damaged or unsupported font program: its glyphs stay unnamed
        font = None
    if font is None:
        return lambda gid: None

    def name_of(gid: int) -> str | None:
        try:
            return pymupdf.mupdf.fz_get_glyph_name2(font.this, gid) or None
        except Exception:  # a glyph id outside the font
            return None

    return name_of


def _differences(doc, xref: int) -> dict[int, str]:
    """Character code -> glyph name from a simple font's /Encoding /Differences array."""
    kind, value = doc.xref_get_key(xref, "Encoding")
    if kind == "xref":
        value = doc.xref_object(int(value.split()[0]))
    elif kind != "dict":
        return {}
    m = re.search(r"/Differences\s*\[(.*?)\]", value, re.S)
    if not m:
        return {}
    out: dict[int, str] = {}
    code = 0
    for number, name in _DIFFERENCE.findall(m.group(1)):
        if number:
            code = int(number)
        else:
            out[code] = name
            code += 1
    return out


def _thin(rect) -> bool:
    x0, y0, x1, y1 = rect
    return y1 - y0 <= 1.6 or x1 - x0 <= 1.6


def _clusters(boxes: list) -> list[tuple[float, float, float, float]]:
    """Boxes merged where they overlap or nearly touch (the paths of one drawing)."""
    out: list[list[float]] = []
    for x0, y0, x1, y1 in sorted(boxes, key=lambda b: b[1]):
        for box in out:
            if x0 <= box[2] + 6 and box[0] <= x1 + 6 and y0 <= box[3] + 6 and box[1] <= y1 + 6:
                box[0], box[1], box[2], box[3] = (
                    min(box[0], x0),
                    min(box[1], y0),
                    max(box[2], x1),
                    max(box[3], y1),
                )
                break
        else:
            out.append([x0, y0, x1, y1])
    return [(b[0], b[1], b[2], b[3]) for b in out]

"""Glyphs and rules of a page region, for laying out maths from its geometry.

The page's text was already read span by span (:mod:`library.structure.layout`); regions that
need more (a display equation, a row with a fraction or a radical) are read again here, character
by character, from a text page clipped to the region with PyMuPDF's ink-tight character boxes
(``TEXT_ACCURATE_BBOXES``: a radical sign hangs below its baseline, a CMEX sum starts at its
origin; the font-wide boxes of the plain text page say neither). Reading a region costs about a
millisecond plus a few microseconds a character, against ~15 ms for every character of a page.

Characters PyMuPDF cannot name come out as U+FFFD (the big operators and delimiters of TeX's
extension fonts: their glyph names are not in the Adobe list). Their glyph ids come from the
page's text trace, their names from the embedded font program, and their meaning from
:mod:`library.structure.symbols`. Rules (fraction bars, radical overbars) are the thin horizontal
paths of ``page.get_cdrawings()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from library.structure import symbols

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


class PageReader:
    """Character-level reads of one page, with what they need cached (rules, glyph ids, fonts)."""

    def __init__(self, doc, page_number: int, body_font: str, fonts: FontNames) -> None:
        self.page = doc[page_number - 1]
        self.body_font = body_font
        self.fonts = fonts
        self._rules: list[Rule] | None = None
        self._drawings: list[dict] | None = None
        self._zones: list[tuple[float, float, float, float]] | None = None
        self._gids: dict[tuple[int, int], tuple[str, int]] | None = None

    # --- rules --------------------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        """Thin horizontal lines and bars of the page (0.5 ms on most pages, more with vector figures)."""
        if self._rules is None:
            self._rules = _rules_of(self._paths())
        return self._rules

    def figure_zones(self) -> list[tuple[float, float, float, float]]:
        """Boxes of the page's images and vector drawings (plots), where text is a figure's labels."""
        if self._zones is None:
            zones = [tuple(info["bbox"]) for info in self.page.get_image_info()]
            paths = [p["rect"] for p in self._paths() if not _thin(p["rect"])]
            zones.extend(_clusters(paths))
            self._zones = [z for z in zones if (z[2] - z[0]) * (z[3] - z[1]) > 1500]
        return self._zones

    def _paths(self) -> list[dict]:
        if self._drawings is None:
            self._drawings = self.page.get_cdrawings()
        return self._drawings

    def rules_in(self, box: tuple[float, float, float, float], margin: float = 1.0) -> list[Rule]:
        x0, y0, x1, y1 = box
        return [
            r
            for r in self.rules()
            if y0 - margin <= r.y <= y1 + margin and r.x0 >= x0 - margin and r.x1 <= x1 + margin
        ]

    # --- characters ----------------------------------------------------------------------------------

    def glyphs(
        self,
        box: tuple[float, float, float, float],
        *,
        text_tokens: bool = True,
        only: list[tuple[str, float, float, float, float]] | None = None,
    ) -> list[Glyph]:
        """Every character whose centre lies in ``box``, in content order, with ink-tight boxes.

        Characters in text fonts are TeX tokens too (``\\_``) unless ``text_tokens`` is false (running
        text, where only the maths becomes TeX). ``only`` keeps the characters of some spans, given
        as (font, size, baseline, x0, x1): a row's own, when the box also crosses its neighbours.
        """
        import pymupdf  # loaded by the caller that opened the document

        x0, y0, x1, y1 = box
        clip = pymupdf.Rect(x0 - 2, y0 - 2, x1 + 2, y1 + 2)
        flags = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_ACCURATE_BBOXES
        data = self.page.get_textpage(flags=flags, clip=clip).extractRAWDICT()
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
                    if only is not None and not _among(span, only):
                        continue
                    is_math = symbols.is_math_font(font) and font != self.body_font
                    extension = symbols.is_extension_font(font)
                    for ch in span["chars"]:
                        c = ch["c"]
                        cx0, cy0, cx1, cy1 = ch["bbox"]
                        ox, oy = ch["origin"]
                        if not (
                            x0 - 0.5 <= (cx0 + cx1) / 2 <= x1 + 0.5
                            and y0 - 0.5 <= (cy0 + cy1) / 2 <= y1 + 0.5
                        ):
                            continue
                        if c.isspace():
                            space = True
                            continue
                        if cy1 - cy0 < 0.01:  # an empty box: a character with no ink
                            cy0, cy1 = oy - 0.5 * size, oy
                        glyph = self._glyph(c, font, size, is_math, extension, (ox, oy))
                        if glyph is None:
                            continue
                        if not text_tokens and not glyph.math:
                            glyph.text = c
                        glyph.x0, glyph.y0, glyph.x1, glyph.y1 = cx0, cy0, cx1, cy1
                        glyph.space_before = space
                        space = False
                        out.append(glyph)
                space = True  # lines end with a break
        return out

    def _glyph(
        self, c: str, font: str, size: float, is_math: bool, extension: bool, origin: tuple[float, float]
    ) -> Glyph | None:
        """The glyph of one character (its box is filled in by the caller)."""
        base = origin[1]
        if c == "\ufffd" or extension or "\ue000" <= c <= "\uf8ff":
            # An extension font's characters are named by their glyph, whatever the text layer says:
            # one PDF maps CMEX's big parenthesis to "(", another its brace to U+F8F1, most to U+FFFD.
            name = self._glyph_name(origin) or symbols.private_piece_name(c)
            if name or c == "\ufffd":
                return _named_glyph(name, font, size, base)
        if "\ufe00" <= c <= "\ufe0f":
            return None  # a variation selector: no glyph of its own
        piece = symbols.private_piece_name(c)
        if piece is not None:
            return _named_glyph(piece, font, size, base)
        role = "ord"
        if c == "√":
            role = "radical"
        elif c in symbols.ACCENTS and (is_math or c in "ˆ˜¯˙¨ˇ˘"):
            role = "accent"  # an accent character is an accent wherever something sits under it
        elif c in "∑∏∐∫∮⋃⋂⨁⨂⨀⋀⋁":
            role = "op"
        elif c in "′″":
            role = "prime"
        return Glyph(symbols.char_token(c, font), 0, 0, 0, 0, base, size, font, role, is_math)

    def _glyph_name(self, origin: tuple[float, float]) -> str | None:
        """The glyph name of the character drawn at ``origin`` (from its glyph id and font program)."""
        if self._gids is None:
            # The text trace gives every character's glyph id (~ the cost of the page's text dict);
            # only the characters that need a name are kept.
            self._gids = {}
            for span in self.page.get_texttrace():
                name = span["font"]
                extension = symbols.is_extension_font(name)
                for code, gid, (ox, oy), *_ in span["chars"]:
                    if extension or code == 0xFFFD or 0xE000 <= code <= 0xF8FF:
                        self._gids[(round(ox * 10), round(oy * 10))] = (name, gid)
        found = self._gids.get((round(origin[0] * 10), round(origin[1] * 10)))
        if found is None:
            return None
        return self.fonts.glyph_name(self.page, found[0], found[1])


def _among(span: dict, only: list[tuple[str, float, float, float, float]]) -> bool:
    """Whether a span of a clipped text page is one of the given spans (same font, size, line)."""
    font, size = span["font"], span["size"]
    base = span["origin"][1]
    x0, _, x1, _ = span["bbox"]
    for f, s, b, a0, a1 in only:
        if f == font and abs(s - size) < 0.05 and abs(b - base) < 0.6 and min(x1, a1) - max(x0, a0) > -0.5:
            return True
    return False


def _named_glyph(name: str | None, font: str, size: float, base: float) -> Glyph:
    """A glyph known by its glyph name (extension fonts, pieces, glyphs PyMuPDF could not map)."""
    if name:
        known = symbols.glyph_name_token(name)
        if known is not None:
            token, role, piece = known
            return Glyph(token, 0, 0, 0, 0, base, size, font, "piece" if piece else role, True, piece=piece)
        code = _unicode_of_name(name)
        if code:
            c = chr(code)
            return Glyph(symbols.char_token(c, font), 0, 0, 0, 0, base, size, font, "ord", True)
        # A TeX glyph name not in the Adobe list is most often the name of its TeX command.
        return Glyph("\\" + re.sub(r"[^A-Za-z]", "", name), 0, 0, 0, 0, base, size, font, "ord", True)
    return Glyph(r"\square", 0, 0, 0, 0, base, size, font, "ord", True)


def _unicode_of_name(name: str) -> int:
    """Unicode of an Adobe glyph name, 0 when there is none."""
    import pymupdf

    code = pymupdf.mupdf.fz_unicode_from_glyph_name(name)
    return 0 if code in (0, 0xFFFD) else code


class FontNames:
    """Glyph names of a document's embedded fonts, by glyph id (font programs loaded on demand)."""

    def __init__(self, doc) -> None:
        self.doc = doc
        self._by_xref: dict[int, Callable[[int], str | None]] = {}

    def glyph_name(self, page, font: str, gid: int) -> str | None:
        """The name of glyph ``gid`` of the font PyMuPDF calls ``font`` on ``page``."""
        for xref, _ext, kind, basefont, *_ in page.get_fonts():
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


def _rules_of(paths: list[dict]) -> list[Rule]:
    """Thin horizontal strokes and filled bars from ``get_cdrawings()`` output."""
    out: list[Rule] = []
    for path in paths:
        x0, y0, x1, y1 = path["rect"]
        if x1 - x0 < 1.5:
            continue
        if y1 - y0 <= 1.6:
            out.append(Rule(x0, x1, (y0 + y1) / 2))
            continue
        items = path["items"]
        if len(items) > 40:
            continue  # a plot or a drawing: not a rule of text
        for item in items:
            if item[0] == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                if abs(ay - by) <= 0.3 and abs(ax - bx) >= 1.5:
                    out.append(Rule(min(ax, bx), max(ax, bx), (ay + by) / 2))
            elif item[0] == "re":
                rx0, ry0, rx1, ry1 = item[1]
                if ry1 - ry0 <= 1.6 and rx1 - rx0 >= 1.5:
                    out.append(Rule(rx0, rx1, (ry0 + ry1) / 2))
    return out

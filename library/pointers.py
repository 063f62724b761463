"""What part of a work a reading assigns: a structured pointer.

A curriculum says "Section 3 of this paper", "chapters 3 and 13", "the first 49 pages" or
names a section by its title. :class:`Pointer` holds that as data, parses the short forms
users write (``"Section 3"``, ``"Sections 1-2"``, ``"Appendix A"``, ``"pages 1-49"``,
``'"Contrastive Training Objectives"'``) and finds such phrases in prose
(:func:`find_in_prose`, used when importing a markdown reading list).

Resolving a pointer against a document's structure is the job of ``library.structure``.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

PointerKind = Literal["whole", "sections", "chapters", "pages", "named"]

_NUMBER = r"(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)"
_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}


class Pointer(msgspec.Struct, frozen=True, omit_defaults=True):
    """A part of a work. ``kind`` says which of the other fields matter."""

    kind: PointerKind = "whole"
    # Section or chapter numbers, as written: "3", "3.1", "9.3", "A", "A.2".
    numbers: tuple[str, ...] = ()
    # Inclusive page range, 1-based, for "the first 49 pages".
    first_page: int | None = None
    last_page: int | None = None
    # A section named by its title, for works whose sections have no numbers.
    title: str | None = None
    # The version the pointer was written against ("v3" of an arXiv paper), if the curriculum says.
    version: str | None = None

    @property
    def label(self) -> str:
        """How the pointer reads to a person: "Section 3", "Chapters 3 and 13", "Pages 1-49"."""
        if self.kind == "whole":
            text = "Whole work"
        elif self.kind == "named":
            text = f"“{self.title}”"
        elif self.kind == "pages":
            same = self.first_page == self.last_page
            text = f"Page {self.first_page}" if same else f"Pages {self.first_page}-{self.last_page}"
        else:
            noun = "Chapter" if self.kind == "chapters" else "Section"
            if self.kind == "sections" and all(re.fullmatch(r"[A-Z](?:\.\d+)*", n) for n in self.numbers):
                noun = "Appendix"
            if len(self.numbers) == 1:
                text = f"{noun} {self.numbers[0]}"
            else:
                plural = "Appendices" if noun == "Appendix" else noun + "s"
                text = f"{plural} {', '.join(self.numbers[:-1])} and {self.numbers[-1]}"
        if self.version:
            text += f" (of {self.version})"
        return text

    def to_dict(self) -> dict:
        return {**msgspec.to_builtins(self), "label": self.label}


WHOLE = Pointer()


class PointerSyntaxError(ValueError):
    pass


# No work has more sections than this in one assignment; a larger range is a typo (or an attack).
MAX_RANGE = 200


def _expand_range(a: str, b: str) -> tuple[str, ...]:
    if a.isdigit() and b.isdigit() and int(a) <= int(b):
        if int(b) - int(a) >= MAX_RANGE:
            raise PointerSyntaxError(f"section range {a}-{b} is too long (at most {MAX_RANGE} sections)")
        return tuple(str(n) for n in range(int(a), int(b) + 1))
    return (a, b)


def _numbers(text: str) -> tuple[str, ...]:
    """ "1-2" -> ("1","2"); "3 and 13" -> ("3","13"); "3, 4 and 5" -> ("3","4","5")."""
    out: list[str] = []
    for part in re.split(r"\s*(?:,|\band\b|&)\s*", text.strip()):
        if not part:
            continue
        m = re.fullmatch(rf"({_NUMBER})\s*(?:-|–|to)\s*({_NUMBER})", part)
        if m:
            out.extend(_expand_range(m.group(1), m.group(2)))
        elif re.fullmatch(_NUMBER, part):
            out.append(part)
        else:
            raise PointerSyntaxError(f"not a section number: {part!r}")
    return tuple(out)


def parse(text: str | None) -> Pointer:
    """Parse the short form of a pointer. ``None``, ``""`` and ``"whole"`` mean the whole work."""
    if text is None:
        return WHOLE
    raw = text.strip()
    if raw.lower() in ("", "whole", "all", "whole work", "the whole work"):
        return WHOLE
    version = None
    m = re.search(r"\s*\((?:of\s+)?(v\d+)\)\s*$", raw, re.I) or re.search(r"\s+of\s+(v\d+)\s*$", raw, re.I)
    if m:
        version = m.group(1).lower()
        raw = raw[: m.start()].strip()
    quoted = re.fullmatch(r"[\"“'‘](.+)[\"”'’]", raw)
    if quoted:
        return Pointer(kind="named", title=quoted.group(1).strip(), version=version)
    lower = raw.lower()
    pages = None
    if m := re.fullmatch(r"(?:the\s+)?first\s+(\d+)\s+pages?", lower):
        pages = 1, int(m.group(1))
    elif m := re.fullmatch(r"(?:pages?|pp?\.)\s*(\d+)\s*(?:-|–|to)\s*(\d+)", lower):
        pages = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(?:pages?|p\.)\s*(\d+)", lower):
        pages = int(m.group(1)), int(m.group(1))
    if pages is not None:
        first, last = pages
        if first < 1 or last < first:
            raise PointerSyntaxError(f"bad page range: {text!r} (pages count from 1)")
        return Pointer(kind="pages", first_page=first, last_page=last, version=version)
    m = re.fullmatch(r"(sections?|sec\.?|§|chapters?|ch\.?|appendix|appendices|app\.?)\s*(.+)", raw, re.I)
    if m:
        word = m.group(1).lower()
        kind: PointerKind = "chapters" if word.startswith("ch") else "sections"
        numbers = _numbers(m.group(2).upper() if word.startswith("app") else m.group(2))
        if not numbers:
            raise PointerSyntaxError(f"no section number in {text!r}")
        return Pointer(kind=kind, numbers=numbers, version=version)
    if re.fullmatch(rf"{_NUMBER}(?:\s*(?:,|and|-)\s*{_NUMBER})*", raw):
        return Pointer(kind="sections", numbers=_numbers(raw), version=version)
    return Pointer(kind="named", title=raw, version=version)


# --- pointers written in prose (markdown import) -------------------------------------------------

# "the first ten pages"
_CARDINALS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
}

# A section "number" in prose: digits ("3", "9.3") or an upper-case appendix letter ("A", "B.2").
# The letter must stay upper-case even under re.I and be a whole word, or "section of" would
# read as section "o".
_PROSE_NUMBER = r"(?:\d+(?:\.\d+)*|(?-i:[A-Z])(?:\.\d+)*)\b"
_PROSE_LIST = rf"{_PROSE_NUMBER}(?:\s*(?:,\s*and|,|and|&|-|–)\s*{_PROSE_NUMBER})*"

# What a prose pattern finds: a pointer kind, or a page range ("pages 10-20") that becomes kind "pages".
_ProseKind = Literal["chapters", "sections", "pages", "page-range"]

_PROSE_PATTERNS: list[tuple[re.Pattern[str], _ProseKind]] = [
    # "Chapter 3 covers ... and chapter 13 covers ..."  (both chapter mentions are collected)
    (re.compile(r"\bchapters?\s+(\d+\b(?:\s*(?:,\s*and|,|and|&|-|–)\s*\d+\b)*)", re.I), "chapters"),
    # "Section 2 of this paper", "section 3.1", "Sections 1-2", "Section 9.3 of this paper", "§ 4"
    (re.compile(rf"(?:\bsections?|§)\s*({_PROSE_LIST})", re.I), "sections"),
    (re.compile(r"\b(?i:appendix)\s+([A-Z](?:\.\d+)*)\b"), "sections"),
    # "the first 49 pages"
    (re.compile(r"\bfirst\s+(\d+|" + "|".join(_CARDINALS) + r")\s+pages\b", re.I), "pages"),
    # "pages 10-20", "pp. 10–20"
    (re.compile(r"(?:\bpages|\bpp\.)\s*(\d+\s*(?:-|–|to)\s*\d+)\b", re.I), "page-range"),
]
# "The first section of this post, entitled "Contrastive Training Objectives""
_NAMED = re.compile(
    r"\b(?:section|part|chapter)\b[^.\"“]{0,60}?(?:entitled|titled|called|named)\s+[\"“]([^\"”]+)[\"”]", re.I
)


class ProseMatch(msgspec.Struct, frozen=True):
    """A pointer found in prose, with where its phrase sits in the text (``text[start:end]``)."""

    pointer: Pointer
    start: int
    end: int


def search_prose(text: str) -> ProseMatch | None:
    """Like :func:`find_in_prose`, but also says where the phrase is, so a caller can tell
    which of several links in a sentence the pointer belongs to."""
    named = _NAMED.search(text)
    if named:
        return ProseMatch(Pointer(kind="named", title=named.group(1).strip()), named.start(), named.end())
    version = None
    v = re.search(r"\b\d{4}\.\d{4,5}(v\d+)\b", text)
    if v:
        version = v.group(1)
    for pattern, kind in _PROSE_PATTERNS:
        found = list(pattern.finditer(text))
        if not found:
            continue
        start, end = found[0].start(), found[-1].end()
        if kind == "pages":
            word = found[0].group(1).lower()
            count = int(word) if word.isdigit() else _CARDINALS[word]
            return ProseMatch(
                Pointer(kind="pages", first_page=1, last_page=count, version=version), start, found[0].end()
            )
        if kind == "page-range":
            first, last = (int(x) for x in re.findall(r"\d+", found[0].group(1)))
            if first < 1 or last < first:
                continue
            return ProseMatch(
                Pointer(kind="pages", first_page=first, last_page=last, version=version),
                start,
                found[0].end(),
            )
        numbers: list[str] = []
        for match in found:
            group = re.sub(r",\s*and\b", ",", match.group(1))
            for number in _numbers(group):
                if number not in numbers:
                    numbers.append(number)
        return ProseMatch(Pointer(kind=kind, numbers=tuple(numbers), version=version), start, end)
    return None


def find_in_prose(text: str) -> Pointer | None:
    """Find the part a sentence assigns, if it names one. ``None`` when the prose names none."""
    match = search_prose(text)
    return match.pointer if match else None

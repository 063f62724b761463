"""What a section heading looks like: numbering patterns and well-known unnumbered names.

Shared by PDF heading detection, outline checking and HTML (where numbers may lead a title).
"""

from __future__ import annotations

import re

from library.structure.text import clean, norm_title

# "3", "3.2", "3.2.1", "A", "A.1", optionally after "Section"/"Appendix"/"Chapter", then a title.
_NUMBERED = re.compile(
    r"^(?:(?:section|appendix|chapter|part)\s+)?"
    r"(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){0,3}|[IVX]{1,5})"
    r"(?:\.(?!\d)|:)?\s+(?P<title>\S.*)$",
    re.I,
)
# Top-level headings papers carry without numbers. Normalised with norm_title.
KNOWN_UNNUMBERED = {
    "abstract",
    "references",
    "bibliography",
    "acknowledgements",
    "acknowledgments",
    "acknowledgement",
    "acknowledgment",
    "appendix",
    "appendices",
    "supplementary material",
    "supplementary materials",
    "methods",
    "contributions",
    "author contributions",
    "introduction",
    "conclusion",
    "conclusions",
    "discussion",
    "related work",
    "background",
    "broader impact",
    "broader impacts",
    "limitations",
    "summary",
    "online content",
    "materials and methods",
    "results",
}


def split_number(text: str) -> tuple[str | None, str]:
    """ "3.2 Scaled Dot-Product Attention" -> ("3.2", "Scaled Dot-Product Attention").

    Roman numerals and letters are numbers only when what follows reads as a title; "A Method
    for ..." keeps its "A" (the caller decides from context whether a letter is an appendix).
    """
    text = clean(text)
    m = _NUMBERED.match(text)
    if not m:
        return None, text
    num, title = m.group("num"), m.group("title").strip()
    if num.isalpha():
        num = num.upper()
    return num, title


def level_of(number: str) -> int:
    """Depth of a section number: "3" -> 1, "3.2" -> 2, "A.1" -> 2."""
    return number.count(".") + 1


def looks_like_title(title: str) -> bool:
    """Whether text after a number reads as a heading title, not a sentence, a table row or maths."""
    title = title.strip()
    if not title or len(title) > 130:
        return False
    first = title[0]
    if not (first.isupper() or first.isdigit() or first in "(\"“'"):
        return False
    if len(title.split()) > 16 or title.endswith((",", ";")):
        return False
    letters = sum(map(str.isalpha, title))  # counting in C: this runs for most rows of a paper
    return not (letters < 2 or letters < 0.5 * (len(title) - title.count(" ")))


# The ASCII texts whose norm_title is a known name: the name's words, any case, with anything but
# letters and digits around and between them. A match fails at the first letter of most rows, where
# norm_title would build a new string for each (it runs for every row of a paper).
_KNOWN_ASCII = re.compile(
    "[^a-z0-9]*(?:"
    + "|".join("[^a-z0-9]+".join(map(re.escape, name.split(" "))) for name in sorted(KNOWN_UNNUMBERED))
    + ")[^a-z0-9]*",
    re.I,
)


def is_known_unnumbered(text: str) -> bool:
    if text.isascii():
        return _KNOWN_ASCII.fullmatch(text) is not None
    return norm_title(text) in KNOWN_UNNUMBERED

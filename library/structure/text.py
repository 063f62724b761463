"""Small text helpers shared by PDF and HTML extraction: cleaning, joining, comparing titles."""

from __future__ import annotations

import re
import unicodedata

# Ligatures and typographic oddities that PDF text layers carry. PyMuPDF expands most ligatures
# when TEXT_PRESERVE_LIGATURES is off; these catch the ones that come through as code points.
_REPLACE = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u00ad": "",  # soft hyphen
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u200b": "",
    "\ufeff": "",
    "\u00b6": "",  # pilcrow: Sphinx header links
}
# Every key is one non-ASCII code point, so a character class finds them and a translation table
# replaces them. ASCII text (most rows of most papers) needs neither, and other text is searched
# first because translating copies the string character by character, the search does not.
_REPLACE_ANY = re.compile("[" + "".join(_REPLACE) + "]")
_TRANSLATE = str.maketrans(_REPLACE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ENDS_SENTENCE = re.compile(r"[.?!:;]['\")\]”’]*$")


def clean(text: str) -> str:
    """Fix ligatures, odd spaces and runs of blanks."""
    if not text.isascii() and _REPLACE_ANY.search(text) is not None:
        text = text.translate(_TRANSLATE)
    # str.split() splits on exactly the characters regex \s matches: runs collapse, ends trimmed.
    return " ".join(text.split())


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph, re-joining words hyphenated at line ends."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out += " " + line
    return clean(out)


def join_paragraphs(first: str, second: str) -> str:
    """Join a paragraph split by a column or page break."""
    return join_lines([first, second])


def ends_sentence(text: str) -> bool:
    return _ENDS_SENTENCE.search(text.rstrip()) is not None


def norm_title(text: str) -> str:
    """A title reduced for comparison: lower case, letters and digits only, single spaces."""
    # ASCII has no decompositions and its whitespace becomes a separator below anyway, so only
    # other text needs the cleaning and NFKD (a few microseconds a call, and rows are many).
    if not text.isascii():
        text = unicodedata.normalize("NFKD", clean(text))
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


_SMALL = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "via",
    "with",
}


# A word holding maths ("PDρ(ˆY", "|X)"): kept as printed when its title is recased. Greek,
# modifier letters and combining accents, super- and subscripts, letterlike symbols, arrows and
# operators, mathematical alphanumerics (not the quotes and dashes of General Punctuation).
# The first letter of a word, after any opening quote or bracket ("“good”" -> "“Good”"), and of
# each part of a hyphenated word ("self-attention" -> "Self-Attention").
_LEADING_LETTER = re.compile(r"(?:^|(?<=^[\"'“‘(\[])|(?<=[a-z]-))[a-z]")
_MATHS_IN_WORD = re.compile("[\u02b0-\u03ff\u2070-\u2bff\U0001d400-\U0001d7ff|^_=\\\\]")


def titlecase_if_shouting(title: str) -> str:
    """ "INITIALIZATION BIAS CORRECTION" -> "Initialization Bias Correction"; other titles unchanged.

    Maths in a title keeps its case: "ESTIMATING PDρ(ˆY |X)" -> "Estimating PDρ(ˆY |X)" (a Greek
    letter set in maths is no sign that the words are not shouted).
    """
    letters = [c for c in title if c.isalpha() and c.isascii()]
    if len(letters) < 4 or any(map(str.islower, letters)):
        return title
    out = []
    for i, word in enumerate(title.split(" ")):
        if _MATHS_IN_WORD.search(word):
            out.append(word)
            continue
        word = word.lower()
        if i and word in _SMALL:
            out.append(word)
        else:
            out.append(_LEADING_LETTER.sub(lambda m: m.group(0).upper(), word))
    return " ".join(out)

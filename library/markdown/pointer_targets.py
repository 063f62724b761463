"""Section pointers in prose ("Section 3 of [the paper]", "the ELK report (section 2)") and what
each belongs to: a link of the sentence, a work named by a phrase, or the item's own link."""

from __future__ import annotations

import re
from dataclasses import dataclass

from library.markdown.parse import Block, MdLink
from library.pointers import Pointer, search_prose

# "the red teaming paper", "the ELK report", "this paper": what a sentence calls a work.
_REFERRING = re.compile(
    r"\b(?:the|this|that|these)\s+((?:(?!(?:the|this|that|of|in|on|a|an|from|by|to|with|for)\b)[\w'’-]+\s+){0,4}?)"
    r"(papers?|report|post|blog post|article|book|tutorial|guide|notes|survey|video|write-?up|thesis)\b",
    re.I,
)
# Words before "chapter 6" that make it a chapter of this curriculum ("as in chapter 6").
_CROSS_REFERENCE = re.compile(
    r"\b(?:as in|from|see|completed|complete|finished|after|before|like|in)\s+$", re.I
)
# Words of a referring phrase that describe the work rather than name it ("the original paper").
_QUALIFIER_STOP = {
    "original",
    "above",
    "below",
    "same",
    "linked",
    "accompanying",
    "following",
    "whole",
    "full",
}


@dataclass
class Found:
    """A pointer found in a sentence, and at most one clue to what it belongs to."""

    pointer: Pointer
    # The link the pointer belongs to (a link of the sentence), if it says so.
    link: MdLink | None = None
    # Words naming the work ("red teaming"), when the sentence refers to it by a phrase.
    words: list[str] | None = None
    # True when the sentence says "the paper"/"this post" with no name: the item's own link.
    own: bool = False


def find_pointer(block: Block, start: int, end: int) -> Found | None:
    """The pointer in ``block.plain[start:end]`` and what it belongs to, or None."""
    sentence = block.plain[start:end]
    match = search_prose(sentence)
    if match is None:
        return None
    p_start, p_end = start + match.start, start + match.end
    links = [link for link in block.links if start <= link.start < end]
    # The pointer phrase is itself a link's text ("[Chapter 1](1-Transformers.md)"): a cross-reference.
    for link in links:
        if link.start < p_end and p_start < link.end:
            return Found(match.pointer, link=link) if link.is_web else None
    if match.pointer.kind == "chapters" and _CROSS_REFERENCE.search(
        block.plain[max(start, p_start - 16) : p_start]
    ):
        return None  # "as in chapter 6": a chapter of this curriculum, not of a book
    # "Section 9.3 of [this paper]" / "[the paper], section 2": a web link right next to the phrase.
    near = []
    for link in links:
        if not link.is_web:
            continue
        if link.start >= p_end:
            gap = block.plain[p_end : link.start]
            if len(gap) <= 25 and re.fullmatch(r"[\s,]*(?:of|in|from)?\s*(?:the|this)?\s*", gap, re.I):
                near.append((len(gap), link))
        elif link.end <= p_start:
            gap = block.plain[link.end : p_start]
            if len(gap) <= 6 and re.fullmatch(r"[\s,(:]*", gap):
                near.append((len(gap), link))
    if near:
        return Found(match.pointer, link=min(near, key=lambda t: t[0])[1])
    # "the zero-shot approach described in the red teaming paper (section 3.1)": a phrase names the work.
    phrases = list(_REFERRING.finditer(sentence))
    if phrases:
        # The phrase nearest the pointer: measured to the pointer's start from a phrase before it,
        # to its end from one after it.
        nearest = min(
            phrases,
            key=lambda m: (
                abs(m.start() - match.start) if m.end() <= match.start else abs(m.start() - match.end)
            ),
        )
        words = [w for w in re.findall(r"[a-z0-9]+", nearest.group(1).lower()) if w not in _QUALIFIER_STOP]
        if words:
            return Found(match.pointer, words=words)
    return Found(match.pointer, own=True)

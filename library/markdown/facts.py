"""Curriculum-wide facts stated in prose (a README, a file's front matter, a chapter's introduction).

Each is recognised by a pattern, not by one curriculum's wording, and each is optional:
an order of importance ("order of importance: 1, 6, 2"), which chapter helps with which
("chapter 1 is helpful for understanding chapters 2 and 3"), effort ("between half a week and
2 weeks per chapter"), and longer alternatives ("a longer version of Chapter 6, [link]").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from library.catalogue import Link
from library.markdown.links import url_title
from library.markdown.parse import Block, sentences
from library.markdown.titles import clean_title

_NUMS = r"\d+(?:(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s*&\s*|\s+or\s+)\d+)*"
_IMPORTANCE = re.compile(
    r"(?:order of importance|importance order|order of priority|priority order|most important first)"
    r"[^.:\n\d]{0,60}[:\-–—]?\s*(\d+(?:\s*(?:,|>|→|->)\s*\d+)+)",
    re.I,
)
# The gaps inside one statement are bounded: unbounded, each "chapter N" of a long sentence would
# scan the rest of it, and a 200 KB paragraph would take hours.
_HELPS = re.compile(
    rf"\bchapters?\s+(\d+)\b[^.;]{{0,200}}?\b(?:helpful|useful|helps?|important|valuable)\b[^.;]{{0,200}}?"
    rf"\b(?:for|with|in|before|to)\s+(?:understanding|reading|studying|doing|tackling)?\s*chapters?\s+({_NUMS})",
    re.I,
)
_BEFORE = re.compile(
    rf"\bchapter\s+(\d+)\s+(?:should|must)\s+(?:be\s+(?:read|done|studied)|come)\s+before\s+chapters?\s+({_NUMS})",
    re.I,
)
_LONGER = re.compile(
    r"\blonger\s+(?:version\s+of|alternative\s+to|replacement\s+for)\s+chapter\s+(\d+)", re.I
)
_QTY = r"(half\s+an?|a\s+half|an?|one|two|three|four|five|six|seven|eight|nine|ten|\d+(?:\.\d+)?)"
_UNIT = r"(days?|weeks?|months?)"
_EFFORT = re.compile(
    rf"(?:between\s+{_QTY}(?:\s+{_UNIT})?\s+(?:and|to)\s+{_QTY}\s+{_UNIT})|(?:\b(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s+{_UNIT})",
    re.I,
)
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.0}
_WORD_QTY = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


@dataclass
class Facts:
    importance: list[int] = field(default_factory=list)  # chapter numbers, most important first
    helps: dict[int, list[int]] = field(default_factory=dict)  # chapter -> the chapters it helps with
    effort_all: list[float] = field(default_factory=list)  # [low, high] days for every chapter
    effort: dict[int, list[float]] = field(default_factory=dict)  # chapter -> [low, high] days
    longer: dict[int, Link] = field(default_factory=dict)  # chapter -> a longer alternative to it


def numbers_in(text: str) -> list[int]:
    """Every whole number written in digits, in order ("1, 6, 2" -> [1, 6, 2])."""
    return [int(n) for n in re.findall(r"\d+", text)]


def _days(quantity: str, unit: str) -> float:
    """ "half a" "week" -> 3.5; "2" "days" -> 2.0."""
    text = re.sub(r"\s+", " ", quantity.lower().strip())
    amount = 0.5 if text.startswith("half") or text == "a half" else float(_WORD_QTY.get(text, text))
    return amount * _UNIT_DAYS[unit.lower().rstrip("s")]


def effort_in(sentence: str) -> list[float] | None:
    """[low, high] days of a range such as "between half a week and 2 weeks" or "3-5 days"."""
    m = _EFFORT.search(sentence)
    if not m:
        return None
    if m.group(1):
        low, high = _days(m.group(1), m.group(2) or m.group(4)), _days(m.group(3), m.group(4))
    else:
        low, high = _days(m.group(5), m.group(7)), _days(m.group(6), m.group(7))
    return [low, high] if low <= high else None


def facts_from(block_list: list[Block]) -> Facts:
    """The facts stated in these blocks; the first statement of an order of importance or of a
    general effort wins, later ones about one chapter add to or replace earlier ones."""
    facts = Facts()
    for block in block_list:
        for s, e in sentences(block):
            sentence = block.plain[s:e]
            m = _IMPORTANCE.search(sentence)
            if m and not facts.importance:
                facts.importance = numbers_in(m.group(1))
            for pattern in (_HELPS, _BEFORE):
                for h in pattern.finditer(sentence):
                    helped = facts.helps.setdefault(int(h.group(1)), [])
                    helped.extend(n for n in numbers_in(h.group(2)) if n not in helped)
            if re.search(r"\bchapters?\b", sentence, re.I):
                effort = effort_in(sentence)
                if effort:
                    named = re.match(r"\s*chapter\s+(\d+)\b", sentence, re.I)
                    if named:
                        facts.effort[int(named.group(1))] = effort
                    elif re.search(r"\b(?:each|every|per|a)\s+chapter\b|\bchapters\b", sentence, re.I):
                        facts.effort_all = facts.effort_all or effort
            longer = _LONGER.search(sentence)
            if longer:
                link = next((wl for wl in block.web_links if s <= wl.start < e), None)
                if link is not None:
                    title = clean_title(link.text) or url_title(link.url)
                    facts.longer[int(longer.group(1))] = Link(title=title, url=link.url)
    return facts

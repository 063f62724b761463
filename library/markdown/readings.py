"""Readings from the items of a reading section.

An item is "[Title](url) - what it is, and which part to read": its head link(s) are readings
of the section's role, the links in its prose are optional readings, and each sentence that
names a part ("Section 3 of the paper") sets the pointer of the link it belongs to.
"""

from __future__ import annotations

import bisect
import re

from library.catalogue import Role
from library.markdown.drafts import Draft, Known
from library.markdown.links import url_title
from library.markdown.parse import Block, MdLink, sentences
from library.markdown.pointer_targets import find_pointer
from library.markdown.titles import clean_title, names_nothing, nested_title


def reading_items(section_blocks: list[Block], role: Role, known: Known) -> list[Draft]:
    """Readings from the items of a reading section: the item's head link(s), then links in its prose."""
    return [draft for block in section_blocks for draft in _item_readings(block, role, known)]


def _item_readings(block: Block, role: Role, known: Known) -> list[Draft]:
    """One item's readings (none if it has no web link), with the pointers its prose gives them."""
    web = block.web_links
    if not web:
        return []
    sep = _head_end(block, web[0])
    head = [link for link in web if link.end <= sep] or [web[0]]
    prefix = clean_title(block.plain[: head[0].start]).rstrip(":-–— ")
    summary = re.sub(r"\s+", " ", block.plain[sep:].lstrip(" -–—:.,;")).strip()
    mains = [Draft.of_link(link, _head_title(link, prefix, len(head)), role, summary[:600]) for link in head]
    in_head = {id(link) for link in head}
    prose_links = [link for link in web if id(link) not in in_head]
    nested: list[Draft] = []
    seen_titles: dict[str, int] = {}  # how many nested readings got each title before numbering
    for link in prose_links:
        title = nested_title(link, mains[0].title, known)
        repeats = seen_titles.get(title, 0)
        seen_titles[title] = repeats + 1
        if repeats and title.endswith("(see also)"):
            title = f"{title[:-1]} {repeats + 1})"  # a second "[here]" of the same item
        nested.append(Draft.of_link(link, title, "optional"))
    # Pointers: each sentence of the item's prose names a part of the item's link or a nested one.
    by_link = {id(link): draft for link, draft in zip(head + prose_links, mains + nested, strict=False)}
    for s, e in sentences(block):
        if e <= sep:
            continue  # pointers are looked for in the description, not in the head
        found = find_pointer(block, max(s, sep), e)
        if found is None:
            if _MENTIONS_A_PART.search(block.plain[max(s, sep) : e]):
                mains[0].missed.append(block.plain[max(s, sep) : e].strip(" -–—:.,;"))
            continue
        target = None
        if found.link is not None:
            target = by_link.get(id(found.link))
        elif found.words:
            target = next((d for d in mains + nested if d.matches(found.words)), mains[0])
        else:  # "the paper", no name: the item's own link
            target = mains[0]
        if target is not None and target.pointer is None:
            target.pointer = found.pointer
    return mains + nested


# Words that name a part of a work: a sentence with one that gave no pointer is reported.
_MENTIONS_A_PART = re.compile(r"\b(?:sections?|chapters?|pages?|pp?\.|§)\s", re.I)


def _head_title(link: MdLink, prefix: str, heads: int) -> str:
    """Title of a head link: its text, after the item's leading words when the text alone is not a
    title ("Sutton and Barto, [chapter 3]"), or the URL's when the text names nothing."""
    text = clean_title(link.text)
    if prefix and (heads > 1 or text[:1].islower()):
        return f"{prefix} {text}"
    if names_nothing(text, link.url):
        return url_title(link.url)
    return text


def _head_end(block: Block, first: MdLink) -> int:
    """Where an item's head ("[Title](url)", ``first`` its first web link) ends and its description
    (" - ...") begins."""
    links = block.links  # in text order: each question below is a bisection, not a scan
    starts = [link.start for link in links]
    for m in re.finditer(r"\s[-–—]\s|:\s|[.,;]\s", block.plain):
        if m.start() < first.end:
            continue
        inside = bisect.bisect_right(starts, m.start()) - 1
        if inside >= 0 and links[inside].start <= m.start() < links[inside].end:
            continue
        if m.group(0)[0] in ".,;":
            after = bisect.bisect_left(starts, m.end())  # the nearest link after the separator
            if after < len(links) and not block.plain[m.end() : links[after].start].strip():
                continue  # "[A](a), [B](b) - ...": a list of head links, not the end of the head
        return m.start()
    return len(block.plain)

"""Links to people's solutions, from a solutions page, filed under the chapters each covers."""

from __future__ import annotations

import re

from library.catalogue import Link
from library.markdown.facts import numbers_in
from library.markdown.links import url_title
from library.markdown.parse import Block, MdLink, blocks
from library.markdown.titles import clean_title

_EXCEPT = re.compile(r"\bexcept\b|\bbut not\b|\bapart from\b", re.I)


def solutions_from(text: str, chapters: list[int]) -> dict[int, list[Link]]:
    """Links of a solutions page, by the chapters each says it covers ("Solutions to 1, 2, 5",
    "Chapter 7", "all other exercises", "except chapter 3, 4 and 5"; none said: all).

    An author's item may hold one link, or nest one item a link under their name; "all other"
    in a nested item means the chapters its siblings do not name.
    """
    items = [b for b in blocks(text.splitlines()) if b.kind == "item"]
    parents: list[Block] = []
    named_by_parent: dict[int, set[int]] = {}
    found: list[tuple[Block | None, MdLink, str, Block]] = []
    for block in items:
        while parents and parents[-1].indent >= block.indent:
            parents.pop()
        parent = parents[-1] if parents else None
        parents.append(block)
        for link in block.web_links:
            if parent is not None:
                author = clean_title(re.sub(r"https?://\S+", "", parent.plain)).rstrip(":")
            else:
                author = clean_title(block.plain[: link.start]).removesuffix("'s").removesuffix("’s").strip()
            found.append((parent, link, author, block))
            nums = [n for n in numbers_in(block.plain) if n in chapters]
            if parent is not None and nums and not re.search(r"\bexcept\b", block.plain, re.I):
                named_by_parent.setdefault(id(parent), set()).update(nums)
    out: dict[int, list[Link]] = {}
    for parent, link, author, block in found:
        own = block.plain
        nums = [n for n in numbers_in(re.sub(r"https?://\S+", "", own)) if n in chapters]
        if _EXCEPT.search(own):
            covered = [c for c in chapters if c not in nums]
        elif re.search(r"\ball\b", own, re.I) and re.search(r"\bother\b", own, re.I) and parent is not None:
            covered = [c for c in chapters if c not in named_by_parent.get(id(parent), set())]
        elif nums:
            covered = nums
        else:
            covered = list(chapters)
        text = clean_title(link.text) or url_title(link.url)
        title = f"{author}: {text}" if author and author.lower() != text.lower() else text
        for number in covered:
            out.setdefault(number, []).append(Link(title=title, url=link.url))
    return out

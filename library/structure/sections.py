"""Turning a document's heading blocks into :class:`Section` spans (PDF and HTML alike)."""

from __future__ import annotations

from dataclasses import dataclass

from library.structure.model import Block, Section


@dataclass
class Heading:
    """A heading found in the blocks: where it is and what it opens."""

    block: int
    number: str | None
    title: str
    level: int


def build_sections(blocks: list[Block], headings: list[Heading]) -> list[Section]:
    """One Section per heading, spanning up to the next heading of the same or a higher level."""
    headings = sorted(headings, key=lambda h: h.block)
    # Blocks run in page order, so the furthest page reached by blocks[:i+1] is where a span ending
    # at block i ends (a paragraph joined across a page break ends on its end_page).
    reach: list[int] = []
    furthest = 0
    for block in blocks:
        furthest = max(furthest, block.end_page or block.page)
        reach.append(furthest)
    sections: list[Section] = []
    for i, head in enumerate(headings):
        end = len(blocks)
        for later in headings[i + 1 :]:
            if later.level <= head.level:
                end = later.block
                break
        first = blocks[head.block]
        last = blocks[end - 1] if end > head.block else first
        sections.append(
            Section(
                number=head.number,
                title=head.title,
                level=head.level,
                start_page=first.page,
                end_page=reach[end - 1] if end > head.block else first.page,
                start_y=first.bbox[1] if first.bbox else None,
                end_y=last.bbox[3] if last.bbox else None,
                first_block=head.block,
                end_block=end,
            )
        )
    return sections

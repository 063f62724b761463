"""Made-up documents for anchor tests: two versions of one short text, as structures.

Their prose is our own (never the curriculum's or a paper's): five paragraphs over three pages,
and a second version with a changed word, a moved paragraph and one gone.
"""

from __future__ import annotations

from library.structure.model import Block, DocumentStructure, Section

# Made-up prose (never the curriculum's or a paper's): five paragraphs over three pages.
P_INTRO = "Readers forget most of what they read within a week unless they write something down about it."
P_METHOD = (
    "We describe a method in which every margin note keeps a short quotation of the passage it "
    "discusses, together with a few words on either side of that quotation."
)
P_REPEAT = "The quotation alone is not always unique."
P_RESULT = (
    "When a document is revised, the quotation is searched for again, first exactly and then "
    "approximately, so that small edits do not separate a note from its passage."
)
P_LIMITS = "A paragraph that disappears entirely leaves its notes without a home; they are kept as orphans."


def structure_of(
    paragraphs: list[tuple[int, str]], sections: list[Section] | None = None
) -> DocumentStructure:
    blocks = [
        Block(page=page, kind="paragraph", text=text, index=i) for i, (page, text) in enumerate(paragraphs)
    ]
    return DocumentStructure(
        kind="pdf", page_count=max(p for p, _ in paragraphs), sections=sections or [], blocks=blocks
    )


def version_one() -> DocumentStructure:
    sections = [
        Section(
            number="1", title="Introduction", level=1, start_page=1, end_page=1, first_block=0, end_block=2
        ),
        Section(number="2", title="Method", level=1, start_page=2, end_page=3, first_block=2, end_block=6),
        Section(
            number="2.1", title="Revisions", level=2, start_page=3, end_page=3, first_block=4, end_block=6
        ),
    ]
    return structure_of(
        [
            (1, P_INTRO),
            (1, P_REPEAT + " First occurrence here."),
            (2, P_METHOD),
            (2, "Second sentence block. " + P_REPEAT + " Second occurrence."),
            (3, P_RESULT),
            (3, P_LIMITS),
        ],
        sections,
    )


def version_two() -> DocumentStructure:
    """P_METHOD has a changed word, P_RESULT moved to page 1 ahead of everything, P_LIMITS is gone."""
    sections = [
        Section(
            number="1", title="Introduction", level=1, start_page=1, end_page=1, first_block=0, end_block=3
        ),
        Section(number="2", title="Method", level=1, start_page=2, end_page=2, first_block=3, end_block=5),
    ]
    changed_method = P_METHOD.replace("short quotation", "brief quotation")
    return structure_of(
        [
            (1, P_RESULT),
            (1, P_INTRO),
            (1, P_REPEAT + " First occurrence here."),
            (2, changed_method),
            (2, "Second sentence block. " + P_REPEAT + " Second occurrence."),
        ],
        sections,
    )

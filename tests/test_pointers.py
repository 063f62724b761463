"""Pointers: the short forms users write, and the phrases found in prose (markdown import)."""

from __future__ import annotations

import pytest

from library.pointers import Pointer, PointerSyntaxError, find_in_prose, parse, search_prose


@pytest.mark.parametrize(
    "text, kind, numbers, pages, title",
    [
        ("Section 3 of the paper that introduced it explains the design.", "sections", ("3",), None, None),
        ("Section 2 of this paper explains how they work.", "sections", ("2",), None, None),
        ("Use the approach described in the paper (section 3.1) to start.", "sections", ("3.1",), None, None),
        ("Pseudocode is in Section 9.3 of this paper.", "sections", ("9.3",), None, None),
        ("Sections 1-2 give the background.", "sections", ("1", "2"), None, None),
        ("Sections 2, 3, and 5 are enough.", "sections", ("2", "3", "5"), None, None),
        ("See § 4 for the proof.", "sections", ("4",), None, None),
        ("Appendix B.2 lists the hyperparameters.", "sections", ("B.2",), None, None),
        ("Chapter 3 covers one thing, and chapter 13 covers another.", "chapters", ("3", "13"), None, None),
        ("Read the first 49 pages of the report.", "pages", (), (1, 49), None),
        ("Read the first ten pages.", "pages", (), (1, 10), None),
        ("Only pages 10-20 matter here.", "pages", (), (10, 20), None),
        (
            'The first section of this post, entitled "Contrastive Objectives", covers it.',
            "named",
            (),
            None,
            "Contrastive Objectives",
        ),
    ],
)
def test_find_in_prose(text, kind, numbers, pages, title):
    pointer = find_in_prose(text)
    assert pointer is not None
    assert pointer.kind == kind
    assert pointer.numbers == numbers
    if pages:
        assert (pointer.first_page, pointer.last_page) == pages
    assert pointer.title == title


@pytest.mark.parametrize(
    "text",
    [
        "A blog post explaining the architecture more carefully.",
        "Each chapter has three sections: recommended, optional and an exercise.",
        "A particular section of a paper will be singled out.",
        "The sections of this post are short.",  # "sections of" must not read as a section "o"
        "(see footnote on page 7)",
        "",
    ],
)
def test_prose_without_a_pointer(text):
    assert find_in_prose(text) is None


def test_version_in_prose_is_kept():
    pointer = find_in_prose("Section 9.3 of https://arxiv.org/pdf/1811.02553v3.pdf has the pseudocode.")
    assert pointer == Pointer(kind="sections", numbers=("9.3",), version="v3")
    assert pointer.label == "Section 9.3 (of v3)"


def test_search_prose_reports_where_the_phrase_is():
    text = "Use the zero-shot approach described in the red teaming paper (section 3.1) to generate inputs."
    match = search_prose(text)
    assert match is not None
    assert text[match.start : match.end].lower() == "section 3.1"
    two = "Chapter 3 covers one thing, and chapter 13 covers another."
    span = search_prose(two)
    assert two[span.start : span.end] == "Chapter 3 covers one thing, and chapter 13"


@pytest.mark.parametrize(
    "pointer",
    [
        Pointer(kind="sections", numbers=("3",)),
        Pointer(kind="sections", numbers=("3.1", "3.2")),
        Pointer(kind="chapters", numbers=("3", "13")),
        Pointer(kind="pages", first_page=1, last_page=49),
        Pointer(kind="named", title="Contrastive Training Objectives"),
        Pointer(kind="sections", numbers=("A",)),
        Pointer(kind="sections", numbers=("9.3",), version="v3"),
    ],
)
def test_labels_parse_back(pointer):
    """The importer stores ``pointer.label`` as ``assigned``: it must parse to the same pointer."""
    assert parse(pointer.label) == pointer


def test_parse_short_forms():
    assert parse(None) == Pointer()
    assert parse("Section 3").numbers == ("3",)
    assert parse("first 49 pages") == Pointer(kind="pages", first_page=1, last_page=49)
    assert parse('"Named Part"') == Pointer(kind="named", title="Named Part")
    with pytest.raises(PointerSyntaxError):
        parse("pages 9-3")

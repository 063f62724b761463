"""Only real passages: what a paper has besides its argument is left out by its structure, and a
table is indexed as a table."""

from __future__ import annotations

import re

import pytest

from index import passages
from library.structure.model import Block, DocumentStructure, Section

PROSE = (
    "The model reads the whole sequence at once and builds each representation from the others, "
    "so that the cost of relating two positions does not grow with the distance between them. "
    "This is the property that the rest of the section examines in detail, with the data that "
    "supports it and the cases where it does not hold as well as one would hope."
)


def blocks_of(*specs) -> list[Block]:
    return [Block(page=1, index=i, **spec) for i, spec in enumerate(specs)]


def paper(*specs, sections: list[Section]) -> DocumentStructure:
    return DocumentStructure(kind="pdf", page_count=3, sections=sections, blocks=blocks_of(*specs))


def section(number, title, first, end, level=1) -> Section:
    return Section(
        number=number, title=title, level=level, start_page=1, end_page=3, first_block=first, end_block=end
    )


def texts(structure) -> str:
    return "\n".join(p.text for p in passages.split(structure))


def test_front_matter_keeps_an_unheaded_abstract_and_drops_title_authors_and_addresses():
    s = paper(
        {"kind": "paragraph", "text": "Attending Is What You Want"},
        {"kind": "paragraph", "text": "Ada Lovelace∗ Analytical Engines ada@engines.example"},
        {"kind": "paragraph", "text": "Charles Babbage, Mary Somerville, Augustus De Morgan"},
        {"kind": "paragraph", "text": "University of Somewhere, 1 Main Street"},
        {"kind": "paragraph", "text": PROSE},  # an abstract without a heading
        {"kind": "heading", "text": "1 Introduction", "section": "1"},
        {"kind": "paragraph", "text": PROSE},
        sections=[section("1", "Introduction", 5, 7)],
    )
    out = texts(s)
    assert out.count("The model reads") == 2
    for gone in ("Attending Is", "ada@", "Babbage", "University of Somewhere"):
        assert gone not in out


def test_acknowledgements_references_and_contents_are_left_out_by_their_sections():
    s = paper(
        {"kind": "heading", "text": "Contents"},
        {"kind": "paragraph", "text": "Introduction 1 Method 4 Results 9 Discussion 12"},
        {"kind": "heading", "text": "1 Method", "section": "1"},
        {"kind": "paragraph", "text": PROSE},
        {"kind": "heading", "text": "Acknowledgments"},
        {
            "kind": "paragraph",
            "text": "We thank the reviewers and our colleagues for many helpful discussions.",
        },
        {"kind": "heading", "text": "References"},
        {"kind": "paragraph", "text": "[1] A. Turing. Computing machinery and intelligence. Mind, 1950."},
        {"kind": "paragraph", "text": "APPENDIX: THE PROOFS"},  # a heading the extractor missed
        {"kind": "paragraph", "text": PROSE.replace("model", "proof")},
        sections=[
            section(None, "Contents", 0, 2),
            section("1", "Method", 2, 4),
            section(None, "Acknowledgments", 4, 6),
            section(None, "References", 6, 10),
        ],
    )
    out = texts(s)
    assert "The model reads" in out and "The proof reads" in out  # the appendix after them stays
    for gone in ("Discussion 12", "We thank", "Turing", "APPENDIX"):
        assert gone not in out


def test_shapes_without_headings_are_left_out_too():
    s = paper(
        {"kind": "heading", "text": "1 Introduction", "section": "1"},
        *[{"kind": "paragraph", "text": PROSE}] * 5,  # the document's common words are its prose's
        {"kind": "paragraph", "text": "1 Introduction . . . . . . . . . . 1\n2 Results . . . . . . . . . 7"},
        {"kind": "paragraph", "text": "Acknowledgements. We are grateful to the funding agency for support."},
        {
            "kind": "paragraph",
            "text": "Kingma, D. P. and Ba, J. Adam: a method for stochastic optimization. 2014.",
        },
        {"kind": "paragraph", "text": "[KB14] Diederik P. Kingma and Jimmy Ba. Adam. ICLR, 2015."},
        # A flattened table of numbers and a legend: no prose in them.
        {
            "kind": "paragraph",
            "text": "83.28 53.84 92.68 92.07 88.92 88.02 87.94 88.67 91.56 84.24 84.57 90.48",
        },
        {"kind": "paragraph", "text": "rate 0.1 (global) rate 0.1 (layerwise) rate 0.01 (global) warmup 20K"},
        sections=[section("1", "Introduction", 0, 12)],
    )
    out = texts(s)
    assert out.startswith("The model reads")
    for gone in ("Results . .", "grateful", "Kingma", "83.28", "layerwise"):
        assert gone not in out


def test_a_table_is_a_passage_of_its_own_with_its_caption():
    rows = [["Hyperparameter", "Value"], ["Horizon (T)", "2048"], ["Adam stepsize", "3e-4"]]
    table = "| Hyperparameter | Value |\n| --- | --- |\n| Horizon (T) | 2048 |\n| Adam stepsize | 3e-4 |"
    s = paper(
        {"kind": "heading", "text": "A Hyperparameters", "section": "A"},
        {"kind": "paragraph", "text": PROSE},
        {"kind": "caption", "text": "Table 3: PPO hyperparameters used for the Mujoco benchmark."},
        {"kind": "table", "text": table, "rows": rows},
        {"kind": "equation", "text": "L^{CLIP} = E_{t}[\\min(r_{t} A_{t}, clip(r_{t}, 1 - ε, 1 + ε) A_{t})]"},
        {"kind": "paragraph", "text": PROSE},
        sections=[section("A", "Hyperparameters", 0, 6)],
    )
    cut = passages.split(s)
    kinds = [p.kind for p in cut]
    assert kinds.count("table") == 1
    t = next(p for p in cut if p.kind == "table")
    assert t.text.startswith("Table 3: PPO hyperparameters") and "| Adam stepsize | 3e-4 |" in t.text
    assert (t.section, t.block_start, t.block_end) == ("A", 2, 4)
    prose = [p for p in cut if p.kind == "text"]
    assert any("L^{CLIP}" in p.text for p in prose)  # an equation stays with the argument around it
    assert not any("| Horizon" in p.text for p in prose)


def test_a_long_table_is_cut_by_rows_with_its_header_repeated():
    rows = [["Task", "Score"]] + [[f"task {i}", f"{i}.5"] for i in range(300)]
    table = "\n".join(["| Task | Score |", "| --- | --- |"] + [f"| task {i} | {i}.5 |" for i in range(300)])
    s = paper({"kind": "table", "text": table, "rows": rows}, sections=[section("1", "Results", 0, 1)])
    cut = passages.split(s)
    assert len(cut) > 1 and all(p.kind == "table" and p.text.startswith("| Task | Score |") for p in cut)
    assert all(p.words <= passages.MAX_WORDS + 20 for p in cut)
    assert sum(p.text.count("| task ") for p in cut) == 300


@pytest.mark.corpus
def test_corpus_papers_index_no_front_matter_thanks_contents_or_references(corpus):
    from library.structure.resolve import load

    email = re.compile(r"\S+@\S+\.\w+")
    for pdf in sorted((corpus / "arxiv").glob("*.pdf")):
        cut = passages.split(load(pdf))
        assert len(cut) > 10, pdf.name
        for p in cut:
            where = f"{pdf.stem} §{p.section} {p.section_title}: {p.text[:80]!r}"
            assert not email.search(p.text) or p.section is not None, where  # no author block
            assert not re.match(r"acknowledge?ments?|references|contents", p.section_title or "", re.I), where
            assert not re.search(r"\bwe (thank|are grateful|gratefully)", p.text, re.I), where
            assert len(passages.DOT_LEADERS.findall(p.text)) == 0, where

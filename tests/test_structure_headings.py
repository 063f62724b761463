"""Section headings on papers no one tuned on (issue 15): one test per mechanism on a small PDF
made here with PyMuPDF, then the four papers of ../shared/corpus/unseen against their labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from library.structure.pdf import pdf_structure
from library.structure.resolve import resolve
from library.structure.text import norm_title

# Body text: long rows of words at 10 pt, so the body size and the text column are clear.
BODY = [
    "The method reads every page of the paper and keeps the text in the order a person reads it,",
    "so that a section of the paper can be shown from its heading to the heading after it, with",
    "nothing from a figure or a running header in between, and the problem of finding where one",
    "section ends and the next one begins is solved for papers set in many different templates.",
]


def body(page, y: float, paragraphs: int = 2, size: float = 10, x: float = 60) -> float:
    """Some paragraphs of body text from ``y`` down; the ``y`` below them."""
    for _ in range(paragraphs):
        page.insert_text((x, y), "\n".join(BODY), fontsize=size, fontname="helv")
        y += len(BODY) * size * 1.2 + 8
    return y


def heading(page, y: float, text: str, size: float = 12) -> float:
    page.insert_text((60, y), text, fontsize=size, fontname="hebo")
    return y + size * 2


def new_doc():
    import pymupdf

    return pymupdf.open()


def new_page(doc):
    return doc.new_page(width=612, height=792)


def save(doc, path: Path, toc: list | None = None) -> Path:
    if toc:
        doc.set_toc(toc)
    doc.save(path)
    doc.close()
    return path


def tops(structure) -> list[tuple[str | None, str, int]]:
    return [(s.number, s.title, s.start_page) for s in structure.top_level()]


# --- 1. a heading made mostly of maths ---------------------------------------------------------


def make_maths_heading(path: Path, *, outline: bool) -> Path:
    doc = new_doc()
    page = new_page(doc)
    body(page, heading(page, 80, "1 Introduction"), 3)
    page = new_page(doc)
    y = body(page, heading(page, 80, "2 Setup"), 2)
    # "3 FINDING" in bold, then "PD(Y|X)" in a maths font (renamed below): 47 % maths characters.
    page.insert_text((60, y + 10), "3 FINDING ", fontsize=12, fontname="hebo")
    page.insert_text((140, y + 10), "PD(Y|X)", fontsize=12, fontname="tiro")
    body(page, y + 34, 2)
    page = new_page(doc)
    body(page, heading(page, 80, "4 Results"), 3)
    for xref, _ext, _type, base, *_ in doc[1].get_fonts():
        if base == "Times-Roman":
            doc.xref_set_key(xref, "BaseFont", "/CMMI10")  # the name TeX's maths italic goes by
    toc = [[1, "1 Introduction", 1], [1, "2 Setup", 2], [1, "3 Finding PD(|X)", 2], [1, "4 Results", 3]]
    return save(doc, path, toc if outline else None)


@pytest.mark.parametrize("outline", [False, True])
def test_heading_mostly_maths_is_a_section(tmp_path, outline):
    structure = pdf_structure(make_maths_heading(tmp_path / "p.pdf", outline=outline))
    got = tops(structure)
    assert [n for n, _, _ in got] == ["1", "2", "3", "4"]  # found, and once
    _number, title, page = got[2]
    assert page == 2 and title.startswith("Finding")


# --- 2. outline entries and labels inside figures -----------------------------------------------


def make_figure_labels(path: Path) -> Path:
    doc = new_doc()
    page = new_page(doc)
    body(page, heading(page, 80, "1 Introduction"), 3)
    page = new_page(doc)
    # A diagram at the top of the page: boxes holding small labels that name the sections.
    page.draw_rect((70, 60, 180, 110), color=(0, 0, 0))
    page.insert_text((80, 78), "Training-Based\nApproaches", fontsize=7, fontname="helv")
    page.draw_rect((200, 60, 330, 110), color=(0, 0, 0))
    page.insert_text((210, 78), "Related Methods", fontsize=7, fontname="helv")
    page.insert_text((60, 130), "Fig. 1: The approaches this survey covers.", fontsize=9, fontname="helv")
    y = body(page, heading(page, 170, "2 Training-Based Approaches"), 2)
    # An unstyled heading, as weak a match for its outline entry as the label in the diagram.
    page.insert_text((60, y + 10), "Related Methods", fontsize=10, fontname="helv")
    body(page, y + 30, 1)
    page = new_page(doc)
    body(page, heading(page, 80, "3 Conclusion"), 2)
    toc = [
        [1, "Introduction", 1],
        [1, "Training-Based Approaches", 2],
        [2, "Related Methods", 2],
        [1, "Conclusion", 3],
    ]
    return save(doc, path, toc)


def test_outline_entries_are_matched_in_the_body_not_in_figures(tmp_path):
    structure = pdf_structure(make_figure_labels(tmp_path / "p.pdf"))
    assert structure.source == "outline"
    assert tops(structure) == [
        ("1", "Introduction", 1),
        ("2", "Training-Based Approaches", 2),
        ("3", "Conclusion", 3),
    ]
    titles = [norm_title(s.title) for s in structure.sections]
    assert len(titles) == len(set(titles))  # no section twice
    related = next(s for s in structure.sections if s.title == "Related Methods")
    assert related.level == 2 and related.start_y is not None and related.start_y > 110  # below the diagram
    # The diagram's labels are not paragraphs of section 2.
    texts = [b.text for b in resolve(structure, "Section 2").blocks]
    assert not any(t in ("Training-Based Approaches", "Approaches", "Related Methods") for t in texts[1:-2])
    assert not any(b.kind == "paragraph" and "Training-Based" in b.text for b in structure.blocks)


# --- 3. numbered run-in list items and algorithm lines ------------------------------------------


def make_run_in_and_algorithm(path: Path) -> Path:
    import pymupdf

    bold, regular = pymupdf.Font("hebo"), pymupdf.Font("helv")
    doc = new_doc()
    page = new_page(doc)
    y = body(page, heading(page, 80, "1. Introduction", 13), 1)
    writer = pymupdf.TextWriter(page.rect)
    for n, lead in enumerate(["Framework (Section 3).", "Optimization Challenge (Section 4)."], start=1):
        # A list item whose bold lead-in runs on into regular words on the same line.
        writer.append((60, y), f"{n}. {lead}", font=bold, fontsize=10)
        writer.append(writer.last_point, " In the", font=regular, fontsize=10)
        writer.append(
            (60, y + 12), "second part we study how the workers and the server behave.", font=regular
        )
        y += 40
    writer.write_text(page)
    page = new_page(doc)
    y = body(page, heading(page, 80, "2. Background", 13), 2)
    # An algorithm whose numbered lines are set larger than the body text (a monospaced font).
    for n, line in enumerate(
        ["for t = 1 to T do", "Compute the gradient", "Wcompleted = []", "Send the update"], 1
    ):
        page.insert_text((70, y + 13 * n), f"{n}: {line}", fontsize=12, fontname="cour")
    body(page, y + 80, 1)
    page = new_page(doc)
    y = body(page, heading(page, 80, "3. Framework", 13), 2)
    body(page, heading(page, y + 10, "4. Optimization Challenge", 13), 2)
    return save(doc, path)


def test_run_in_list_items_and_algorithm_lines_are_not_sections(tmp_path):
    structure = pdf_structure(make_run_in_and_algorithm(tmp_path / "p.pdf"), use_outline=False)
    assert tops(structure) == [
        ("1", "Introduction", 1),
        ("2", "Background", 2),
        ("3", "Framework", 3),
        ("4", "Optimization Challenge", 3),
    ]


# --- 4. body size from the text column, not from every glyph --------------------------------------


def make_heatmap_paper(path: Path) -> Path:
    doc = new_doc()
    page = new_page(doc)
    body(page, heading(page, 80, "1 Introduction"), 2)
    page = new_page(doc)
    body(page, heading(page, 80, "2 Method"), 2)
    for _ in range(3):  # heatmaps: far more tiny digits than the paper has body characters
        page = new_page(doc)
        for row in range(60):
            page.insert_text((60, 60 + 11 * row), " ".join(["0.51"] * 40), fontsize=3.5, fontname="helv")
    page = new_page(doc)
    y = heading(page, 80, "References")
    page.insert_text(
        (60, y), "A. Author and B. Writer. A paper on the topic. In Proceedings, 2020.", fontsize=9
    )
    page = new_page(doc)
    body(page, heading(page, 80, "A Details of the Method"), 2)
    return save(doc, path)


def test_body_size_comes_from_the_text_column(tmp_path):
    import pymupdf

    from library.structure.layout import doc_stats, read_pages

    path = make_heatmap_paper(tmp_path / "p.pdf")
    with pymupdf.open(path) as doc:
        assert doc_stats(read_pages(doc)).body_size == 10
    got = tops(pdf_structure(path))
    assert ("A", "Details of the Method", 7) in got
    assert not any(n == "A" and p != 7 for n, _, p in got)  # the reference line is no appendix


# --- 5. a landscape page set sideways ------------------------------------------------------------


TABLE = ["Task   Metric   Before   After"] + [f"Task {k}   accuracy   0.{k}1   0.{k}9" for k in range(1, 9)]


def make_sideways_page(path: Path) -> Path:
    doc = new_doc()
    page = new_page(doc)
    y = body(page, heading(page, 80, "1 Introduction"), 2)
    body(page, heading(page, y + 10, "2 Method"), 1)
    page = new_page(doc)
    body(page, heading(page, 80, "A Setup of the Experiments"), 3)
    page = new_page(doc)  # a wide table, turned a quarter: its lines run up the sheet
    page.insert_text((90, 700), "B Evaluation on All Tasks", fontsize=12, fontname="hebo", rotate=90)
    for k, line in enumerate(TABLE + BODY):
        page.insert_text((120 + 14 * k, 700), line, fontsize=10, fontname="helv", rotate=90)
    page.insert_text((300, 770), "3", fontsize=9)  # the page number, upright
    page = new_page(doc)
    body(page, heading(page, 80, "C Further Results"), 2)
    return save(doc, path)


def test_a_sideways_page_is_read(tmp_path):
    structure = pdf_structure(make_sideways_page(tmp_path / "p.pdf"))
    assert ("B", "Evaluation on All Tasks", 3) in tops(structure)
    section = resolve(structure, "Appendix B")
    assert (section.start_page, section.end_page) == (3, 3)
    text = section.text
    assert "Task 3 accuracy" in text and "the problem of finding" in text
    # Regions are on the sheet, where a renderer and a viewer look for them.
    for block in section.blocks:
        x0, y0, x1, y1 = block.bbox
        assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 792


# --- 6. titles cut or split ----------------------------------------------------------------------


def make_long_titles(path: Path) -> Path:
    doc = new_doc()
    page = new_page(doc)
    body(page, heading(page, 80, "1 Introduction"), 3)
    page = new_page(doc)
    y = body(page, heading(page, 80, "2 THE CLASSIFICATION PR-\nOBLEM"), 2)
    y = body(page, heading(page, y + 10, "3 GUIDANCE VIA SELF-\nSUPERVISION"), 1)
    y = heading(page, y + 10, "3.1 Dialogue Summarization vs.\nNews Summarization", 11)
    body(page, y + 14, 1)
    page = new_page(doc)
    body(page, heading(page, 80, "4 A Minimal Toy Example"), 2)
    toc = [[1, "Introduction", 1], [1, "2 The Classification Pr-oblem", 2], [1, "A Minimal Toy Example", 3]]
    return save(doc, path, toc)


@pytest.mark.parametrize("outline", [False, True])
def test_titles_broken_over_lines_are_whole(tmp_path, outline):
    structure = pdf_structure(make_long_titles(tmp_path / "p.pdf"), use_outline=outline)
    titles = {s.number: s.title for s in structure.sections}
    if not outline:  # the outline's own spelling wins where it has the entry
        assert titles["2"] == "The Classification Problem"  # "problem" is a word of the paper
    assert titles["3"] == "Guidance via Self-Supervision"  # "selfsupervision" is not
    assert titles["3.1"] == "Dialogue Summarization vs. News Summarization"
    assert titles["4"] == "A Minimal Toy Example"  # its "A" is an article, not an appendix letter
    assert [s.number for s in structure.top_level()] == ["1", "2", "3", "4"]


def test_prose_paragraphs_of_a_corpus_paper_are_not_equations(corpus):
    # ZeRO and PPO are set in Computer Modern, whose CMR10 also sets maths: their paragraphs used
    # to come out as "equations" (46 and 17 of them).
    structure = pdf_structure(corpus / "arxiv" / "1910.02054.pdf")
    kinds = {b.text: b.kind for b in structure.blocks}
    assert kinds["ZeRO powered DP is based on three key insights:"] == "paragraph"
    assert sum(b.kind == "equation" for b in structure.blocks) < 5
    structure = pdf_structure(corpus / "arxiv" / "1707.06347.pdf")
    equations = [b.text for b in structure.blocks if b.kind == "equation"]
    assert not any(
        t.startswith(("We propose a new family", "Policy gradient methods work")) for t in equations
    )
    assert any("clip(" in t for t in equations)  # the real ones stay


# --- the four papers of ../shared/corpus/unseen ---------------------------------------------------

UNSEEN = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "unseen"
OPTIONAL = {"abstract", "references", "acknowledgments", "acknowledgements", "acknowledgment"}
OPTIONAL |= {"acknowledgement", "appendices", "appendix", "contributions", "author contributions"}
OPTIONAL |= {"supplementary material", "supplementary materials"}


def _unseen() -> dict[str, dict]:
    labels = UNSEEN / "labels.json"
    return json.loads(labels.read_text()) if labels.exists() else {}


def _same_title(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    x, y = norm_title(a), norm_title(b)
    return x == y or fuzz.ratio(x, y) >= 90


@pytest.mark.parametrize("use_outline", [True, False], ids=["outline", "text"])
@pytest.mark.parametrize("name", sorted(_unseen()) or ["unseen-absent"])
def test_unseen_papers_top_level_sections(corpus, name, use_outline):
    label = _unseen()[name]
    structure = pdf_structure(corpus / "unseen" / name, use_outline=use_outline)
    got = [s for s in structure.top_level() if norm_title(s.title) not in OPTIONAL]
    want = [w for w in label["sections"] if norm_title(w["title"]) not in OPTIONAL]
    assert [(s.number, s.start_page) for s in got] == [(w["number"], w["page"]) for w in want]
    for s, w in zip(got, want, strict=True):
        assert _same_title(s.title, w["title"]), (s.title, w["title"])


@pytest.mark.parametrize("use_outline", [True, False], ids=["outline", "text"])
def test_unseen_survey_section_ends_at_the_next_heading(corpus, use_outline):
    # 2402.17525: outline entries named like labels in the taxonomy figures once cut "Section 5.3"
    # short and listed "Training-Based Approaches" twice.
    structure = pdf_structure(corpus / "unseen" / "2402.17525v1.pdf", use_outline=use_outline)
    assert [norm_title(s.title) for s in structure.top_level()].count("training based approaches") == 1
    section = resolve(structure, "Section 5.3")
    assert (section.start_page, section.end_page) == (10, 11)
    headings = [b.text for b in section.blocks if b.kind == "heading"]
    assert headings == ["5.3 Guidance with a Hypernetwork"]
    assert "Latent Variable Optimization" not in section.text  # 5.4's heading, or Fig. 6's label
    assert section.blocks[-1].kind in ("paragraph", "caption")


def test_unseen_landscape_appendix_and_body_size(corpus):
    structure = pdf_structure(corpus / "unseen" / "2005.00561v2.pdf")
    appendix_c = resolve(structure, "Appendix C")
    assert (appendix_c.start_page, appendix_c.end_page) == (19, 19)
    assert "CoLA" in appendix_c.text and "MNLI" in appendix_c.text

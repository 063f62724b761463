"""PDF structure: sections with and without an outline, clean text in reading order, rendering."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from library.structure.pdf import pdf_structure
from library.structure.render import render_region_png
from library.structure.resolve import resolve
from library.structure.text import norm_title

# --- a synthetic two-column paper: every cleaning rule checked on text we control ---------------

LEFT = [
    "The first column opens the paper and its text runs on for a",
    "while, so that a word at the end of this line is hyphen-",
    "ated and must be joined again when the lines are read.",
]
RIGHT = [
    "The second column comes after the first one in reading",
    "order, even though its lines sit at the same height as the",
    "lines on the left side of the page.",
]


def make_paper(path: Path, *, outline: bool = False) -> Path:
    import pymupdf

    doc = pymupdf.open()
    for number in (1, 2, 3):
        page = doc.new_page(width=612, height=792)
        page.insert_text((200, 40), "Journal of Synthetic Tests, Volume 1", fontsize=8)  # running header
        page.insert_text((300, 760), str(number), fontsize=9)  # page number
        page.insert_text(
            (20, 500), "arXiv:0000.00000v1 [cs.LG] 1 Jan 2020", fontsize=14, rotate=90
        )  # side stamp
        y = 90
        if number == 1:
            page.insert_text((60, y), "1 Introduction", fontsize=12, fontname="hebo")
        elif number == 2:
            page.insert_text((60, y), "2 Method", fontsize=12, fontname="hebo")
        else:
            page.insert_text((60, y), "2.1 Details of the Method", fontsize=11, fontname="hebo")
        y += 30
        for _ in range(6):
            for k, line in enumerate(LEFT):
                page.insert_text((60, y + k * 12), line, fontsize=9)
            for k, line in enumerate(RIGHT):
                page.insert_text((320, y + k * 12), line, fontsize=9)
            y += 60
        if number == 3:
            page.insert_text((60, y + 20), "References", fontsize=12, fontname="hebo")
            page.insert_text((60, y + 40), "A. Author. A paper that was cited. 2020.", fontsize=9)
    if outline:
        doc.set_toc([[1, "1 Introduction", 1], [1, "2 Method", 2]])
    doc.save(path)
    doc.close()
    return path


@pytest.mark.parametrize("outline", [False, True])
def test_synthetic_sections(tmp_path, outline):
    structure = pdf_structure(make_paper(tmp_path / "p.pdf", outline=outline))
    assert structure.source == ("outline" if outline else "heuristic")
    labels = [(s.number, s.title, s.level, s.start_page) for s in structure.sections]
    assert labels == [
        ("1", "Introduction", 1, 1),
        ("2", "Method", 1, 2),
        ("2.1", "Details of the Method", 2, 3),
        (None, "References", 1, 3),
    ]
    method = structure.sections[1]
    assert method.end_page == 3  # subsection 2.1 belongs to section 2


def test_synthetic_clean_text(tmp_path):
    structure = pdf_structure(make_paper(tmp_path / "p.pdf"))
    text = "\n".join(b.text for b in structure.blocks)
    assert "Journal of Synthetic Tests" not in text  # running header
    assert "arXiv:" not in text  # rotated side stamp
    assert not any(re.fullmatch(r"\d+", b.text) for b in structure.blocks)  # page numbers
    assert "hyphenated" in text and "hyphen- ated" not in text
    # Column by column: every left-column paragraph of a band comes before the right one.
    first_page = [b.text for b in structure.blocks if b.page == 1 and b.kind == "paragraph"]
    assert first_page[0].startswith("The first column")
    lefts = [i for i, t in enumerate(first_page) if t.startswith("The first column")]
    rights = [i for i, t in enumerate(first_page) if t.startswith("The second column")]
    assert lefts and rights and max(lefts) < min(rights)


def test_render_region(tmp_path):
    path = make_paper(tmp_path / "p.pdf")
    structure = pdf_structure(path)
    block = structure.blocks[0]
    png = render_region_png(path, block.page, block.bbox)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    import pymupdf

    pix = pymupdf.Pixmap(png)
    width = (block.bbox[2] - block.bbox[0] + 8) * 2
    assert abs(pix.width - width) <= 2
    whole = render_region_png(path, 1, None, zoom=1.0)
    assert pymupdf.Pixmap(whole).width == 612


def test_render_rejects_bad_page(tmp_path):
    from library.errors import UsageError

    with pytest.raises(UsageError, match="outside"):
        render_region_png(make_paper(tmp_path / "p.pdf"), 9, None)


CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

# --- the shared corpus ----------------------------------------------------------------------------


def _labels(corpus: Path) -> list[dict]:
    docs = json.loads((corpus / "labels" / "sections.json").read_text())["documents"]
    extra = Path(__file__).parent / "benchmarks" / "extra_labels.json"
    docs += [d for d in json.loads(extra.read_text())["documents"] if d["file"].endswith(".pdf")]
    return docs


def _label_ids() -> list[str]:
    if not CORPUS.exists():
        return ["corpus-absent"]
    return [d["file"] for d in _labels(CORPUS)]


@pytest.mark.parametrize("use_outline", [True, False], ids=["outline", "heuristic"])
@pytest.mark.parametrize("file", _label_ids())
def test_labelled_top_level_sections(corpus, file, use_outline):
    label = next(d for d in _labels(corpus) if d["file"] == file)
    structure = pdf_structure(corpus / file, use_outline=use_outline)
    optional = {norm_title(o) for o in label["optional"]} | {"acknowledgement", "supplementary materials"}
    got = [
        (s.number, norm_title(s.title), s.start_page)
        for s in structure.top_level()
        if norm_title(s.title) not in optional
    ]
    want = [
        (w["number"], norm_title(w["title"]), w["page"])
        for w in label["sections"]
        if norm_title(w["title"]) not in optional
    ]
    assert got == want


def test_attention_section_3(corpus):
    structure = pdf_structure(corpus / "arxiv" / "1706.03762.pdf")
    content = resolve(structure, "Section 3")
    headings = [b.text for b in content.blocks if b.kind == "heading"]
    assert headings[0] == "3 Model Architecture"
    assert headings[-1] == "3.5 Positional Encoding"
    assert "3.2.2 Multi-Head Attention" in headings
    assert all("Why Self-Attention" not in b.text for b in content.blocks)
    assert (content.start_page, content.end_page) == (2, 6)


@pytest.mark.parametrize("name", ["1707.06347", "1412.6980"])
def test_papers_without_outline(corpus, name):
    import pymupdf

    path = corpus / "arxiv" / f"{name}.pdf"
    with pymupdf.open(path) as doc:
        assert doc.get_toc() == []
    structure = pdf_structure(path)
    assert structure.source == "heuristic"
    numbers = [s.number for s in structure.top_level() if s.number]
    assert numbers[:5] == ["1", "2", "3", "4", "5"]


def test_corpus_text_is_clean(corpus):
    structure = pdf_structure(corpus / "arxiv" / "1706.03762.pdf")
    text = "\n".join(b.text for b in structure.blocks)
    assert "arXiv:1706.03762" not in text
    assert not re.search("[\ufb00-\ufb06]", text)  # ligatures expanded
    assert "  " not in text
    captions = [b.text for b in structure.blocks if b.kind == "caption"]
    assert any(c.startswith("Figure 1:") for c in captions)
    assert any(c.startswith("Table 1:") for c in captions)


def test_two_column_paragraphs_join_across_breaks(corpus):
    structure = pdf_structure(corpus / "arxiv" / "2202.03286.pdf")
    paragraphs = [b for b in structure.blocks if b.kind == "paragraph"]
    # A paragraph never starts in the middle of a sentence (lower case) when its start was found.
    dangling = [b.text[:40] for b in paragraphs if b.text[:1].islower()]
    assert len(dangling) < 0.05 * len(paragraphs)


def test_successive_lines_with_tall_glyphs_stay_separate_lines(corpus):
    # Line 2 of this paragraph holds a square root that reaches up into line 1: the two must not
    # be read as one row (which glued "the" and "query" into "thequery").
    from library.structure.pdf import pdf_structure

    structure = pdf_structure(corpus / "arxiv" / "1706.03762.pdf")
    text = next(b.text for b in structure.blocks if "dot products of the" in b.text)
    assert "dot products of the query with all keys" in text

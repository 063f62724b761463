"""Resolving pointers onto structures, the structure cache, and the ``extract`` / ``read`` commands."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from library.errors import UsageError
from library.structure.model import Block, DocumentStructure
from library.structure.resolve import load, resolve
from library.structure.sections import Heading, build_sections

OUTLINE = [
    # (page, number, title, level)
    (1, "1", "Introduction", 1),
    (2, "2", "Background", 1),
    (2, "2.1", "Prior Work", 2),
    (3, "3", "Model", 1),
    (3, "3.1", "Encoder", 2),
    (4, "3.1.1", "Layers", 3),
    (5, "3.2", "Decoder", 2),
    (6, "4", "Experiments", 1),
    (8, None, "References", 1),
    (9, "A", "Proofs", 1),
    (10, "A.1", "Lemma", 2),
    (11, "B", "More Results", 1),
]


def paper() -> DocumentStructure:
    blocks: list[Block] = []
    heads: list[Heading] = []
    for page, number, title, level in OUTLINE:
        heads.append(Heading(len(blocks), number, title, level))
        blocks.append(
            Block(page=page, kind="heading", text=f"{number or ''} {title}".strip(), index=len(blocks))
        )
        blocks.append(Block(page=page, kind="paragraph", text=f"Body of {title}.", index=len(blocks)))
    blocks.append(Block(page=12, kind="paragraph", text="Last words of B.", index=len(blocks)))
    return DocumentStructure(
        kind="pdf", page_count=12, sections=build_sections(blocks, heads), blocks=blocks, title="A Paper"
    )


def headings(content) -> list[str]:
    return [b.text for b in content.blocks if b.kind == "heading"]


def test_section_includes_its_subsections():
    content = resolve(paper(), "Section 3")
    assert headings(content) == ["3 Model", "3.1 Encoder", "3.1.1 Layers", "3.2 Decoder"]
    assert (content.number, content.title, content.start_page, content.end_page) == ("3", "Model", 3, 5)


def test_subsection_and_ranges():
    doc = paper()
    assert headings(resolve(doc, "Section 3.1")) == ["3.1 Encoder", "3.1.1 Layers"]
    both = resolve(doc, "Sections 1-2")
    assert headings(both) == ["1 Introduction", "2 Background", "2.1 Prior Work"]
    assert (both.start_page, both.end_page) == (1, 2)
    assert headings(resolve(doc, "Appendix A")) == ["A Proofs", "A.1 Lemma"]
    last = resolve(doc, "Appendix B")
    assert last.end_page == 12 and last.blocks[-1].text == "Last words of B."
    # The last numbered section stops at the unnumbered References heading.
    assert headings(resolve(doc, "4")) == ["4 Experiments"]


def test_chapters_pages_named_and_whole():
    doc = paper()
    assert headings(resolve(doc, "Chapters 1 and 4")) == ["1 Introduction", "4 Experiments"]
    pages = resolve(doc, "the first 2 pages")
    assert {b.page for b in pages.blocks} == {1, 2}
    assert (pages.start_page, pages.end_page) == (1, 2)
    assert headings(resolve(doc, '"model"')) == headings(resolve(doc, "Section 3"))
    assert resolve(doc, '"Experimnets"').title == "Experiments"  # fuzzy
    assert resolve(doc, '"references"').title == "References"
    assert len(resolve(doc, None).blocks) == len(doc.blocks)
    assert len(resolve(doc, "whole").blocks) == len(doc.blocks)


@pytest.mark.parametrize(
    "pointer,words",
    [
        ("Section 12", "no section 12"),
        ("Appendix F", "no appendix F"),
        ('"Quantum Gravity"', "no section named"),
        ("Chapter 9", "no chapter 9"),
    ],
)
def test_unresolvable_pointer_lists_sections(pointer, words):
    with pytest.raises(UsageError) as info:
        resolve(paper(), pointer)
    message = str(info.value)
    assert words in message
    assert (
        "sections: 1 Introduction, 2 Background, 3 Model, 4 Experiments, References, A Proofs, B More Results"
        in message
    )


def test_pages_beyond_the_end():
    with pytest.raises(UsageError, match="has 12 pages"):
        resolve(paper(), "pages 20-30")


# --- a book, found through its outline -----------------------------------------------------------


def make_book(path: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    toc = []
    for chapter in range(1, 15):
        page = doc.new_page()
        page.insert_text((72, 100), f"Chapter {chapter}", fontsize=20, fontname="hebo")
        page.insert_text((72, 130), f"Topic Number {chapter}", fontsize=20, fontname="hebo")
        for k in range(20):
            page.insert_text(
                (72, 170 + 14 * k),
                f"Body text of chapter {chapter}, line {k}, plain and long enough.",
                fontsize=10,
            )
        toc.append([1, f"Topic Number {chapter}", chapter])
    doc.set_toc(toc)
    doc.save(path)
    doc.close()
    return path


def test_book_chapters(tmp_path):
    structure = load(make_book(tmp_path / "book.pdf"))
    content = resolve(structure, "Chapters 3 and 13")
    pages = sorted({b.page for b in content.blocks})
    assert pages == [3, 13]
    assert any("chapter 3, line 19" in b.text for b in content.blocks)
    assert not any("chapter 4," in b.text for b in content.blocks)


# --- the cache -----------------------------------------------------------------------------------


def test_cache_is_used_and_rebuilt(tmp_path, syllabus_home):
    from library.paths import index_dir

    book = make_book(tmp_path / "book.pdf")
    first = load(book)
    files = list((index_dir() / "structure").glob("*.msgpack"))
    assert len(files) == 1
    assert files[0].name.startswith(hashlib.sha256(book.read_bytes()).hexdigest())
    assert load(book) == first
    files[0].write_bytes(b"not msgpack at all")
    assert load(book) == first  # a damaged cache is rebuilt
    assert load(book, use_cache=False) == first


# --- the pointers of the labels file, through the library ----------------------------------------


def _pointer_cases():
    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    if not corpus.exists():
        return [pytest.param(None, None, id="corpus-absent")]
    docs = json.loads((corpus / "labels" / "sections.json").read_text())["documents"]
    docs += json.loads((Path(__file__).parent / "benchmarks" / "extra_labels.json").read_text())["documents"]
    return [
        pytest.param(d["file"], p, id=f"{d['id']}:{p['pointer']}")
        for d in docs
        for p in d.get("pointers", [])
    ]


@pytest.mark.parametrize("use_outline", [True, False], ids=["outline", "heuristic"])
@pytest.mark.parametrize("file,pointer", _pointer_cases())
def test_every_labelled_pointer_is_exact(corpus, file, pointer, use_outline):
    from library.structure.resolve import extract

    structure = extract(corpus / file, use_outline=use_outline)
    raw = pointer["pointer"]
    content = resolve(structure, raw if raw.startswith('"') else f"Section {raw}")
    assert (content.start_page, content.end_page) == (pointer["start_page"], pointer["end_page"])
    assert content.title == pointer["title"] or content.title.lower() == pointer["title"].lower()
    text = "".join(b.text + "\n" for b in content.blocks)
    for needle in pointer["must_contain"]:
        assert needle.strip() in text
    for needle in pointer["must_not_contain"]:
        assert needle not in text


# --- commands ------------------------------------------------------------------------------------


def test_extract_outline_of_paper_without_outline(corpus, run_cli):
    code, out, _ = run_cli("extract", str(corpus / "arxiv" / "1707.06347.pdf"), "--outline")
    assert code == 0
    lines = out.splitlines()
    assert "3 Clipped Surrogate Objective  (pp. 3-4)" in lines
    assert "  2.1 Policy Gradient Methods  (p. 2)" in lines
    assert "B Performance on More Atari Games  (pp. 10-12)" in lines


def test_extract_json(corpus, run_cli):
    code, out, _ = run_cli("extract", str(corpus / "arxiv" / "1706.03762.pdf"), "--section", "3.2", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"number", "title", "level", "start_page", "end_page"} <= set(data["sections"][0])
    section = data["section"]
    assert section["number"] == "3.2" and section["title"] == "Attention"
    assert (
        section["blocks"][0] == {"page": 4, "kind": "heading", "text": "3.2 Attention"}
        or section["blocks"][0]["text"] == "3.2 Attention"
    )
    assert "Multi-Head Attention" in section["text"]
    assert "3.3 Position-wise" not in section["text"]


def test_extract_unknown_section(corpus, run_cli):
    code, _, err = run_cli("extract", str(corpus / "arxiv" / "1706.03762.pdf"), "--section", "12")
    assert code == 2
    assert "no section 12" in err and "3 Model Architecture" in err


def _store_pdf(arxiv_id: str, version: str, source: Path):
    from library import db, paths, store

    conn = db.connect()
    target = paths.documents_dir() / "arxiv" / f"{arxiv_id}{version}.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    data = target.read_bytes()
    store.record(
        conn,
        key=store.reading_key(arxiv_id=arxiv_id),
        source_url=f"https://arxiv.org/abs/{arxiv_id}",
        path=target,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type="application/pdf",
        pages=None,
        arxiv_id=arxiv_id,
        arxiv_version=version,
    )
    conn.close()


def _store_web(url: str, source: Path):
    from library import db, paths, store
    from library.structure.html import article_markdown

    conn = db.connect()
    target = paths.documents_dir() / "web" / "page.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    md = target.with_suffix(".md")
    md.write_text(article_markdown(source.read_text(encoding="utf-8"), url))
    data = target.read_bytes()
    store.record(
        conn,
        key=store.reading_key(url=url),
        source_url=url,
        path=target,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type="text/html",
        text_path=md,
    )
    conn.close()


def test_read_attention(corpus, run_cli):
    _store_pdf("1706.03762", "v5", corpus / "arxiv" / "1706.03762.pdf")
    code, out, _ = run_cli("read", "1706.03762")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "[p. 2]"
    assert "# 3 Model Architecture" in lines
    assert "## 3.5 Positional Encoding" in lines
    assert "### 3.2.1 Scaled Dot-Product Attention" in lines
    assert "[p. 6]" in lines
    assert "Why Self-Attention" not in out
    assert "Background" not in "\n".join(lines[:3])


@pytest.mark.parametrize(
    "reading,arxiv_id,version,first,stop",
    [
        ("scaling-laws", "2001.08361", "v1", "# 1 Introduction", "Background and Methods"),
        (
            "large-batch",
            "1812.06162",
            "v1",
            "# 2 Theory and Predictions for the Gradient Noise Scale",
            "3 Experiments\n",
        ),
        (
            "moe",
            "1701.06538",
            "v1",
            "# 2 The Structure of the Mixture-of-Experts Layer",
            "The Shrinking Batch Problem",
        ),
    ],
)
def test_read_assigned_sections(corpus, run_cli, reading, arxiv_id, version, first, stop):
    from library import catalogue, curricula

    try:
        found = curricula.find(catalogue.load_bundled(), reading)
    except UsageError:
        pytest.skip(f"{reading} is not in the bundled curriculum")
    assert found.reading is not None and found.reading.arxiv_id == arxiv_id
    _store_pdf(arxiv_id, version, corpus / "arxiv" / f"{arxiv_id}.pdf")
    code, out, _ = run_cli("read", reading)
    assert code == 0
    assert first.lower() in out.lower().splitlines()
    assert stop not in out


def test_read_red_teaming_subsection(corpus, run_cli):
    # The exercise points at section 3.1 of a paper that has no PDF outline.
    _store_pdf("2202.03286", "v1", corpus / "arxiv" / "2202.03286.pdf")
    code, out, _ = run_cli("read", "2202.03286", "--section", "3.1")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["[p. 5]", "", "# 3.1 Experimental Setup"]
    assert "Zero-Shot (ZS) Generation" in out
    assert "3.2 Results" not in out and "Clustering Failing Test Cases" not in out


def test_read_scaling_laws_has_summaries(corpus, run_cli):
    _store_pdf("2001.08361", "v1", corpus / "arxiv" / "2001.08361.pdf")
    code, out, _ = run_cli("read", "2001.08361", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["assigned"]["label"] == "Section 1"
    section = data["section"]
    assert (section["number"], section["start_page"], section["end_page"]) == ("1", 2, 6)
    assert "Summary" in section["text"]
    assert all(b["page"] in range(2, 7) for b in section["blocks"])


def test_read_contrastive_post(corpus, run_cli):
    _store_web(
        "https://lilianweng.github.io/posts/2021-05-31-contrastive/",
        corpus / "html" / "lilianweng-contrastive.html",
    )
    code, out, _ = run_cli("read", "contrastive")
    assert code == 0
    assert out.startswith("# Contrastive Training Objectives")
    assert "[p." not in out
    assert "Key Ingredients" not in out


def test_read_section_override_and_whole(corpus, run_cli):
    _store_pdf("1706.03762", "v5", corpus / "arxiv" / "1706.03762.pdf")
    code, out, _ = run_cli("read", "attention", "--section", "4")
    assert code == 0 and out.splitlines()[2] == "# 4 Why Self-Attention"
    code, out, _ = run_cli("read", "attention", "--whole")
    assert code == 0 and "# 1 Introduction" in out and "# 7 Conclusion" in out
    code, _, _err = run_cli("read", "attention", "--whole", "--section", "3")
    assert code == 2


def test_read_not_fetched(run_cli):
    code, _out, err = run_cli("read", "attention")
    assert code == 1
    assert err.strip() == "error: not fetched yet: run `syllabus fetch attention`"

"""Web pages: Markdown with headings kept, anchor glyphs dropped, sections that resolve."""

from __future__ import annotations

import csv

import pytest

from library.structure.html import article_markdown
from library.structure.markdown_page import markdown_structure
from library.structure.resolve import load, resolve
from library.structure.text import norm_title

SPHINX = """<html><head><title>Part 1: Concepts &mdash; Docs</title></head><body>
<nav><ul><li>What Can It Do?</li><li>Key Ideas</li></ul></nav>
<div itemprop="articleBody"><div class="section">
<h1>Part 1: Concepts<a class="headerlink" href="#p">¶</a></h1>
<p>An opening paragraph that is long enough for an extractor to keep it as article text, with detail.</p>
<h2>What Can It Do?<a class="headerlink" href="#w">¶</a></h2>
<p>Some paragraph about what it can do, written at length so that it is kept as body text here.</p>
<h2>Key Ideas<a class="headerlink" href="#k">¶</a></h2>
<p>A paragraph about the key ideas, long enough to be content and not boilerplate for anyone.</p>
<h3>States<a class="headerlink" href="#s">¶</a></h3>
<p>States are complete descriptions of the world, described here in a sentence of some length.</p>
<ul><li>first point</li><li>second point</li></ul>
<h2>(Optional) Formalism<a class="headerlink" href="#f">¶</a></h2>
<p>The formal part, stated in a sentence that is long enough to be extracted by any extractor.</p>
</div></div></body></html>"""

DISTILL = """<html><body><d-title><h1>A Distill Article</h1></d-title><d-article>
<!--<h2>Introduction</h2>-->
<p>Opening words of the article, which go on for a while to look like real content to extractors.</p>
<h2 id="one">First
  Claim</h2><p>Text of the first claim, long enough to be a paragraph of the article body proper.</p>
<h3>A detail</h3><p>Text of the detail, long enough to be a paragraph of the article body proper too.</p>
<h2 id="two">Second Claim</h2><p>Text of the second claim, long enough to be a paragraph of the body.</p>
</d-article></body></html>"""


def test_sphinx_headings_lose_their_pilcrows():
    md = article_markdown(SPHINX)
    assert "¶" not in md
    structure = markdown_structure(md)
    assert [s.title for s in structure.top_level()] == [
        "What Can It Do?",
        "Key Ideas",
        "(Optional) Formalism",
    ]
    assert structure.title == "Part 1: Concepts"  # the lone h1 above h2 sections is the page title
    key = resolve(structure, '"key ideas"')
    texts = [b.text for b in key.blocks]
    assert texts[0] == "Key Ideas" and "States" in texts
    assert not any("formal part" in t for t in texts)


def test_custom_article_element_and_wrapped_heading():
    structure = markdown_structure(article_markdown(DISTILL))
    assert [s.title for s in structure.top_level()] == ["First Claim", "Second Claim"]
    assert "Introduction" not in [s.title for s in structure.sections]  # commented-out heading
    assert structure.sections[1].title == "A detail" and structure.sections[1].level == 2


def test_markdown_blocks():
    md = "<!-- title: T -->\n\n# One\n\nPara one\ncontinued.\n\n- item\n\n```\ncode  here\n```\n\n## Two\n\ntext\n"
    structure = markdown_structure(md)
    assert structure.title == "T" and structure.page_count == 1
    kinds = [(b.kind, b.text) for b in structure.blocks]
    assert kinds == [
        ("heading", "One"),
        ("paragraph", "Para one continued."),
        ("list_item", "item"),
        ("code", "code  here"),
        ("heading", "Two"),
        ("paragraph", "text"),
    ]
    assert all(b.page == 1 for b in structure.blocks)
    # A lone h1 above h2 sections is the page's title; the h2s are its top-level sections.
    assert [(s.title, s.level, s.first_block, s.end_block) for s in structure.sections] == [("Two", 1, 4, 6)]
    two_h1 = markdown_structure("# One\n\na\n\n## Sub\n\nb\n\n# Two\n\nc\n")
    assert [(s.title, s.level, s.first_block, s.end_block) for s in two_h1.sections] == [
        ("One", 1, 0, 4),
        ("Sub", 2, 2, 4),
        ("Two", 1, 4, 6),
    ]


def test_empty_html():
    assert article_markdown("").strip() == ""
    assert markdown_structure("").sections == []


def _sources(corpus):
    with open(corpus / "html" / "SOURCES.tsv", newline="") as fh:
        return [
            r
            for r in csv.DictReader(fh, delimiter="\t")
            if r["file"].endswith(".html") and r["top_level_headings"]
        ]


def test_corpus_pages_have_their_top_level_headings(corpus):
    rows = _sources(corpus)
    assert len(rows) >= 9
    for row in rows:
        structure = load(corpus / "html" / row["file"])
        want = [norm_title(t) for t in row["top_level_headings"].split("|")]
        got = [norm_title(s.title) for s in structure.top_level()]
        assert got == want, row["file"]
        assert not any("¶" in s.title or s.title.endswith("#") for s in structure.sections)


def test_lilianweng_post_title_is_not_a_section(corpus):
    structure = load(corpus / "html" / "lilianweng-contrastive.html")
    assert structure.title == "Contrastive Representation Learning"
    assert "Contrastive Representation Learning" not in [s.title for s in structure.sections]


@pytest.mark.parametrize(
    "pointer",
    [
        '"Contrastive Training Objectives"',
        "contrastive training objectives",
        '"Contrastive training-objectives"',
        '"Contrastive Trainng Objectives"',
    ],
)
def test_contrastive_named_section(corpus, pointer):
    structure = load(corpus / "html" / "lilianweng-contrastive.html")
    content = resolve(structure, pointer)
    text = content.text
    assert content.title == "Contrastive Training Objectives"
    assert "InfoNCE" in text and "Triplet Loss" in text
    assert "Key Ingredients" not in text and "Heavy Data Augmentation" not in text


def test_markdown_file_round_trip(corpus, tmp_path):
    md = article_markdown((corpus / "html" / "spinningup-rl-intro.html").read_text(encoding="utf-8"))
    path = tmp_path / "page.md"
    path.write_text(md)
    structure = load(path)
    assert [s.title for s in structure.top_level()] == [
        "What Can RL Do?",
        "Key Concepts and Terminology",
        "(Optional) Formalism",
    ]


def test_terminal_escape_sequences_never_leave_extraction(tmp_path):
    from library.structure.resolve import extract

    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><h1>T\x1b]0;PWNED\x07itle</h1><p>Some text \x1b[31mred\x1b[0m here that is long "
        "enough to be an article paragraph, really.</p><h2>Part</h2><p>More text for the second section.</p>"
        "</article></body></html>"
    )
    structure = extract(page)
    texts = (
        [b.text for b in structure.blocks] + [s.title for s in structure.sections] + [structure.title or ""]
    )
    assert not any("\x1b" in t or "\x07" in t for t in texts)
    assert any("red here" in t for t in texts)

"""Maths, tables and footnotes from PDFs: laid out from glyph geometry, on papers we make and on the corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from entry_point import syllabus

from library.structure.glyphs import Glyph, Rule
from library.structure.linear import display_lines, inline_text, split_number
from library.structure.model import Block
from library.structure.notation import readable, render_ranges, to_unicode
from library.structure.pdf import pdf_structure
from library.structure.resolve import resolve
from library.structure.symbols import glyph_name_token

# --- a paper we make: every part of the work checked on glyphs we placed ---------------------------

SENTENCE = "The method is simple and we describe it here in words that fill a line of running text. "


def _paragraph(page, y: float, text: str, *, size: float = 10) -> float:
    """Text set line by line from (72, y) in Times; the y below it."""
    import pymupdf

    line = ""
    for word in text.split():
        if pymupdf.get_text_length(f"{line} {word}", fontname="tiro", fontsize=size) > 460:
            page.insert_text((72, y), line, fontsize=size, fontname="tiro")
            y += 1.2 * size
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        page.insert_text((72, y), line, fontsize=size, fontname="tiro")
        y += 1.2 * size
    return y


def make_maths_paper(path: Path) -> Path:
    """Two pages: a power in a sentence, a numbered display with a fraction and a superscript,
    a ruled table under its caption, and a footnote cited by a paragraph that runs on to page 2."""
    import pymupdf

    def math(page, x: float, y: float, text: str, size: float = 10) -> None:
        # The Symbol font embedded (a maths font by name), so its Greek comes back as Unicode.
        page.insert_text((x, y), text, fontsize=size, fontname="maths")

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_font(fontname="maths", fontbuffer=pymupdf.Font("symb").buffer)
    page.insert_text((72, 60), "1 Introduction", fontsize=14, fontname="tibo")
    y = _paragraph(page, 90, SENTENCE * 3)
    lead = "The model has 8.8 × 10"
    page.insert_text((72, y), lead, fontsize=10, fontname="tiro")
    x = 72 + pymupdf.get_text_length(lead, fontname="tiro", fontsize=10)
    page.insert_text((x, y - 3.6), "13", fontsize=7, fontname="tiro")
    x += pymupdf.get_text_length("13", fontname="tiro", fontsize=7)
    page.insert_text(
        (x, y),
        " parameters, which is a great many for a model of its kind here.",
        fontsize=10,
        fontname="tiro",
    )
    y = _paragraph(page, y + 12, SENTENCE)
    # The display: α² = (β + γ)/δ, numbered (1).
    y += 22
    cx = 260
    math(page, cx, y, "α")
    math(page, cx + 6.5, y - 4, "2", 7)
    math(page, cx + 12, y, "=")
    math(page, cx + 24, y - 7, "β + γ")
    page.draw_line((cx + 22, y - 3.5), (cx + 52, y - 3.5), width=0.4)
    math(page, cx + 33, y + 7, "δ")
    page.insert_text((520, y), "(1)", fontsize=10, fontname="tiro")
    y = _paragraph(page, y + 30, "where the letters stand for quantities of the model. " + SENTENCE)
    # A table under its caption, ruled across (no rules between its columns).
    y += 14
    page.insert_text((72, y), "Table 1: Scores of the models.", fontsize=9, fontname="tiro")
    y += 18
    page.draw_line((150, y - 11), (450, y - 11), width=0.5)
    for i, cells in enumerate([("Model", "Score", "Time"), ("Small", "1.5", "10"), ("Large", "2.5", "30")]):
        for x, cell in zip((160, 290, 400), cells, strict=True):
            page.insert_text((x, y), cell, fontsize=10, fontname="tiro")
        if i == 0:
            page.draw_line((150, y + 3), (450, y + 3), width=0.3)
        y += 13
    page.draw_line((150, y - 8), (450, y - 8), width=0.5)
    # A paragraph citing footnote 1, running on to the next page.
    y = _paragraph(page, y + 20, SENTENCE * 2)
    cited = "The result holds in general"
    page.insert_text((72, y), cited, fontsize=10, fontname="tiro")
    x = 72 + pymupdf.get_text_length(cited, fontname="tiro", fontsize=10)
    page.insert_text((x, y - 3.6), "1", fontsize=7, fontname="tiro")
    rest = " and the sentence that began above goes on to the foot of the page and"
    page.insert_text((x + 3.5, y), rest, fontsize=10, fontname="tiro")
    page.draw_line((72, 700), (200, 700), width=0.4)
    page.insert_text((72, 709), "1", fontsize=6, fontname="tiro")
    page.insert_text(
        (76, 712),
        "A footnote that explains the general result in a few more words.",
        fontsize=8,
        fontname="tiro",
    )
    page.insert_text((300, 760), "1", fontsize=9, fontname="tiro")
    page = doc.new_page(width=612, height=792)
    _paragraph(page, 72, "over the break into the next page, where it ends. " + SENTENCE * 2)
    page.insert_text((300, 760), "2", fontsize=9, fontname="tiro")
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    return pdf_structure(make_maths_paper(tmp_path_factory.mktemp("maths") / "maths.pdf"))


def test_display_equation_is_one_block_with_fraction_script_and_number(paper):
    equations = [b for b in paper.blocks if b.kind == "equation"]
    assert len(equations) == 1
    (equation,) = equations
    assert equation.text == r"\alpha^{2} = \frac{\beta + \gamma}{\delta}"
    assert equation.number == "1"
    assert to_unicode(equation.text) == "α² = (β + γ)/δ"


def test_power_in_a_sentence_is_marked_as_maths(paper):
    block = next(b for b in paper.blocks if "parameters, which" in b.text)
    assert "8.8 × 10^{13} parameters" in block.text
    assert block.math is not None
    assert [block.text[a:b] for a, b in block.math] == ["10^{13}"]
    assert "10¹³ parameters" in render_ranges(block.text, block.math)


def test_table_under_its_caption_is_a_table_with_rows(paper):
    (table,) = [b for b in paper.blocks if b.kind == "table"]
    assert table.rows == [["Model", "Score", "Time"], ["Small", "1.5", "10"], ["Large", "2.5", "30"]]
    assert table.text.splitlines()[:3] == [
        "| Model | Score | Time |",
        "|---|---|---|",
        "| Small | 1.5 | 10 |",
    ]
    kinds = [b.kind for b in paper.blocks]
    assert kinds[kinds.index("table") - 1] == "caption"


def test_footnote_is_its_own_block_after_the_paragraph_that_runs_across_the_page(paper):
    (note,) = [b for b in paper.blocks if b.kind == "footnote"]
    assert note.marker == "1"
    assert note.text == "A footnote that explains the general result in a few more words."
    citing = paper.blocks[note.index - 1]
    assert citing.kind == "paragraph"
    assert "The result holds in general¹ and the sentence that began above goes on" in citing.text
    assert "over the break into the next page" in citing.text  # joined across the page break
    assert citing.end_page == 2
    assert all("footnote that explains" not in b.text for b in paper.blocks if b.kind == "paragraph")


# --- laying out glyphs ------------------------------------------------------------------------------


def glyph(
    text: str, x: float, base: float, size: float = 10, role: str = "ord", width: float | None = None
) -> Glyph:
    """A glyph with a plausible ink box: 0.7 of its size above its baseline, 0.2 below."""
    w = width if width is not None else 0.5 * size * max(1, len(text))
    return Glyph(text, x, base - 0.7 * size, x + w, base + 0.2 * size, base, size, "CMMI10", role, True)


def test_scripts_from_baseline_and_size():
    glyphs = [
        glyph("W", 100, 500),
        glyph("Q", 106, 496.4, 7),
        glyph("i", 106, 501.5, 7),
        glyph("x", 112, 500),
    ]
    assert display_lines(glyphs, []) == ["W_{i}^{Q}x"]


def test_radical_covers_what_its_rule_spans():
    # TeX hangs the radical sign from its overbar: its ink top is the rule's height.
    radical = Glyph(r"\sqrt", 100, 491.8, 108, 501.8, 492, 10, "CMSY10", "radical", True)
    glyphs = [radical, glyph("d", 108.5, 500), glyph("k", 113.5, 501.5, 7), glyph("V", 120, 500)]
    assert display_lines(glyphs, [Rule(108, 117, 492)]) == [r"\sqrt{d_{k}} V"]


def test_limits_above_and_below_a_big_operator():
    big = Glyph(r"\sum", 100, 493, 114, 507, 500, 10, "CMEX10", "op", True)
    glyphs = [big, glyph("i=1", 102, 512, 7), glyph("n", 105, 490, 7), glyph("x", 116, 500)]
    assert display_lines(glyphs, []) == [r"\sum_{i=1}^{n}x"]


def test_stacked_subscripts_are_a_substack_and_primes_stay_primes():
    glyphs = [glyph("E", 100, 500), glyph("s", 107, 502, 7), glyph("a", 107, 509, 7), glyph("a", 115, 500)]
    glyphs.append(Glyph("'", 120, 493, 122, 496, 496, 7, "CMSY7", "prime", True))
    assert display_lines(glyphs, []) == [r"E_{\substack{s \\ a}} a'"]


def test_lines_of_a_display_and_its_number():
    glyphs = [glyph("a", 100, 500), glyph("=", 110, 500), glyph("b", 120, 500)]
    glyphs += [glyph("=", 110, 515), glyph("c", 120, 515)]
    glyphs += [
        Glyph(c, 400 + 4 * i, 508, 404 + 4 * i, 516, 515, 10, "NimbusRomNo9L-Regu")
        for i, c in enumerate("(7)")
    ]
    rest, number = split_number(glyphs)
    assert number == "7"
    assert display_lines(rest, []) == ["a = b", "= c"]


def test_running_text_keeps_prose_and_marks_maths():
    text_glyph = Glyph("of dimension", 72, 493, 130, 502, 500, 10, "NimbusRomNo9L-Regu", "ord", False)
    glyphs = [text_glyph, glyph("d", 133, 500), glyph("k", 138, 501.5, 7)]
    glyphs[1].space_before = True
    out = inline_text(glyphs, [], 500, 10)
    assert out.replace("\ufdd0", "<").replace("\ufdd1", ">") == "of dimension <d_{k}>"


def test_glyph_names_of_tex_extension_fonts():
    assert glyph_name_token("summationdisplay") == (r"\sum", "op", "")
    assert glyph_name_token("parenleftBigg") == ("(", "open", "")
    assert glyph_name_token("bracerightbt") == (r"\}", "close", "bt")
    assert glyph_name_token("vextendsingle") == ("|", "fence", "ex")
    assert glyph_name_token("radicalbig") == (r"\sqrt", "radical", "")
    assert glyph_name_token("notaglyph") is None


# --- notation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "shown"),
    [
        (r"softmax(\frac{QK^{T}}{\sqrt{d_{k}}})V", "softmax(QKᵀ/√dₖ)V"),
        (r"d_{model}", "d_model"),  # no subscript d in Unicode: stays TeX-like
        (r"W_{i}^{Q} \in \mathbb{R}^{d_{model} \times d_{k}}", "Wᵢ^Q ∈ ℝ^{d_model × dₖ}"),
        (r"\frac{1}{1 - \lambda}", "1/(1 - λ)"),
        (r"\sqrt{a + b}", "√(a + b)"),
        (r"\hat{A}_{t} = \delta_{t}", "Âₜ = δₜ"),
        (r"\sum_{i=1}^{n} x_{i}", "∑ᵢ₌₁ⁿ xᵢ"),
        (r"\mathcal{O} \times \mathcal{A}", "𝒪 × 𝒜"),
        (r"\epsilon = 10^{-9}", "ϵ = 10⁻⁹"),
        (r"\mathbb{E}_{\substack{s_{0} \\ a_{0}}}", "𝔼_{s₀, a₀}"),
        (r"step\_num^{-0.5}", "step_num^{-0.5}"),
        (r"\succ", "≻"),
        # Web articles' own TeX (issue 10, item 7): what only says how to draw goes, the rest reads.
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "a = b\nc = d"),
        (r"\color{red}{x} + \textcolor{blue}{y} + \text{loss} + \texttt{clip}", "x + y + loss + clip"),
        (r"\big( x \Big]", "(x]"),
        (r"\overset{\text{def}}{=}", "=ᵈᵉᶠ"),
        (r"\mathbb{1}[y = k]", "𝟙[y = k]"),
        (r"-\log \exp(z_{i})", "-log exp(zᵢ)"),
        (
            r"-\log\frac{a}{b} + (i - j) \bmod \ell + \scriptstyle p \parallel q",
            "-log a/b + (i - j) mod ℓ + p ∥ q",
        ),
        (r"\operatorname*{arg\,max}_{a} Q(s, a)", "arg maxₐ Q(s, a)"),
        (r"\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}", "1  2\n3  4"),
        (
            r"\underE_{x} f + \underbrace{a + b}_{n}",
            r"\underEₓ f + \underbrace{a + b}ₙ",
        ),  # unknown: as written
    ],
)
def test_to_unicode(tex, shown):
    assert to_unicode(tex) == shown


def test_render_ranges_leaves_prose_alone():
    text = "see my_file and x_{1}"
    assert render_ranges(text, [(16, 21)]) == "see my_file and x₁"


def test_readable_blocks():
    equation = Block(page=1, kind="equation", text=r"x^{2}", number="3")
    assert readable(equation) == "x²    (3)"
    assert readable(equation, tex=True) == "x^{2}    (3)"
    table = Block(page=1, kind="table", text="", rows=[["a", "b"], [r"n^{2}", ""]])
    assert readable(table) == "| a | b |\n|---|---|\n| n² | |"


# --- the corpus --------------------------------------------------------------------------------------


def _section(corpus, name: str, section: str):
    structure = pdf_structure(corpus / "arxiv" / f"{name}.pdf")
    return resolve(structure, section)


def test_attention_scaled_dot_product(corpus):
    content = _section(corpus, "1706.03762", "3.2.1")
    (equation,) = [b for b in content.blocks if b.kind == "equation"]
    assert equation.number == "1"
    assert to_unicode(equation.text) == "Attention(Q, K, V) = softmax(QKᵀ/√dₖ)V"
    # Footnote 4 follows the paragraph citing it, though it is printed in §3.2.2's page space.
    kinds = [b.kind for b in content.blocks]
    assert kinds[-1] == "footnote"
    note = content.blocks[-1]
    assert note.marker == "4"
    assert r"q \cdot k = \sum_{i=1}^{d_{k}} q_{i}k_{i}" in note.text
    assert "gradients⁴" in content.blocks[-2].text


def test_attention_table_and_the_sentence_around_it(corpus):
    content = _section(corpus, "1706.03762", "3.5")
    (table,) = [b for b in content.blocks if b.kind == "table"]
    assert table.rows[0] == [
        "Layer Type",
        "Complexity per Layer",
        "Sequential Operations",
        "Maximum Path Length",
    ]
    assert table.rows[1] == ["Self-Attention", r"O(n^{2} \cdot d)", "O(1)", "O(1)"]
    assert table.rows[3][3] == "O(log_{k}(n))"
    paragraph = next(b for b in content.blocks if "inject some information" in b.text)
    assert "position of the tokens in the sequence. To this end" in paragraph.text


def test_large_batch_noise_scale_equations(corpus):
    content = _section(corpus, "1812.06162", "2")
    numbered = {b.number: b.text for b in content.blocks if b.kind == "equation"}
    assert numbered["2.12"] == r"\mathcal{B}_{crit} = \frac{E_{min}}{S_{min}} ."
    assert numbered["2.8"] == r"\mathcal{B}_{noise} = \frac{tr (H\Sigma)}{G^{T} HG} ,"
    assert len(numbered) == 12


def test_gae_stacked_subscripts_and_no_unnamed_glyphs(corpus):
    structure = pdf_structure(corpus / "arxiv" / "1506.02438.pdf")
    text = "\n".join(b.text for b in structure.blocks)
    assert "\ufffd" not in text
    assert r"\mathbb{E}_{\substack{s_{0:\infty} \\ a_{0:\infty}}}" in text
    assert r"\hat{A}_{t}^{GAE(\gamma,\lambda)}" in text


# --- what the user runs --------------------------------------------------------------------------------


def test_extract_json_and_text(run_cli, tmp_path):
    path = make_maths_paper(tmp_path / "maths.pdf")
    code, out, err = run_cli("extract", str(path), "--json")
    assert code == 0, err
    blocks = json.loads(out)["section"]["blocks"]
    equation = next(b for b in blocks if b["kind"] == "equation")
    assert equation["number"] == "1" and equation["text"] == r"\alpha^{2} = \frac{\beta + \gamma}{\delta}"
    assert next(b for b in blocks if b["kind"] == "table")["rows"][1] == ["Small", "1.5", "10"]
    assert next(b for b in blocks if b["kind"] == "footnote")["marker"] == "1"
    assert any(b.get("math") for b in blocks if b["kind"] == "paragraph")
    shown = run_cli("extract", str(path))[1]
    assert "α² = (β + γ)/δ    (1)" in shown
    assert "| Small | 1.5 | 10 |" in shown
    assert "[^1]: A footnote that explains" in shown
    tex = run_cli("extract", str(path), "--tex")[1]
    assert r"\alpha^{2} = \frac{\beta + \gamma}{\delta}    (1)" in tex


@pytest.mark.corpus
def test_tables_are_found_without_a_word_on_stdout(corpus, capfd):
    from library.structure.resolve import extract

    structure = extract(corpus / "arxiv" / "1706.03762.pdf")
    assert any(b.kind == "table" for b in structure.blocks)
    assert capfd.readouterr().out == ""


def test_extract_json_of_a_grid_table_through_the_real_command_is_only_json(tmp_path):
    # A fresh process: PyMuPDF 1.28's find_tables(), which a table ruled between its columns goes
    # through, prints advice on stdout the first time it runs unless told not to.
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _paragraph(page, 72, SENTENCE * 3)
    page.insert_text((72, 200), "Table 1: Scores of the models.", fontsize=9, fontname="tiro")
    xs, y = (150, 270, 360, 450), 210
    for cells in [("Model", "Score", "Time"), ("Small", "1.5", "10"), ("Large", "2.5", "30")]:
        page.draw_line((xs[0], y), (xs[-1], y), width=0.5)
        for x, cell in zip(xs, cells, strict=False):
            page.insert_text((x + 6, y + 11), cell, fontsize=10, fontname="tiro")
        y += 15
    page.draw_line((xs[0], y), (xs[-1], y), width=0.5)
    for x in xs:
        page.draw_line((x, 210), (x, y), width=0.5)
    _paragraph(page, y + 30, SENTENCE * 2)
    path = tmp_path / "grid.pdf"
    doc.save(path)
    result = syllabus(tmp_path / "home", "extract", str(path), "--json")
    assert result.returncode == 0, result.stderr
    blocks = json.loads(result.stdout)["section"]["blocks"]
    table = next(b for b in blocks if b["kind"] == "table")
    assert table["rows"][1] == ["Small", "1.5", "10"]


@pytest.mark.corpus
def test_web_articles_maths_reads_without_drawing_commands(corpus):
    # The authors' own TeX of every corpus web page, as `read` shows it: what only says how to draw
    # (colours, sizes, alignment marks, text fonts) is gone, and the maths alphabets are letters.
    from library.structure.resolve import extract

    leftovers = re.compile(
        r"\\(color|textcolor|text|texttt|begin|end|mathbb|mathcal|big|left|right|log)\b|&|\\\\"
    )
    shown = 0
    for page in sorted((corpus / "html").glob("*.html")):
        for block in extract(page).blocks:
            ranges = [(0, len(block.text))] if block.kind == "equation" else block.math or []
            for start, end in ranges:
                text = to_unicode(block.text[start:end])
                assert not leftovers.search(text), (page.name, block.text[start:end], text)
                shown += 1
    assert shown > 300

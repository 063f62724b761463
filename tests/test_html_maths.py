"""Maths and emphasis from web articles: TeX kept through trafilatura, rendered Markdown, ranges."""

from __future__ import annotations

import json
import re

import pytest

from library.structure.html import article_markdown
from library.structure.markdown_inline import render_inline, render_paragraph
from library.structure.markdown_page import markdown_structure
from library.structure.resolve import extract

PROSE = (
    "<p>This paragraph is long enough for an article extractor to keep it as the body of the page, "
    "with several sentences of ordinary prose around the formulas that the test is about.</p>"
)


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>T</title>{head}</head><body><article>{PROSE}{body}{PROSE}</article></body></html>"


def blocks(html: str):
    return markdown_structure(article_markdown(html)).blocks


def maths_of(block) -> list[str]:
    return [block.text[a:b] for a, b in block.math or []]


def equations(html: str) -> list[str]:
    return [b.text for b in blocks(html) if b.kind == "equation"]


MATHJAX_DOLLARS = """<script>MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
  displayMath: [['$$','$$'], ['\\\\[', '\\\\]']]}};</script>
<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>"""


# --- each way a page carries maths -------------------------------------------------------------


def test_mathjax_dollars_display_and_inline():
    html = page(
        "<p>Given samples $\\{ \\mathbf{x}_i \\}$ with labels $y_i$, the <strong>loss</strong> is:</p>"
        "<div>\n$$\n\\mathcal{L} = \\sum_{i=1}^{N} \\| f(\\mathbf{x}_i) \\|^2_2\n$$\n</div>"
        "<p>where $\\epsilon$ is a margin.</p>",
        MATHJAX_DOLLARS,
    )
    got = blocks(html)
    assert [b.text for b in got if b.kind == "equation"] == [
        "\\mathcal{L} = \\sum_{i=1}^{N} \\| f(\\mathbf{x}_i) \\|^2_2"
    ]
    given = next(b for b in got if b.text.startswith("Given"))
    assert given.text == "Given samples \\{ \\mathbf{x}_i \\} with labels y_i, the loss is:"
    assert maths_of(given) == ["\\{ \\mathbf{x}_i \\}", "y_i"]
    kinds = [b.kind for b in got]
    assert kinds.index("equation") == kinds.index("paragraph") + 2  # in place, between its sentences
    assert maths_of(next(b for b in got if b.text.startswith("where"))) == ["\\epsilon"]


def test_dollar_is_money_unless_the_page_configures_it():
    plain = page("<p>It costs $5 and $10 in <em>total</em>, a_b_c stays.</p>")
    [text] = [b for b in blocks(plain) if "costs" in b.text]
    assert text.text == "It costs $5 and $10 in total, a_b_c stays." and not text.math
    # MathJax without a $ delimiter (its default): \( \) and $$ are maths, $ is money.
    mathjax = page(
        "<p>It costs $5 for \\(x_t\\) and $10.</p>",
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>',
    )
    [text] = [b for b in blocks(mathjax) if "costs" in b.text]
    assert text.text == "It costs $5 for x_t and $10." and maths_of(text) == ["x_t"]


def test_escaped_dollar_and_code_are_not_maths():
    html = page("<p>Pay \\$3 for $a$, run <code>echo $HOME_DIR</code> now.</p>", MATHJAX_DOLLARS)
    [text] = [b for b in blocks(html) if b.text.startswith("Pay")]
    assert text.text == "Pay $3 for a, run echo $HOME_DIR now." and maths_of(text) == ["a"]


def test_katex_annotation_is_the_tex_and_its_glyphs_go():
    def katex(tex: str, glyphs: str) -> str:
        return (
            '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi></mrow>'
            f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math></span>'
            f'<span class="katex-html" aria-hidden="true"><span class="base">{glyphs}</span></span></span>'
        )

    fraction = katex("\\frac{a}{b} = c", "a b = c")
    html = page(
        f"<p>Each sample {katex('x_i', 'x i')} has a label.</p>"
        f'<p><span class="katex-display">{fraction}</span></p>',
        '<link rel="stylesheet" href="katex.min.css">',
    )
    got = blocks(html)
    [sample] = [b for b in got if b.text.startswith("Each")]
    assert sample.text == "Each sample x_i has a label." and maths_of(sample) == ["x_i"]
    assert [b.text for b in got if b.kind == "equation"] == ["\\frac{a}{b} = c"]


def test_mathml_alttext_annotation_and_bare_mathml():
    html = page(
        '<p>Energy <math alttext="E = mc^2"><mi>E</mi></math> is famous.</p>'
        '<p><math display="block" alttext="\\int_0^1 f(x)\\,dx"><mi>f</mi></math></p>'
        "<p>A bare one <math><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo>"
        "<mfrac><mi>a</mi><msub><mi>b</mi><mi>k</mi></msub></mfrac></math> too.</p>"
    )
    got = blocks(html)
    assert maths_of(next(b for b in got if b.text.startswith("Energy"))) == ["E = mc^2"]
    assert [b.text for b in got if b.kind == "equation"] == ["\\int_0^1 f(x)\\,dx"]
    assert maths_of(next(b for b in got if b.text.startswith("A bare"))) == ["x^2 + \\frac{a}{b_k}"]


def test_mathjax2_scripts_replace_their_rendered_twins():
    html = page(
        '<p>Rate <span class="MathJax_Preview">α</span><span class="MathJax" id="MathJax-Element-1-Frame">'
        '<nobr>glyphs</nobr></span><script type="math/tex" id="MathJax-Element-1">\\alpha</script> here.</p>'
        '<div class="MathJax_Display">rendered</div><script type="math/tex; mode=display">\\sum_i x_i</script>',
        '<script src="MathJax.js?config=TeX-AMS_HTML"></script>',
    )
    got = blocks(html)
    [rate] = [b for b in got if b.text.startswith("Rate")]
    assert rate.text == "Rate \\alpha here." and maths_of(rate) == ["\\alpha"]
    assert [b.text for b in got if b.kind == "equation"] == ["\\sum_i x_i"]
    assert not any("glyphs" in b.text or "rendered" in b.text for b in got)


def test_sphinx_mathjax_and_imgmath():
    mathjax = page(
        '<p>The state <span class="math notranslate nohighlight">\\(s_t\\)</span> is observed.</p>'
        '<div class="math notranslate nohighlight">\n\\[a_t = \\mu(s_t)\\]</div>',
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js"></script>',
    )
    got = blocks(mathjax)
    assert maths_of(next(b for b in got if b.text.startswith("The state"))) == ["s_t"]
    assert equations(mathjax) == ["a_t = \\mu(s_t)"]
    imgmath = page(
        '<p>It is denoted by <img class="math" src="m.svg" alt="\\mu"/>:</p>'
        '<div class="math">\n<p><img src="e.svg" alt="a_t &amp;= \\mu_{\\theta}(s_t) \\\\\na_t &amp;\\sim \\pi"/></p>\n'
        "</div><p>Next.</p>"
    )
    got = blocks(imgmath)
    [denoted] = [b for b in got if b.text.startswith("It is")]
    assert denoted.text == "It is denoted by \\mu:" and maths_of(denoted) == ["\\mu"]
    assert equations(imgmath) == ["a_t &= \\mu_{\\theta}(s_t) \\\\ a_t &\\sim \\pi"]


def test_distill_d_math_and_environments():
    html = page(
        "<p>The Gram matrix <d-math>G</d-math> is:</p><d-math block>G_{i,j} = x_i \\cdot x_j</d-math>"
        "<div>\\begin{align} a &= b \\\\ c &= d \\end{align}</div>",
        '<script src="https://cdn.jsdelivr.net/npm/katex/dist/katex.min.js"></script>',
    )
    got = blocks(html)
    assert maths_of(next(b for b in got if b.text.startswith("The Gram"))) == ["G"]
    assert equations(html) == ["G_{i,j} = x_i \\cdot x_j", "\\begin{align} a &= b \\\\ c &= d \\end{align}"]


def test_display_maths_inside_a_paragraph_splits_it():
    html = page("<p>Before the formula $$x = 1$$ and after it.</p>", MATHJAX_DOLLARS)
    got = [(b.kind, b.text) for b in blocks(html) if b.text != PROSE[3:-4]]
    assert got == [("paragraph", "Before the formula"), ("equation", "x = 1"), ("paragraph", "and after it.")]


def test_maths_in_headings_and_tables():
    html = page(
        "<h2>The $\\beta$-VAE</h2>" + PROSE + "<table><tr><th>Model</th><th>Loss</th></tr>"
        "<tr><td>VAE</td><td>$\\mathcal{L}_\\text{ELBO}$</td></tr></table>",
        MATHJAX_DOLLARS,
    )
    got = blocks(html)
    [heading] = [b for b in got if b.kind == "heading"]
    assert heading.text == "The \\beta-VAE" and maths_of(heading) == ["\\beta"]
    [table] = [b for b in got if b.kind == "table"]
    assert table.rows == [["Model", "Loss"], ["VAE", "\\mathcal{L}_\\text{ELBO}"]]
    assert maths_of(table) == ["\\mathcal{L}_\\text{ELBO}"]
    assert table.text.splitlines()[0] == "| Model | Loss |"


def test_headings_keep_working_with_anchors_and_maths():
    html = page(
        '<h2 id="a">First $x$ Part<a hidden class="anchor" href="#a">#</a></h2>'
        + PROSE
        + "<h2>Second</h2>"
        + PROSE,
        MATHJAX_DOLLARS,
    )
    structure = markdown_structure(article_markdown(html))
    assert [s.title for s in structure.top_level()] == ["First x Part", "Second"]


# --- Markdown rendering ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("**bold** and *em* and _also em_", "bold and em and also em"),
        ("***both*** and __strong__", "both and strong"),
        ("snake\\_case and a_b_c and 2 * 3 * 4", "snake_case and a_b_c and 2 * 3 * 4"),
        ("\\*not em\\* \\[1\\] \\<tag\\> C:\\path", "*not em* [1] <tag> C:\\path"),
        ("run `a_b *c*` now", "run a_b *c* now"),
        ("see [the docs](https://example.org/a_(b)) and ![a figure](f.png)", "see the docs and a figure"),
        ("H<sub>2</sub>O costs $5, x<sup>13</sup>", "H_{2}O costs $5, x^{13}"),
        ("unclosed **bold and *em", "unclosed **bold and *em"),
    ],
)
def test_inline_markdown_is_rendered(markdown, text):
    assert render_inline(markdown)[0] == text


def test_inline_maths_ranges_index_the_rendered_text():
    text, math = render_inline("**Let** $\\mathbf{x}\\_i$ be $a_{1}$, not $5 or $10.")
    assert text == "Let \\mathbf{x}\\_i be a_{1}, not $5 or $10."
    assert [text[a:b] for a, b in math] == ["\\mathbf{x}\\_i", "a_{1}"]  # TeX is kept as written
    text, math = render_inline("*emphasis around $x_{i}^{2}$ maths*")
    assert text == "emphasis around x_{i}^{2} maths" and [text[a:b] for a, b in math] == ["x_{i}^{2}"]


def test_paragraph_pieces_and_equation_blocks():
    pieces = render_paragraph("One $$\\frac{a}{b}$$ two")
    assert [(p.kind, p.text) for p in pieces] == [
        ("text", "One"),
        ("equation", "\\frac{a}{b}"),
        ("text", "two"),
    ]
    md = "Intro.\n\n$$\n% a comment\na = b \\tag{3}\n\\\\ c = d\n$$\n\n$$ e = f $$\n\n- item with $x$\n"
    got = markdown_structure(md).blocks
    assert [(b.kind, b.text, b.number) for b in got] == [
        ("paragraph", "Intro.", None),
        ("equation", "a = b \\\\ c = d", "3"),
        ("equation", "e = f", None),
        ("list_item", "item with x", None),
    ]
    assert got[3].math == [(10, 11)]


# --- the corpus ----------------------------------------------------------------------------------


def _visible_display_tex(path) -> list[str]:
    """Every ``$$…$$`` of the article as the page shows it (HTML comments are not shown)."""
    import lxml.html

    tree = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    for comment in tree.xpath("//comment()"):
        comment.drop_tree()
    [article] = tree.xpath("//div[contains(@class, 'post-content')]")
    text = lxml.html.tostring(article, encoding="unicode", method="text")
    return [" ".join(tex.split()) for tex in re.findall(r"\$\$(.*?)\$\$", text, re.S)]


def test_contrastive_keeps_all_36_display_equations(corpus):
    path = corpus / "html" / "lilianweng-contrastive.html"
    source = path.read_text(encoding="utf-8")
    article = source[source.index('<div class="post-content">') :]
    assert len(re.findall(r"\$\$(.*?)\$\$", article, re.S)) == 36
    want = _visible_display_tex(path)
    structure = extract(path)
    got = [b.text for b in structure.blocks if b.kind == "equation"]
    assert len(want) == 36 and got == want
    assert got[1] == (
        "\\mathcal{L}_\\text{triplet}(\\mathbf{x}, \\mathbf{x}^+, \\mathbf{x}^-) = \\sum_{\\mathbf{x} \\in "
        "\\mathcal{X}} \\max\\big( 0, \\|f(\\mathbf{x}) - f(\\mathbf{x}^+)\\|^2_2 - \\|f(\\mathbf{x}) - "
        "f(\\mathbf{x}^-)\\|^2_2 + \\epsilon \\big)"
    )
    assert (
        "\\mathcal{L}_\\text{InfoNCE} = - \\mathbb{E} \\Big[\\log \\frac{f(\\mathbf{x}, \\mathbf{c})}"
        in " ".join(got)
    )
    # The equation sits where the page has it: right after "…with the following equation:".
    texts = [b.text for b in structure.blocks]
    at = next(i for i, t in enumerate(texts) if t.endswith("at the same time with the following equation:"))
    assert structure.blocks[at + 1].kind == "equation" and texts[at + 1] == got[1]
    given = next(b for b in structure.blocks if b.text.startswith("Given a list of input samples"))
    assert maths_of(given)[:2] == ["\\{ \\mathbf{x}_i \\}", "y_i \\in \\{1, \\dots, L\\}"]


def test_contrastive_section_still_resolves_with_its_equations(corpus, run_cli):
    path = corpus / "html" / "lilianweng-contrastive.html"
    code, out, err = run_cli("extract", str(path), "--section", "Contrastive Training Objectives", "--json")
    assert code == 0, err
    section = json.loads(out)["section"]
    assert section["title"] == "Contrastive Training Objectives"
    kinds = [b["kind"] for b in section["blocks"]]
    assert kinds.count("equation") == 13  # the page's $$ blocks between this h1 and the next
    assert "Key Ingredients" not in section["text"]


def test_transformer_family_keeps_every_shown_display_equation(corpus):
    path = corpus / "html" / "lilianweng-transformer-family.html"
    source = path.read_text(encoding="utf-8")
    article = source[source.index('<div class="post-content">') :]
    assert len(re.findall(r"\$\$(.*?)\$\$", article, re.S)) == 26  # one of them in an HTML comment
    want = _visible_display_tex(path)
    assert len(want) == 25
    got = [b.text for b in extract(path).blocks if b.kind == "equation"]
    assert got == want
    assert not any("Z(i, S_i)" in t for t in got)  # the commented-out one is not on the page


def test_spinning_up_keeps_all_of_its_maths(corpus):
    import lxml.html

    path = corpus / "html" / "spinningup-rl-intro.html"
    tree = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    math_divs = tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' math ')]")
    display = [img.get("alt") for div in math_divs for img in div.iter("img")]
    inline = [img.get("alt") for img in tree.xpath("//img[@class='math']")]
    assert (len(display), len(inline)) == (26, 89)
    structure = extract(path)
    got = [b.text for b in structure.blocks if b.kind == "equation"]
    assert got == [" ".join(tex.split()) for tex in display]
    ranges = [b.text[x:y] for b in structure.blocks for x, y in b.math or []]
    assert ranges == [" ".join(tex.split()) for tex in inline]
    texts = [b.text for b in structure.blocks]
    assert (
        "A policy is a rule used by an agent to decide what actions to take. It can be deterministic, "
        in (next(t for t in texts if t.startswith("A policy")))
    )
    at = next(i for i, t in enumerate(texts) if t.endswith("in which case it is usually denoted by \\mu:"))
    assert texts[at + 1] == "a_t = \\mu(s_t),"
    assert "R(\\tau) = \\sum_{t=0}^{\\infty} \\gamma^t r_t." in got


def test_no_markdown_marks_left_in_the_corpus_pages(corpus):
    for path in sorted((corpus / "html").glob("*.html")):
        for block in extract(path).blocks:
            if block.kind in ("code", "equation"):
                continue
            prose = block.text
            for a, b in sorted(block.math or [], reverse=True):
                prose = prose[:a] + prose[b:]
            assert not re.search(r"\*\*|\\[_*\[\]$`]", prose), (path.name, prose[:200])

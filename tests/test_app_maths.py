"""The reader shows maths rendered (and as TeX on m), tables as grids, and opens the page in a viewer (O)."""

from __future__ import annotations

import shlex
import sys

import pytest

from reader.app import make_app
from reader.widgets.block_layout import block_text, lay_out
from reader.widgets.reader_view import ReaderView
from tests.test_app import attach_attention, open_reading, screen_text, settle


async def _goto(app, pilot, reader: ReaderView, kind: str, contains: str = "") -> None:
    """Put the cursor on the first block of ``kind`` (holding ``contains``) and let it scroll there."""
    position = next(i for i, b in enumerate(reader.blocks) if b.kind == kind and contains in b.text)
    reader.set_cursor(position, align="top")
    await settle(app, pilot)


@pytest.mark.corpus
async def test_equation_rendered_toggled_to_tex_and_table_as_grid(corpus):
    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        await _goto(app, pilot, reader, "equation", "softmax")
        line = next(line for line in screen_text(app).splitlines() if "softmax(" in line)
        assert "Attention(Q, K, V) = softmax(QKᵀ/√dₖ)V" in line and line.rstrip(" ▏▎▌").endswith("(1)")
        assert line.count("(1)") == 1
        reader.focus()
        await pilot.press("m")
        await settle(app, pilot)
        assert reader.tex
        assert r"\frac{QK^{T}}{\sqrt{d_{k}}}" in screen_text(app)
        assert reader.current_block is not None and "softmax" in reader.current_block.text  # kept its place
        await pilot.press("m")
        await settle(app, pilot)
        assert "softmax(QKᵀ/√dₖ)V" in screen_text(app)
        await _goto(app, pilot, reader, "table")
        shown = screen_text(app)
        assert "Layer Type" in shown and "Maximum Path" in shown
        assert "O(n² · d)" in shown and "O(logₖ(n))" in shown
        assert "|---|" not in shown  # a grid, not Markdown


@pytest.mark.corpus
async def test_open_page_starts_the_viewer_at_the_current_page(corpus, tmp_path, monkeypatch):
    out = tmp_path / "viewer.txt"
    script = f"import sys; open({str(out)!r}, 'w').write(' '.join(sys.argv[1:]))"
    monkeypatch.setenv(
        "SYLLABUS_PDF_VIEWER", f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} {{page}} {{path}}"
    )
    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        await _goto(app, pilot, reader, "equation", "softmax")
        reader.focus()
        await pilot.press("O")
        for _ in range(200):  # the viewer is another process: wait for what it wrote
            if out.exists() and out.read_text():
                break
            await pilot.pause(0.05)
        page, path = out.read_text().split(" ", 1)
        assert page == "4" and path.endswith(".pdf")


def test_a_footnote_keeps_its_marker_and_a_table_is_a_grid_with_its_maths_rendered():
    from library.structure.model import Block

    note = block_text(Block(page=1, kind="footnote", text=r"with x^{2}", marker="3", math=[(5, 10)]))
    assert note.plain == "3 with x²"
    table = Block(page=1, kind="table", text="", rows=[["a", "b"], [r"n^{2}", "1"]])

    def shown(tex: bool) -> list[str]:
        layout = lay_out([table], 60, tex=tex)
        return ["".join(s.text for s in line.segments) for line in layout.lines]

    assert any("n²" in line and "│" in line for line in shown(False))
    assert any("n^{2}" in line for line in shown(True))


@pytest.mark.corpus
async def test_a_first_extraction_runs_in_a_child_process(corpus, monkeypatch):
    # Extraction holds the interpreter lock for seconds: the app's own process must not run it.
    from library.structure import resolve

    attach_attention(corpus)

    def not_here(path):
        raise AssertionError("extracted in the app's process")

    monkeypatch.setattr(resolve, "extract", not_here)
    app = make_app(warm_model=False)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        assert any(b.kind == "equation" for b in reader.blocks)

"""Pieces of the app that need no terminal: escape stripping, reading positions, the activity
clock, and start-up import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from library.textclean import strip_escapes


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("plain text", "plain text"),
        ("red \x1b[31mtext\x1b[0m here", "red text here"),
        ("title \x1b]0;pwned\x07after", "title after"),
        ("clip \x1b]52;c;aGVsbG8=\x1b\\done", "clip done"),
        ("8-bit \x9b2Jcsi", "8-bit csi"),
        ("dcs \x1bPq#0;2;0;0;0\x1b\\end", "dcs end"),
        ("reset \x1bc now", "reset  now"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("keeps\ttabs\nand lines\r\n", "keeps\ttabs\nand lines\n"),
        ("[bold]markup[/bold] stays text", "[bold]markup[/bold] stays text"),
    ],
)
def test_strip_escapes(raw, clean):
    assert strip_escapes(raw) == clean


def test_positions_round_trip():
    from index.db import connect
    from library import positions
    from library.errors import UsageError

    conn = connect()
    assert positions.get(conn, "deep-learning", "attention") is None
    positions.save(conn, "deep-learning", "attention", 42, "whole")
    saved = positions.get(conn, "deep-learning", "attention")
    assert (saved.block_index, saved.view) == (42, "whole")
    positions.save(conn, "deep-learning", "attention", 7)
    assert positions.get(conn, "deep-learning", "attention").block_index == 7
    assert positions.last_opened(conn, "deep-learning") == "attention"
    with pytest.raises(UsageError):
        positions.save(conn, "deep-learning", "attention", 1, "sideways")  # type: ignore[arg-type]


def test_activity_clock_stops_when_idle():
    from library.activity import ActivityClock

    spans = []
    clock = ActivityClock(lambda item, start, end: spans.append((item, start, end)), idle=180)
    clock.switch("attention", now=1000)
    clock.touch(now=1060)
    clock.touch(now=1100)
    clock.check(now=1200)  # 100 s idle: still running
    assert spans == []
    clock.check(now=1400)  # 300 s idle: the stretch ended at the last input
    assert spans == [("attention", 1000, 1100)]
    clock.touch(now=1500)  # back: a new stretch starts
    clock.touch(now=1530)
    clock.switch("scaling-laws", now=1540)  # opening another reading closes the stretch
    assert spans[-1] == ("attention", 1500, 1530)


def test_activity_clock_records_into_the_study_log():
    from index.db import connect
    from library import studylog
    from reader.app import make_app

    app = make_app(warm_model=False)
    app.clock.switch("attention", now=10_000)
    for step in range(1, 7):
        app.clock.touch(now=10_000 + 100 * step)
    app.clock.flush()
    totals = studylog.totals_by_item(connect(), "deep-learning")
    assert totals == {"attention": 600}


def test_importing_the_app_imports_nothing_heavy():
    code = (
        "import sys, reader.app, reader.cli\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'fitz', 'pymupdf', 'numpy', 'httpx',"
        " 'trafilatura', 'arxiv', 'PIL', 'textual_image') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# The first paint of a real app (model warm-up asked for, as `syllabus` does), then what it imported.
# The model load is stubbed: it is asked for after the first frame and would import the heavy
# libraries on purpose; what must not import them is everything before and around it.
FIRST_PAINT = """
import asyncio, json, sys
from reader.app import make_app
from reader.controllers.indexing import Indexing

asked = []
Indexing.load_model = lambda self: asked.append("model")


async def main():
    app = make_app(warm_model=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        chapters = len(app.main.curriculum_tree.root.children)
    print(json.dumps({"asked": asked, "chapters": chapters, "modules": sorted(sys.modules)}))


asyncio.run(main())
"""


def test_first_paint_imports_neither_torch_nor_onnxruntime_nor_pymupdf():
    result = subprocess.run([sys.executable, "-c", FIRST_PAINT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    painted = json.loads(result.stdout.strip().splitlines()[-1])
    assert painted["asked"] == ["model"] and painted["chapters"] > 0  # painted, then asked for the model
    loaded = {m.split(".")[0] for m in painted["modules"]}
    heavy = {"torch", "onnxruntime", "fitz", "pymupdf", "sentence_transformers", "transformers", "faiss"}
    assert not heavy & loaded, sorted(heavy & loaded)


async def test_notes_panel_on_a_narrow_terminal_leaves_the_reader_room():
    from reader.app import make_app

    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#side-panel").display
        assert not screen.query_one("#sidebar").display

"""Pilot tests of the app's study flows: the review screen, the study-time charts on the
progress screen, and exercise solutions (offered once done, the user's own link).

They wait for workers (``app.workers.wait_for_complete()``, ``pilot.pause()``), never sleep.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from apptools import add_note, notifications, quoted_note, screen_text, settle
from textual.widgets import Input, OptionList

from library import progress
from reader.app import make_app
from reader.screens.progress import ProgressScreen, day_label
from reader.screens.review import ReviewScreen
from reader.screens.solutions import SolutionsScreen
from reader.widgets.bar_chart import BarChart, bar_cells


def card(app, note_id):
    return app.conn.execute("SELECT * FROM review_cards WHERE note_id = ?", (note_id,)).fetchone()


async def open_review(app, pilot) -> ReviewScreen:
    await settle(app, pilot)
    await pilot.press("v")
    await settle(app, pilot)
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


# --- review -----------------------------------------------------------------------------------------


async def test_review_shows_cue_reveals_grades_and_moves_on(monkeypatch):
    first = quoted_note("Divide by sqrt(d_k) so the softmax keeps [bold]gradients[/bold].")
    second = add_note("Loss falls as a power law in parameters.", reading_id="scaling-laws", chapter=2)
    app = make_app(warm_model=False)
    shown = notifications(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.item.note_id == first.id
        text = screen_text(app)
        assert "2 due" in text
        assert "Attention Is All You Need" in text
        assert "We suspect that for large values of d_k" in text
        assert "p. 4" in text and "3.2.1 Scaled Dot-Product Attention" in text
        assert "Divide by sqrt(d_k)" not in text  # the note stays hidden until recalled
        # Grading before revealing is refused and writes nothing.
        await pilot.press("3")
        await settle(app, pilot)
        assert card(app, first.id) is None
        assert any("Recall first" in message for message in shown)
        await pilot.press("space")
        await pilot.pause()
        text = screen_text(app)
        assert "Divide by sqrt(d_k) so the softmax keeps [bold]gradients[/bold]." in text  # literal
        assert "#attention" in text
        await pilot.press("3")
        await settle(app, pilot)
        row = card(app, first.id)
        assert row is not None and row["reps"] == 1 and row["card_json"]
        assert row["due"] > time.time()
        log = app.conn.execute("SELECT rating FROM review_log WHERE note_id = ?", (first.id,)).fetchall()
        assert [r["rating"] for r in log] == [3]
        # The next due note is on screen, hidden again, and the count went down.
        assert screen.item.note_id == second.id and not screen.revealed
        text = screen_text(app)
        assert "Scaling Laws for Neural Language Models" in text
        assert "1 due" in text and "1 reviewed today" in text
        assert "Loss falls as a power law" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert "Loss falls as a power law" in screen_text(app)
        await pilot.press("1")
        await settle(app, pilot)
        assert (
            app.conn.execute("SELECT rating FROM review_log WHERE note_id = ?", (second.id,)).fetchone()[0]
            == 1
        )
        assert screen.item is None
        assert "Nothing is due for review" in screen_text(app)
        assert "Reviewed 2 in this session" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)


async def test_exclude_skip_and_review_skipped_again():
    from index import review

    first = add_note("First note.")
    second = add_note("Second note.")
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.item.note_id == first.id
        await pilot.press("x")
        await settle(app, pilot)
        assert review.is_excluded(app.conn, first.id)
        assert card(app, first.id)["card_json"] is None  # excluded, never graded
        assert screen.item.note_id == second.id
        assert "1 excluded" in screen_text(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert screen.item is None
        assert card(app, second.id) is None  # skipping writes nothing
        assert "You skipped the 1 note(s) still due" in screen_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.item.note_id == second.id
    assert [i.note_id for i in review.due(app.conn)] == [second.id]


async def test_nothing_due_says_when_the_next_review_is():
    from index import review
    from index.db import connect

    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot)
        assert "No notes to review yet" in screen_text(app)
    note = add_note("Graded already.")
    conn = connect()
    result = review.grade(conn, note.id, "easy")
    conn.close()
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.item is None
        text = screen_text(app)
        assert "Nothing is due for review" in text
        assert f"Next review: {datetime.fromtimestamp(result.due):%a %d %b %H:%M}" in text
        assert "0 due" in text
        await pilot.press("3")  # no note on screen: nothing to grade
        await settle(app, pilot)
        assert len(review.history(app.conn, note.id)) == 1


async def test_open_in_reader_leaves_review_for_the_note():
    note = add_note("About attention.")
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.item.note_id == note.id
        await pilot.press("o")
        await settle(app, pilot)
        assert not isinstance(app.screen, ReviewScreen)
        assert app.main.reading.id == "attention"


# --- study charts -------------------------------------------------------------------------------------


def log_time(item_id: str, day: date, hours: float) -> None:
    from index.db import connect
    from library import studylog

    start = datetime.combine(day, datetime.min.time()).timestamp() + 10 * 3600
    conn = connect()
    try:
        studylog.add_span(
            conn, curriculum="deep-learning", item_id=item_id, start=start, end=start + hours * 3600
        )
    finally:
        conn.close()


def chart_row(chart: BarChart, start: str) -> str:
    rows = [row for row in chart.plain_rows() if row.startswith(start)]
    assert len(rows) == 1, (start, chart.plain_rows())
    return rows[0]


async def test_progress_charts_show_hours_per_day_and_per_chapter():
    two_days_ago = date.today() - timedelta(days=2)
    five_days_ago = date.today() - timedelta(days=5)
    log_time("attention", two_days_ago, 1.5)
    log_time("ch3", five_days_ago, 0.75)
    log_time("ex1-transformer", five_days_ago - timedelta(days=20), 2.0)  # outside the 14 days
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("t")
        await settle(app, pilot)
        days = app.screen.query_one("#day-chart", BarChart)
        chapters = app.screen.query_one("#chapter-chart", BarChart)
        assert len(days.bars) == 14
        assert chart_row(days, day_label(two_days_ago.isoformat())).endswith("1h 30m")
        assert chart_row(days, day_label(five_days_ago.isoformat())).endswith("45m")
        assert "█" in chart_row(days, day_label(two_days_ago.isoformat()))
        assert chart_row(days, day_label(date.today().isoformat())).endswith("–")
        assert chart_row(chapters, "1 Transformers").endswith("3h 30m")
        assert chart_row(chapters, "3 Training at Scale").endswith("45m")
        assert chart_row(chapters, "2 Scaling Laws").endswith("–")
        # The longest bar belongs to the most time.
        bar = lambda row: row.count("█")  # noqa: E731
        assert (
            bar(chart_row(chapters, "1 Transformers")) > bar(chart_row(chapters, "3 Training at Scale")) > 0
        )
        text = screen_text(app)
        assert "Per day, last 14 days · 2h 15m" in text
        assert "Per chapter, all time · 4h 15m" in text
        assert "1h 30m" in text
        # t goes back to the chapters table.
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one("#chapters-table").region.height > 0


async def test_progress_charts_explain_an_empty_log():
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        text = screen_text(app)
        assert "No study time in these days" in text
        assert "No study time recorded yet" in text


def test_bar_cells_scale_and_never_hide_a_small_value():
    assert bar_cells(10, 10, 20) == "█" * 20
    assert bar_cells(5, 10, 20) == "█" * 10
    assert bar_cells(0, 10, 20) == ""
    assert bar_cells(0.001, 10, 20) == "▏"
    assert bar_cells(3, 10, 4) == "█▎"  # 1.2 cells: one full and two eighths (▎)
    assert len(bar_cells(7, 10, 30)) <= 30


# --- solutions ----------------------------------------------------------------------------------------


async def select(app, pilot, item_id: str) -> None:
    tree = app.main.curriculum_tree
    assert tree.select_item(item_id)
    await pilot.pause()
    tree.focus()
    await pilot.pause()


async def test_marking_an_exercise_done_offers_the_chapters_solutions(monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(app, pilot)
        chapter = app.curriculum.chapter(1)
        exercise = chapter.exercises[0]
        # Before the exercise is done, S explains why no solutions are shown.
        await select(app, pilot, exercise.id)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SolutionsScreen)
        text = screen_text(app)
        assert f"{len(chapter.solutions)} public solution(s), shown once an exercise" in text
        assert chapter.solutions[0].url not in text
        ids = [o.id for o in app.screen.query_one(OptionList).options]
        assert not [i for i in ids if i and i.startswith("url:")]
        await pilot.press("escape")
        await pilot.pause()
        # d on the exercise: done, and the solutions are offered at once.
        await pilot.press("d")
        await settle(app, pilot)
        assert progress.statuses(app.conn, "deep-learning")[exercise.id]["status"] == "done"
        screen = app.screen
        assert isinstance(screen, SolutionsScreen) and screen.just_done == exercise.id
        text = screen_text(app)
        assert "is marked done" in text
        for link in chapter.solutions[:2]:
            assert link.title in text and link.url in text
        listing = screen.query_one(OptionList)
        assert listing.highlighted_option.id == "url:0"
        await pilot.press("enter")
        await settle(app, pilot)
        assert opened == [chapter.solutions[0].url]
        await pilot.press("escape")
        await pilot.pause()
        # Marking it done again does not offer them twice.
        await pilot.press("d")
        await settle(app, pilot)
        assert not isinstance(app.screen, SolutionsScreen)


async def test_own_solution_link_is_saved_from_the_dialog_and_from_the_tree(monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(app, pilot)
        ex2 = app.curriculum.chapter(2).exercises[0].id
        await select(app, pilot, ex2)
        await pilot.press("d")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SolutionsScreen)
        screen.query_one(OptionList).highlighted = 0  # the exercise's own row
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = "https://example.org/[me]/scaling"
        await pilot.press("enter")
        await settle(app, pilot)
        rows = progress.statuses(app.conn, "deep-learning")
        assert rows[ex2]["solution_url"] == "https://example.org/[me]/scaling"
        assert rows[ex2]["status"] == "done"  # the link leaves the status alone
        assert app.screen is screen
        assert "yours: https://example.org/[me]/scaling" in screen_text(app)
        screen.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert opened == ["https://example.org/[me]/scaling"]
        await pilot.press("escape")
        await pilot.pause()
        # L on an exercise still to do: the link is kept, the status stays "todo".
        ex3 = app.curriculum.chapter(3).exercises[0].id
        await select(app, pilot, ex3)
        await pilot.press("L")
        await pilot.pause()
        app.screen.query_one(Input).value = "https://example.org/adam"
        await pilot.press("enter")
        await settle(app, pilot)
        rows = progress.statuses(app.conn, "deep-learning")
        assert rows[ex3]["solution_url"] == "https://example.org/adam" and rows[ex3]["status"] == "todo"
        # S on that chapter: its public solutions stay hidden, the user's link shows.
        await pilot.press("S")
        await pilot.pause()
        text = screen_text(app)
        assert "yours: https://example.org/adam" in text and "shown once an exercise" in text


async def test_chapter_without_solutions_says_so(monkeypatch):
    app = make_app(warm_model=False)
    shown = notifications(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        exercise = app.curriculum.chapter(0).exercises[0].id
        await select(app, pilot, exercise)
        await pilot.press("d")
        await settle(app, pilot)
        assert not isinstance(app.screen, SolutionsScreen)
        assert any("L keeps a link" in message for message in shown)
        await pilot.press("S")
        await pilot.pause()
        assert "No public solutions are listed for this chapter." in screen_text(app)


async def test_palette_offers_review_and_solutions():
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for expected in ("Review notes", "Exercise solutions", "Set your solution link"):
            assert expected in titles, expected
        sections = dict(app.help_sections())
        assert sections["Review"] is ReviewScreen and sections["Solutions"] is SolutionsScreen

"""Snapshots of the main screens (pytest-textual-snapshot), at 80x24 unless a test needs more room. Update with
``pytest tests/test_app_snapshots.py --snapshot-update`` after a deliberate change, and look at
the SVGs before accepting them."""

from __future__ import annotations

from apptools import add_note

from reader.app import make_app


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_on_a_fresh_home(snap_compare):
    assert snap_compare(make_app(warm_model=False), terminal_size=(80, 24), run_before=_settle)


def test_progress_screen(snap_compare):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        from library import progress

        progress.mark(pilot.app.conn, pilot.app.curriculum, "attention", "done")
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(make_app(warm_model=False), terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare):
    assert snap_compare(
        make_app(warm_model=False), terminal_size=(80, 24), press=["question_mark"], run_before=_settle
    )


def test_reading_not_fetched_yet_on_a_wide_terminal(snap_compare):
    """120x40: the three columns, the tree open at chapter 1, a reading that says how to fetch it."""

    async def run_before(pilot) -> None:
        await _settle(pilot)
        pilot.app.main.open_reading("attention")
        await _settle(pilot)

    assert snap_compare(make_app(warm_model=False), terminal_size=(120, 40), run_before=run_before)


def test_review_screen_with_a_note_due(snap_compare):
    async def run_before(pilot) -> None:
        add_note("Why divide by the square root of the key dimension?", reading_key="arxiv:1706.03762")
        await _settle(pilot)
        await pilot.press("v")
        await _settle(pilot)

    assert snap_compare(make_app(warm_model=False), terminal_size=(80, 24), run_before=run_before)


def test_solutions_dialog_after_an_exercise_is_done(snap_compare):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        exercise = pilot.app.curriculum.chapter(1).exercises[0]
        pilot.app.main.curriculum_tree.select_item(exercise.id)
        await _settle(pilot)
        pilot.app.main.curriculum_tree.focus()
        await pilot.press("d")
        await _settle(pilot)
        pilot.app.clear_notifications()  # the "done" toast times out: a snapshot must not race it
        await _settle(pilot)

    assert snap_compare(make_app(warm_model=False), terminal_size=(100, 30), run_before=run_before)

"""Snapshots of the main screens at 80x24 (pytest-textual-snapshot). Update with
``pytest tests/test_app_snapshots.py --snapshot-update`` after a deliberate change, and look at
the SVGs before accepting them."""

from __future__ import annotations

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

"""Pace: chapter targets from effort guidance or the user, standing against them, next days."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from library import curricula, plan, progress, studylog
from library.catalogue import load_bundled
from library.errors import UsageError


@pytest.fixture
def conn():
    from index.db import connect

    c = connect()
    yield c
    c.close()


def test_default_targets_follow_study_order_and_effort(conn):
    cur = load_bundled("deep-learning")
    result = plan.build(conn, cur, today=date(2026, 11, 20), start=date(2026, 11, 20))
    order = [c.number for c in result.chapters]
    assert order == progress.study_order(cur)
    targets = {c.number: c for c in result.chapters}
    # Chapter 0 requires one exercise and no effort: one day. Then 8.75-day chapters, chained.
    assert targets[0].target == "2026-11-20"
    assert targets[1].days == pytest.approx(sum(cur.chapter(1).effort_days) / 2)
    assert targets[1].target == "2026-11-29"  # day 1 + 8.75 = 9.75 days -> the 10th day
    dates = [date.fromisoformat(c.target) for c in result.chapters]
    assert dates == sorted(dates)
    assert result.current == 0 and result.start_source == "given"


def test_sprint_plan_puts_two_days_of_chapters(conn):
    cur = load_bundled("sprint-24h")
    result = plan.build(conn, cur, today=date(2026, 11, 21), start=date(2026, 11, 21))
    assert [(c.number, c.target) for c in result.chapters] == [
        (1, "2026-11-21"),
        (2, "2026-11-21"),
        (3, "2026-11-21"),
        (4, "2026-11-22"),
        (5, "2026-11-22"),
    ]


def test_set_target_moves_later_chapters_and_persists(conn):
    cur = load_bundled("sprint-24h")
    plan.set_target(conn, cur, 2, date(2026, 11, 25))
    result = plan.build(conn, cur, today=date(2026, 11, 21), start=date(2026, 11, 21))
    by = {c.number: c for c in result.chapters}
    assert by[2].target == "2026-11-25" and by[2].target_set
    assert by[3].target == "2026-11-26" and not by[3].target_set
    plan.clear_target(conn, cur, 2)
    assert plan.build(conn, cur, start=date(2026, 11, 21)).chapters[1].target == "2026-11-21"
    with pytest.raises(UsageError, match="no chapter 9"):
        plan.set_target(conn, cur, 9, date(2026, 11, 25))


def test_standing_behind_on_track_done(conn):
    cur = load_bundled("sprint-24h")
    curricula.use(conn, "sprint-24h")
    progress.mark(conn, cur, "sprint-3b1b-neural-networks", "done")
    later = plan.build(conn, cur, today=date(2026, 11, 25), start=date(2026, 11, 21))
    by = {c.number: c for c in later.chapters}
    assert by[1].status == "done" and (by[1].done, by[1].total) == (1, 1)
    assert by[2].status == "behind" and by[5].status == "behind"
    now = plan.build(conn, cur, today=date(2026, 11, 21), start=date(2026, 11, 21))
    assert {c.number: c.status for c in now.chapters}[2] == "on track"
    # Work on a chapter before its window opens is ahead of the plan.
    progress.mark(conn, cur, "sprint-resnets", "done")
    early = plan.build(conn, cur, today=date(2026, 11, 20), start=date(2026, 11, 21))
    assert {c.number: c.status for c in early.chapters}[4] == "ahead"


def test_start_defaults_to_first_activity(conn):
    cur = load_bundled("sprint-24h")
    assert plan.start_date(conn, "sprint-24h", today=date(2026, 1, 1)) == (date(2026, 1, 1), "today")
    studylog.add_span(
        conn,
        curriculum="sprint-24h",
        item_id="sprint-resnets",
        start=datetime(2026, 11, 19, 10).timestamp(),
        end=datetime(2026, 11, 19, 11).timestamp(),
    )
    assert plan.start_date(conn, "sprint-24h") == (date(2026, 11, 19), "first activity")
    plan.set_start(conn, "sprint-24h", date(2026, 11, 1))
    assert plan.start_date(conn, "sprint-24h") == (date(2026, 11, 1), "set")
    result = plan.build(conn, cur)
    assert result.start == "2026-11-01"
    assert {c.number: c.logged_seconds for c in result.chapters}[4] == 3600


def test_next_days_list_unfinished_work_with_estimates(conn):
    cur = load_bundled("sprint-24h")
    progress.mark(conn, cur, "sprint-3b1b-neural-networks", "done")
    progress.mark(conn, cur, "sprint-khan-multivariable", "reading")
    result = plan.build(
        conn, cur, today=date(2026, 11, 21), start=date(2026, 11, 21), days=2, hours_per_day=4
    )
    first = result.next_days[0]
    ids = [i.id for i in first.items]
    assert ids[0] == "sprint-3b1b-linear-algebra" and "sprint-3b1b-neural-networks" not in ids
    la = first.items[0]
    assert la.minutes == 145 and "Determinant" in la.skip
    assert all(d.minutes <= 4 * 60 or len(d.items) == 1 for d in result.next_days)
    assert len(result.next_days) == 2 and result.next_days[1].day == "2026-11-22"
    # Within a chapter, started work comes first.
    assert result.next_days[1].items[0].id == "sprint-khan-multivariable"


def test_paper_estimates_use_page_counts(conn):
    cur = load_bundled("deep-learning")
    reading = next(r for _, r in cur.all_readings() if r.pages)
    assert plan.item_minutes(reading) == progress.estimate_minutes(reading.pages)


def test_cli_plan_json_and_bad_input(run_cli):
    assert run_cli("curriculum", "use", "sprint-24h")[0] == 0
    code, out, _ = run_cli("plan", "--start", "2026-11-21", "--set", "3", "2026-11-23", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["start"] == "2026-11-21"
    assert {c["number"]: c["target"] for c in data["chapters"]}[3] == "2026-11-23"
    for args, message in [
        (("plan", "--set", "3", "next tuesday"), "cannot read date"),
        (("plan", "--set", "three", "2026-11-23"), "chapter number"),
        (("plan", "--set", "12", "2026-11-23"), "no chapter 12"),
        (("plan", "--start", "11/21/2026"), "cannot read date"),
    ]:
        code, _, err = run_cli(*args)
        assert code == 2 and message in err
    # Nothing of the bad calls landed.
    data = json.loads(run_cli("plan", "--json")[1])
    assert data["start"] == "2026-11-21"
    assert {c["number"]: c["target"] for c in data["chapters"]}[3] == "2026-11-23"
    code, out, _ = run_cli("plan", "--days", "1")
    assert code == 0 and "Next days" in out and "skip:" in out

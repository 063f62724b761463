"""The study log: spans of study and breaks, by hand and from the app, and the hours report."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from library import studylog
from library.errors import UsageError


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture
def conn():
    from index.db import connect

    c = connect()
    yield c
    c.close()


def rows(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM study_spans ORDER BY id")]


# --- durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("45m", 2700),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1.5h", 5400),
        ("90", 5400),
        ("1:30", 5400),
        ("2 hours", 7200),
        ("30s", 30),
        ("1h5m30s", 3930),
        ("  20 min ", 1200),
        (".5h", 1800),
    ],
)
def test_durations_people_type(text, seconds):
    assert studylog.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "abc", "45x", "5m5m", "1h-30m", "0", "0m", "m", "1:75", "-5m", "45m extra"]
)
def test_bad_durations_are_clear_errors(text):
    with pytest.raises(UsageError, match="duration"):
        studylog.parse_duration(text)


def test_bad_time_is_a_clear_error():
    with pytest.raises(UsageError, match="cannot read time"):
        studylog.parse_when("yesterday-ish")
    assert studylog.parse_when("2026-11-20 14:00") == at("2026-11-20T14:00")


# --- spans ----------------------------------------------------------------------------------------


def test_add_span_and_overlap_rejected_nothing_lost(conn):
    first = studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="attention",
        start=at("2026-11-20 10:00"),
        end=at("2026-11-20 10:45"),
    )
    assert first.chapter == 1 and first.seconds() == 2700
    before = rows(conn)
    for start, end in [("10:30", "11:00"), ("09:30", "10:01"), ("10:10", "10:20"), ("09:00", "12:00")]:
        with pytest.raises(UsageError, match="overlaps attention"):
            studylog.add_span(
                conn,
                curriculum="deep-learning",
                item_id="attention",
                start=at(f"2026-11-20 {start}"),
                end=at(f"2026-11-20 {end}"),
            )
    assert rows(conn) == before
    # Touching is not overlapping.
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="attention",
        start=at("2026-11-20 10:45"),
        end=at("2026-11-20 11:00"),
    )
    assert len(rows(conn)) == 2


def test_add_span_rejects_unknown_item_and_backwards_span(conn):
    with pytest.raises(UsageError, match="no reading or exercise"):
        studylog.add_span(
            conn,
            curriculum="deep-learning",
            item_id="no-such-thing",
            start=at("2026-11-20 10:00"),
            end=at("2026-11-20 10:45"),
        )
    with pytest.raises(UsageError, match="end after it starts"):
        studylog.add_span(
            conn,
            curriculum="deep-learning",
            item_id="attention",
            start=at("2026-11-20 10:00"),
            end=at("2026-11-20 09:00"),
        )
    with pytest.raises(UsageError, match="no chapter 42"):
        studylog.add_span(
            conn,
            curriculum="deep-learning",
            item_id="ch42",
            start=at("2026-11-20 10:00"),
            end=at("2026-11-20 11:00"),
        )
    assert rows(conn) == []


def test_chapter_spans(conn):
    span = studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="ch3",
        start=at("2026-11-20 10:00"),
        end=at("2026-11-20 11:00"),
    )
    assert span.item_id is None and span.chapter == 3 and span.what == "chapter 3"


def test_start_break_stop(conn):
    studylog.start(conn, "deep-learning", "attention", at=at("2026-11-20 10:00"))
    before = rows(conn)
    with pytest.raises(UsageError, match=r"already logging attention since 10:00; `log stop` first"):
        studylog.start(conn, "deep-learning", "gpt3", at=at("2026-11-20 10:05"))
    assert rows(conn) == before
    ended, brk = studylog.take_break(conn, "deep-learning", at=at("2026-11-20 10:30"))
    assert ended.seconds() == 1800 and brk.running and brk.kind == "break" and brk.chapter == 1
    with pytest.raises(UsageError, match="already on a break"):
        studylog.take_break(conn, "deep-learning", at=at("2026-11-20 10:35"))
    # Starting study ends the break where the study starts.
    studylog.start(conn, "deep-learning", "attention", at=at("2026-11-20 10:40"))
    assert studylog.get_span(conn, brk.id).seconds() == 600
    done = studylog.stop(conn, at=at("2026-11-20 11:00"))
    assert done.seconds() == 1200 and studylog.running(conn) is None


def test_stop_with_nothing_started(conn):
    with pytest.raises(UsageError, match="nothing is being logged"):
        studylog.stop(conn)
    assert rows(conn) == []


def test_running_span_blocks_later_spans(conn):
    studylog.start(conn, "deep-learning", "attention", at=at("2026-11-20 10:00"))
    with pytest.raises(UsageError, match="overlaps"):
        studylog.add_span(
            conn,
            curriculum="deep-learning",
            item_id="gpt3",
            start=at("2026-11-20 10:30"),
            end=at("2026-11-20 10:45"),
        )
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="gpt3",
        start=at("2026-11-20 09:00"),
        end=at("2026-11-20 09:45"),
    )


def test_app_stretches_skip_time_already_logged(conn):
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="attention",
        start=at("2026-11-20 10:20"),
        end=at("2026-11-20 10:30"),
    )
    pieces = studylog.record_app_stretch(
        conn,
        curriculum="deep-learning",
        item_id="attention",
        start=at("2026-11-20 10:00"),
        end=at("2026-11-20 11:00"),
    )
    assert [(p.start, p.end) for p in pieces] == [
        (at("2026-11-20 10:00"), at("2026-11-20 10:20")),
        (at("2026-11-20 10:30"), at("2026-11-20 11:00")),
    ]
    assert all(p.source == "app" for p in pieces)
    assert studylog.totals_by_item(conn, "deep-learning") == {"attention": 3600.0}


def test_app_and_manual_spans_make_the_same_rows(conn, run_cli):
    # The app saw the reading open 10:00-10:50 with the user idle 10:20-10:35: two active stretches.
    for start, end in [("10:00", "10:20"), ("10:35", "10:50")]:
        studylog.add_span(
            conn,
            curriculum="deep-learning",
            item_id="attention",
            source="app",
            start=at(f"2026-11-20 {start}"),
            end=at(f"2026-11-20 {end}"),
        )
    # The same study logged by hand, a day later.
    assert run_cli("log", "start", "attention", "--at", "2026-11-21 10:00")[0] == 0
    assert run_cli("log", "stop", "--at", "2026-11-21 10:20")[0] == 0
    assert run_cli("log", "add", "attention", "15m", "--at", "2026-11-21 10:35")[0] == 0
    code, out, _ = run_cli("log", "report", "--csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    shape = [(r["what"], r["minutes"], r["start"], r["end"], r["kind"]) for r in table]
    app = [s for r, s in zip(table, shape, strict=False) if r["date"] == "2026-11-20"]
    manual = [s for r, s in zip(table, shape, strict=False) if r["date"] == "2026-11-21"]
    assert (
        app
        == manual
        == [("attention", "20", "10:00", "10:20", "study"), ("attention", "15", "10:35", "10:50", "study")]
    )
    assert [r["source"] for r in table] == ["app", "app", "manual", "manual"]
    code, out, _ = run_cli("log", "report", "--by", "reading", "--json")
    import json

    report = json.loads(out)
    assert report["rows"][0]["seconds"] == pytest.approx(70 * 60) and report["rows"][0]["sessions"] == 4


def test_report_by_day_and_chapter(conn):
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="attention",
        start=at("2026-11-20 10:00"),
        end=at("2026-11-20 10:28"),
    )
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id=None,
        kind="break",
        chapter=1,
        start=at("2026-11-20 10:28"),
        end=at("2026-11-20 10:32"),
    )
    studylog.add_span(
        conn,
        curriculum="deep-learning",
        item_id="ch6",
        start=at("2026-11-21 11:00"),
        end=at("2026-11-21 12:06"),
    )
    by_day = studylog.report(conn, "deep-learning", "day")
    assert [(d, [(r.what, r.minutes) for r in rs]) for d, rs in by_day.days()] == [
        ("2026-11-20", [("attention", 28), ("break", 4)]),
        ("2026-11-21", [("chapter 6", 66)]),
    ]
    assert by_day.study_seconds == 94 * 60 and by_day.break_seconds == 240
    by_chapter = {r.group: r for r in studylog.report(conn, "deep-learning", "chapter").rows}
    assert by_chapter["1"].minutes == 28 and by_chapter["1"].break_seconds == 240
    assert by_chapter["6"].minutes == 66 and by_chapter["6"].title == "Reinforcement Learning"
    assert studylog.totals_by_chapter(conn, "deep-learning") == {1: 28 * 60, 6: 66 * 60}
    totals = dict(studylog.daily_totals(conn, 3, now=at("2026-11-22 09:00")))
    assert totals == {"2026-11-20": 28 * 60, "2026-11-21": 66 * 60, "2026-11-22": 0.0}
    with pytest.raises(UsageError, match="unknown report grouping"):
        studylog.report(conn, "deep-learning", "week")


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_errors_exit_2_and_change_nothing(run_cli, conn):
    code, _, err = run_cli("log", "stop")
    assert code == 2 and "nothing is being logged" in err
    assert run_cli("log", "add", "attention", "45m", "--at", "2026-11-20 14:00")[0] == 0
    before = rows(conn)
    code, _, err = run_cli("log", "add", "gpt3", "30m", "--at", "2026-11-20 14:30")
    assert code == 2 and "overlaps attention" in err
    code, _, err = run_cli("log", "add", "gpt3", "forty", "--at", "2026-11-20 16:00")
    assert code == 2 and "cannot read duration" in err
    code, _, err = run_cli("log", "add", "gpt3", "30m", "--at", "soon")
    assert code == 2 and "cannot read time" in err
    assert run_cli("log", "start", "gpt3")[0] == 0
    running_rows = rows(conn)
    code, _, err = run_cli("log", "start", "attention")
    assert code == 2 and "already logging gpt3 since" in err and "`log stop` first" in err
    assert rows(conn) == running_rows and len(rows(conn)) == len(before) + 1


def test_cli_break_add_and_remove(run_cli, conn):
    assert run_cli("log", "add", "break", "10m", "--at", "2026-11-20 15:00")[0] == 0
    span = studylog.spans(conn)[0]
    assert span.kind == "break" and span.item_id is None and span.seconds() == 600
    code, out, _ = run_cli("log", "report")
    assert code == 0 and "break" in out and "15:00" in out
    assert run_cli("log", "remove", str(span.id))[0] == 0
    assert rows(conn) == []
    assert run_cli("log", "remove", "99")[0] == 2


@pytest.mark.parametrize(
    "args",
    [
        ["log", "add", "attention", "99999999h", "--at", "2026-01-01 10:00"],
        ["log", "add", "attention", "30m", "--at", "0001-01-01 00:00"],
        ["plan", "--start", "9999-12-20"],
    ],
)
def test_out_of_range_times_are_refused_and_nothing_is_logged(run_cli, args):
    code, _, err = run_cli(*args)
    assert code == 2 and err.startswith("error: ")
    code, out, _ = run_cli("log", "report", "--json")
    assert code == 0 and "attention" not in out

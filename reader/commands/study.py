"""Study commands: the study log (``log``) and pace (``plan``)."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import click

from library import plan as plan_mod
from library import studylog
from library.errors import UsageError
from reader.output import ID, NUMBER, console, emit_json, text
from reader.session import Session

if TYPE_CHECKING:
    from rich.console import JustifyMethod

pass_session = click.make_pass_decorator(Session)


def _when(value: str | None) -> float | None:
    return studylog.parse_when(value) if value else None


# --- log -------------------------------------------------------------------------------------------


@click.group()
def log() -> None:
    """The study log: time spent per reading, exercise or chapter, and breaks.

    The app logs a reading while it is open and you are active; these commands log by hand.
    ID is a reading or exercise id, or a chapter (ch3).
    """


@log.command(name="start")
@click.argument("item_id", metavar="ID")
@click.option(
    "--at", "at", metavar="TIME", help='When you started ("14:00" or "2026-11-20 14:00"); default now.'
)
@click.option("--note", help="A word on what you are doing.")
@pass_session
def log_start(session: Session, item_id: str, at: str | None, note: str | None) -> None:
    """Start logging study of ID (ends a running break)."""
    span = studylog.start(session.conn, session.curriculum.name, item_id, at=_when(at), note=note)
    click.echo(f"logging {span.what} since {studylog.clock(span.start)}")


@log.command(name="break")
@click.option("--at", "at", metavar="TIME", help="When the break started; default now.")
@pass_session
def log_break(session: Session, at: str | None) -> None:
    """End the running study span and start a break (`log start ID` or `log stop` ends it)."""
    ended, brk = studylog.take_break(session.conn, session.curriculum.name, at=_when(at))
    if ended:
        click.echo(_ended(ended))
    click.echo(f"break since {studylog.clock(brk.start)}")


@log.command(name="stop")
@click.option("--at", "at", metavar="TIME", help="When you stopped; default now.")
@pass_session
def log_stop(session: Session, at: str | None) -> None:
    """Stop the running span (study or break)."""
    click.echo(_ended(studylog.stop(session.conn, at=_when(at))))


def _ended(span: studylog.Span) -> str:
    if not span.kept:
        return f"{span.what}: under a minute, not kept"
    return (
        f"{span.what}: {studylog.format_duration(span.seconds())} "
        f"({studylog.clock(span.start)}-{studylog.clock(span.end)})"
    )


@log.command(name="add")
@click.argument("item_id", metavar="ID")
@click.argument("duration")
@click.option("--at", "at", metavar="TIME", help="When it started; default: it ended just now.")
@click.option("--note", help="A word on what you did.")
@pass_session
def log_add(session: Session, item_id: str, duration: str, at: str | None, note: str | None) -> None:
    """Record time already spent: `log add ID 45m`, `log add ch3 1h30m --at "2026-11-20 14:00"`.

    ID `break` records a break. DURATION: 45m, 1h30m, 1.5h, 1:30, or minutes (90)."""
    seconds = studylog.parse_duration(duration)
    start = _when(at)
    if start is None:
        start = time.time() - seconds
    is_break = item_id.strip().lower() == studylog.BREAK_WORD
    span = studylog.add_span(
        session.conn,
        curriculum=session.curriculum.name,
        item_id=None if is_break else item_id,
        kind="break" if is_break else "study",
        start=start,
        end=start + seconds,
        source="manual",
        note=note,
    )
    click.echo(
        f"logged {span.what}: {studylog.format_duration(span.seconds())} "
        f"({datetime.fromtimestamp(span.start):%Y-%m-%d %H:%M}-{studylog.clock(span.end)}, entry {span.id})"
    )


@log.command(name="status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def log_status(session: Session, as_json: bool) -> None:
    """What is being logged now."""
    span = studylog.running(session.conn)
    if as_json:
        emit_json(span.to_dict() if span else None)
        return
    if span is None:
        click.echo("nothing is being logged")
    else:
        click.echo(
            f"{span.what} since {studylog.clock(span.start)} ({studylog.format_duration(span.seconds())})"
        )


@log.command(name="remove")
@click.argument("entry", type=ID)
@pass_session
def log_remove(session: Session, entry: int) -> None:
    """Delete log entry ENTRY (its number is in `log report`)."""
    span = studylog.remove_span(session.conn, entry)
    click.echo(f"removed entry {span.id}: {span.what} {studylog.format_duration(span.seconds())}")


@log.command(name="report")
@click.option(
    "--by",
    type=click.Choice(studylog.REPORT_BY),
    default="day",
    show_default=True,
    help="One row per span, grouped by day; or totals per chapter or per reading.",
)
@click.option("--days", type=click.IntRange(min=1, max=36500), help="Only the last N days.")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV to stdout.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def log_report(session: Session, by: str, days: int | None, as_csv: bool, as_json: bool) -> None:
    """The hours table: what, how long, when it started and ended, breaks."""
    since = date.today() - timedelta(days=days - 1) if days else None
    result = studylog.report(session.conn, session.curriculum.name, by, since=since)
    if as_csv:
        studylog.write_csv(result, sys.stdout)
        return
    if as_json:
        emit_json(result.to_dict())
        return
    if not result.rows:
        click.echo("nothing logged yet: `syllabus log start ID`, or open a reading in the app")
        return
    from rich.table import Table

    fmt = studylog.format_duration
    out = console()
    if by == "day":
        for day, rows in result.days():
            study = sum(r.seconds for r in rows if r.kind == "study")
            rest = sum(r.seconds for r in rows if r.kind == "break")
            table = Table(
                title=f"{day}  study {fmt(study)}, breaks {fmt(rest)}",
                title_justify="left",
                box=None,
                pad_edge=False,
            )
            columns: tuple[tuple[str, JustifyMethod], ...] = (
                ("#", "right"),
                ("what", "left"),
                ("time", "right"),
                ("start", "left"),
                ("end", "left"),
                ("", "left"),
            )
            for col, justify in columns:
                table.add_column(col, justify=justify)
            for r in rows:
                style = "dim" if r.kind == "break" else ""
                label = r.title if r.kind == "break" or r.title == r.what else f"{r.what}  {r.title}"
                table.add_row(
                    str(r.span_id),
                    text(label, style),
                    fmt(r.seconds),
                    studylog.clock(r.start),
                    studylog.clock(r.end),
                    text(("app" if r.source == "app" else "") + (f"  {r.note}" if r.note else ""), "dim"),
                )
            out.print(table)
            out.print()
    else:
        table = Table(box=None, pad_edge=False)
        totals_columns: tuple[tuple[str, JustifyMethod], ...] = (
            (by, "left"),
            ("title", "left"),
            ("study", "right"),
            ("breaks", "right"),
            ("sessions", "right"),
            ("first", "left"),
            ("last", "left"),
        )
        for col, justify in totals_columns:
            table.add_column(col, justify=justify)
        for r in result.rows:
            table.add_row(
                r.group,
                text(r.title),
                fmt(r.seconds),
                fmt(r.break_seconds),
                str(r.sessions),
                f"{datetime.fromtimestamp(r.start):%Y-%m-%d %H:%M}" if r.start else "",
                f"{datetime.fromtimestamp(r.end):%Y-%m-%d %H:%M}" if r.end else "now",
            )
        out.print(table)
    out.print(text(f"total: study {fmt(result.study_seconds)}, breaks {fmt(result.break_seconds)}", "bold"))


# --- plan ------------------------------------------------------------------------------------------


PACE_STYLE = {
    "done": "green",
    "ahead": "cyan",
    "on track": "green",
    "behind": "red",
    "upcoming": "dim",
    "optional": "dim",
}


@click.command(name="plan")
@click.option("--start", "start", metavar="DATE", help="Plan from this day (kept for next time).")
@click.option("--set", "set_target", nargs=2, metavar="CHAPTER DATE", help="Target date for a chapter.")
@click.option("--clear", "clear_target", type=NUMBER, metavar="CHAPTER", help="Back to the computed target.")
@click.option(
    "--days",
    default=3,
    show_default=True,
    type=click.IntRange(min=0, max=365),
    help="How many next days to suggest.",
)
@click.option(
    "--hours",
    default=plan_mod.DEFAULT_HOURS_PER_DAY,
    show_default=True,
    type=click.FloatRange(0, 24, min_open=True),
    help="Hours of study in a day.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def plan(
    session: Session,
    start: str | None,
    set_target: tuple[str, str] | None,
    clear_target: int | None,
    days: int,
    hours: float,
    as_json: bool,
) -> None:
    """Target dates per chapter, where you stand against them, and what the next days should cover."""
    conn, cur = session.conn, session.curriculum
    # Parse everything before writing anything.
    if hours != hours:  # NaN passes every range check
        raise UsageError("--hours must be a number of hours between 0 and 24")
    start_day = plan_mod.parse_date(start) if start else None
    target = None
    if set_target:
        number, target_day = set_target
        try:
            chapter = int(number)
        except ValueError:
            raise UsageError(f"--set wants a chapter number and a date, not {number!r}") from None
        target = (chapter, plan_mod.parse_date(target_day))
        cur.chapter(chapter)
    if clear_target is not None:
        cur.chapter(clear_target)
    if start_day:
        plan_mod.set_start(conn, cur.name, start_day)
    if target:
        plan_mod.set_target(conn, cur, *target)
    if clear_target is not None:
        plan_mod.clear_target(conn, cur, clear_target)
    result = plan_mod.build(conn, cur, days=days, hours_per_day=hours)
    if as_json:
        emit_json(result.to_dict())
        return
    from rich.table import Table

    out = console()
    out.print(text(f"{cur.title}: from {result.start} ({result.start_source}), today {result.today}", "bold"))
    table = Table(box=None, pad_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("ch", "right"),
        ("chapter", "left"),
        ("target", "left"),
        ("done", "right"),
        ("logged", "right"),
        ("pace", "left"),
    )
    for col, justify in columns:
        table.add_column(col, justify=justify)
    for ch in result.chapters:
        marker = "*" if ch.target_set else ""
        table.add_row(
            str(ch.number),
            text(ch.title),
            ch.target + marker,
            f"{ch.done}/{ch.total}",
            studylog.format_duration(ch.logged_seconds) if ch.logged_seconds else "",
            text(ch.status, PACE_STYLE.get(ch.status, "")),
        )
    out.print(table)
    if any(ch.target_set for ch in result.chapters):
        out.print(text("* set by you", "dim"))
    if not result.next_days:
        out.print(text("Nothing left to plan: every chapter's work is done.", "green"))
        return
    out.print()
    out.print(text("Next days", "bold underline"))
    for day in result.next_days:
        out.print(text(f"{day.day}  ({studylog.format_duration(day.minutes * 60)})", "bold"))
        for item in day.items:
            time_ = studylog.format_duration(item.minutes * 60) if item.minutes else "time unknown"
            line = text(f"  ch {item.chapter}  ", "dim") + text(f"{item.id:<26} ", "bold") + text(item.title)
            line.append(
                f"  {item.kind}, {time_}" + (" · started" if item.status in ("reading", "doing") else ""),
                "dim",
            )
            out.print(line)
            if item.skip:
                out.print(text("      skip: " + "; ".join(item.skip), "dim"))


COMMANDS = [log, plan]

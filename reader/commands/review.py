"""Checking what you learned: spaced review of notes (``review``) and the public solutions of a
chapter's exercises (``solutions``)."""

from __future__ import annotations

from datetime import datetime

import click

from index import review as rv
from library.errors import UsageError
from library.solutions import solutions_of
from reader.output import ID, NUMBER, console, emit_json, text
from reader.session import Session

pass_session = click.make_pass_decorator(Session)


# --- review ----------------------------------------------------------------------------------------


def _show_cue(item, position: str) -> None:
    out = console()
    where = item.reading_title or item.reading_id or "no reading"
    chapter = f", chapter {item.chapter}" if item.chapter is not None else ""
    out.print(text(f"[{position}] note {item.note_id} · {where}{chapter} · {item.state}", "bold"))
    if item.quote:
        out.print(text(f"  “{item.quote}”", "italic"))
    if item.tags:
        out.print(text("  tags: " + ", ".join(item.tags), "dim"))


@click.group(name="review", invoke_without_command=True)
@click.option("--limit", type=ID, help="Review at most N notes.")
@click.option("--json", "as_json", is_flag=True, help="List the due notes as JSON, without grading.")
@pass_session
@click.pass_context
def review(ctx: click.Context, session: Session, limit: int | None, as_json: bool) -> None:
    """Spaced review of your notes: each due note is shown (its reading and quote first, then your
    note) and you grade your recall: again, hard, good or easy. Enter s to skip, x to exclude the
    note from review, q to stop."""
    if ctx.invoked_subcommand is not None:
        return

    items = rv.due(session.conn, limit=limit)
    if as_json:
        emit_json([i.to_dict() for i in items])
        return
    if not items:
        stats = rv.stats(session.conn)
        nxt = f"; next at {datetime.fromtimestamp(stats.next_due):%Y-%m-%d %H:%M}" if stats.next_due else ""
        click.echo(f"no notes due for review{nxt}")
        return
    out = console()
    graded = 0
    for n, item in enumerate(items, 1):
        _show_cue(item, f"{n}/{len(items)}")
        click.prompt(
            "  recall your note, then press Enter", default="", show_default=False, prompt_suffix=" "
        )
        out.print(text(item.body))
        while True:
            answer = (
                click.prompt("  grade [again/hard/good/easy, 1-4, s=skip, x=exclude, q=quit]").strip().lower()
            )
            if answer in ("q", "quit"):
                click.echo(f"reviewed {graded}")
                return
            if answer in ("s", "skip"):
                break
            if answer in ("x", "exclude"):
                rv.exclude(session.conn, item.note_id)
                click.echo(f"  note {item.note_id} excluded from review")
                break
            try:
                result = rv.grade(session.conn, item.note_id, answer)
            except UsageError as exc:
                click.echo(f"  {exc}", err=True)
                continue
            graded += 1
            click.echo(f"  {result.rating_name}: next review {_in(result.interval_seconds)}")
            break
        out.print()
    click.echo(f"reviewed {graded}")


def _in(seconds: float) -> str:
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))} min"
    if seconds < 86400 * 2:
        return f"in {round(seconds / 3600)} h"
    return f"in {round(seconds / 86400)} days"


@review.command(name="grade")
@click.argument("note_id", type=ID)
@click.argument("rating")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def review_grade(session: Session, note_id: int, rating: str, as_json: bool) -> None:
    """Grade note NOTE_ID without the interactive loop: RATING is again, hard, good, easy or 1-4."""
    result = rv.grade(session.conn, note_id, rating)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(
        f"note {note_id}: {result.rating_name}; next review {_in(result.interval_seconds)} "
        f"({datetime.fromtimestamp(result.due):%Y-%m-%d %H:%M})"
    )


@review.command(name="exclude")
@click.argument("note_id", type=ID)
@pass_session
def review_exclude(session: Session, note_id: int) -> None:
    """Keep note NOTE_ID out of review."""
    rv.exclude(session.conn, note_id)
    click.echo(f"note {note_id} excluded from review")


@review.command(name="include")
@click.argument("note_id", type=ID)
@pass_session
def review_include(session: Session, note_id: int) -> None:
    """Bring note NOTE_ID back into review."""
    rv.include(session.conn, note_id)
    click.echo(f"note {note_id} back in review")


@review.command(name="stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def review_stats(session: Session, as_json: bool) -> None:
    """How many notes are due, new, excluded, and reviewed today."""
    stats = rv.stats(session.conn)
    if as_json:
        emit_json(stats.to_dict())
        return
    nxt = f", next {datetime.fromtimestamp(stats.next_due):%Y-%m-%d %H:%M}" if stats.next_due else ""
    click.echo(
        f"due {stats.due_now} (new {stats.new}), excluded {stats.excluded}, "
        f"reviewed today {stats.reviewed_today}{nxt}"
    )


# --- solutions -------------------------------------------------------------------------------------


@click.command(name="solutions")
@click.argument("chapter", type=NUMBER, required=False)
@click.option("--all", "show_all", is_flag=True, help="Show solutions even before the exercise is done.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_session
def solutions(session: Session, chapter: int | None, show_all: bool, as_json: bool) -> None:
    """Public solutions to a chapter's exercises, offered once you have marked an exercise done
    (your own solution link is shown beside them). Without CHAPTER: every chapter that has some."""
    cur = session.curriculum
    chapters = [cur.chapter(chapter)] if chapter is not None else [c for c in cur.chapters if c.solutions]
    data = [state.to_dict(show_all=show_all) for state in solutions_of(session.conn, cur, chapters)]
    if as_json:
        emit_json(data)
        return
    out = console()
    if not data:
        click.echo(f"{cur.name} lists no public solutions")
        return
    for entry in data:
        out.print(text(f"Chapter {entry['chapter']}: {entry['title']}", "bold"))
        for m in entry["exercises"]:
            yours = f"  yours: {m['solution_url']}" if m["solution_url"] else ""
            out.print(text(f"  {m['status']:<6} {m['id']}", "dim") + text(yours))
        if not entry["available"]:
            out.print(text("  no public solutions listed", "dim"))
        elif not entry["unlocked"]:
            first = entry["exercises"][0]["id"] if entry["exercises"] else "EXERCISE"
            out.print(
                text(
                    f"  {entry['available']} public solution(s), shown once the exercise is done "
                    f"(`syllabus mark {first} done --solution URL`), or with --all",
                    "yellow",
                )
            )
        for s in entry["solutions"]:
            out.print(text(f"  - {s['title']}  ") + text(s["url"], "cyan"))


COMMANDS = [review, solutions]

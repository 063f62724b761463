"""Pace: a target date per chapter, where the user stands against it, and what the next days hold.

Targets come from the curriculum's effort guidance unless the user sets them. Chapters are
taken in study order (:func:`library.progress.study_order`); each takes the mean of its
``effort_days`` (chapters without guidance take :data:`DEFAULT_CHAPTER_DAYS`), counted from a
start date: the one the user set, else the day of their first recorded activity in this
curriculum (a study-log span or a status change), else today. A target the user sets moves
the chapters after it: the chain continues from it.

A chapter's work is its recommended readings and its exercises (all readings when none is
marked recommended); it is finished when all of that is done.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from library import progress, studylog
from library.catalogue import Chapter, Curriculum, Exercise, Reading
from library.curricula import get_setting, set_setting
from library.db import write
from library.errors import UsageError

DEFAULT_CHAPTER_DAYS = 1.0
# Hours of study a "day" of the plan holds when splitting work into the next days.
DEFAULT_HOURS_PER_DAY = 6.0
# A reading with no page count or running time is planned at this many minutes.
UNKNOWN_MINUTES = 60
# An exercise with no estimate of its own is planned at this many minutes.
EXERCISE_MINUTES = 240

START_KEY = "plan_start:{curriculum}"


def parse_date(text: str) -> date:
    """A plan date; kept within years a plan can mean, so date arithmetic never overflows."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"cannot read date {text!r}: write it like 2026-11-20") from None
    if not 1970 <= day.year <= 2200:
        raise UsageError(f"date {text!r} is out of range: use a year between 1970 and 2200")
    return day


def set_start(conn: sqlite3.Connection, curriculum: str, day: date) -> None:
    set_setting(conn, START_KEY.format(curriculum=curriculum), day.isoformat())


def set_target(conn: sqlite3.Connection, curriculum: Curriculum, chapter: int, day: date) -> None:
    curriculum.chapter(chapter)  # unknown chapter: UsageError before anything is written
    with write(conn):
        conn.execute(
            "INSERT INTO chapter_targets (curriculum, chapter, target, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (curriculum, chapter)"
            " DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at",
            (curriculum.name, chapter, day.isoformat(), time.time()),
        )


def clear_target(conn: sqlite3.Connection, curriculum: Curriculum, chapter: int) -> None:
    curriculum.chapter(chapter)
    with write(conn):
        conn.execute(
            "DELETE FROM chapter_targets WHERE curriculum = ? AND chapter = ?", (curriculum.name, chapter)
        )


def start_date(conn: sqlite3.Connection, curriculum: str, *, today: date | None = None) -> tuple[date, str]:
    """The plan's first day and where it came from ("set", "first activity", "today")."""
    chosen = get_setting(conn, START_KEY.format(curriculum=curriculum))
    if chosen:
        return date.fromisoformat(chosen), "set"
    firsts = [
        conn.execute("SELECT min(start) FROM study_spans WHERE curriculum = ?", (curriculum,)).fetchone()[0],
        conn.execute("SELECT min(at) FROM status_history WHERE curriculum = ?", (curriculum,)).fetchone()[0],
    ]
    firsts = [f for f in firsts if f is not None]
    if firsts:
        return datetime.fromtimestamp(min(firsts)).date(), "first activity"
    return today or date.today(), "today"


def chapter_days(chapter: Chapter) -> float:
    """Days the curriculum expects for ``chapter``: the mean of its [low, high] effort; a chapter
    with no required work (see :func:`_chapter_work`) takes none."""
    if chapter.effort_days:
        return sum(chapter.effort_days) / len(chapter.effort_days)
    return DEFAULT_CHAPTER_DAYS if _chapter_work(chapter) else 0.0


def item_minutes(reading: Reading) -> int | None:
    """Time a reading asks for: a video's or course's running time, else pages at study pace."""
    if reading.minutes:
        return reading.minutes
    return progress.estimate_minutes(reading.pages)


@dataclass
class PlanItem:
    chapter: int
    id: str
    title: str
    kind: str  # the reading's kind, or "exercise"
    status: str
    minutes: int | None  # None: no estimate (planned at a default)
    url: str | None = None
    skip: list[str] = field(default_factory=list)


@dataclass
class ChapterPlan:
    number: int
    title: str
    days: float
    window_start: str  # ISO date the chapter's span begins
    target: str  # ISO date it should be finished by
    target_set: bool  # chosen by the user (else computed)
    done: int
    total: int
    status: str  # done | ahead | on track | behind | upcoming | optional (no required work)
    logged_seconds: float = 0.0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass
class DayPlan:
    day: str
    items: list[PlanItem]
    minutes: int


@dataclass
class Plan:
    curriculum: str
    today: str
    start: str
    start_source: str
    chapters: list[ChapterPlan]
    current: int | None
    next_days: list[DayPlan]

    def to_dict(self) -> dict:
        data = asdict(self)
        for ch, obj in zip(data["chapters"], self.chapters, strict=False):
            ch["fraction"] = obj.fraction
        return data


def _chapter_work(chapter: Chapter) -> list[progress.Unit]:
    """What finishing ``chapter`` means (:func:`library.progress.chapter_work`: recommended
    readings, exercises with alternatives once). A chapter that asks for neither is planned only
    if the curriculum gives it an effort (an imported list with no roles); otherwise it is a shelf
    of optional prerequisites and has no work to plan."""
    if chapter.recommended or chapter.exercises or chapter.effort_days:
        return progress.chapter_work(chapter)
    return []


def _status(rows: dict, item: Reading | Exercise) -> str:
    return progress.status_of(rows, item.id, "reading" if isinstance(item, Reading) else "exercise")


def _started_first(unit: progress.Unit, rows: dict) -> Reading | Exercise:
    """The item of ``unit`` to plan: the alternative already started, else the first."""
    return next((i for i in unit if _status(rows, i) in ("reading", "doing")), unit[0])


def _pace(done: int, total: int, window_start: date, target: date, today: date) -> str:
    if not total:
        return "optional"
    if done >= total:
        return "done"
    if today > target:
        return "behind"
    if today < window_start:
        return "ahead" if done else "upcoming"
    length = max((target - window_start).days, 1)
    expected = min(1.0, ((today - window_start).days + 1) / (length + 1))
    actual = done / total
    if actual > expected + 1e-9 and done:
        return "ahead"
    # Within the window, one item's slack is still on track: work comes in lumps.
    return "on track" if actual + 1 / total >= expected else "behind"


def build(
    conn: sqlite3.Connection,
    curriculum: Curriculum,
    *,
    today: date | None = None,
    start: date | None = None,
    days: int = 3,
    hours_per_day: float = DEFAULT_HOURS_PER_DAY,
) -> Plan:
    """Targets and standing for every chapter, in study order, and the next ``days`` days of work."""
    if days < 0:
        raise UsageError("--days must be 0 or more")
    if hours_per_day <= 0:
        raise UsageError("--hours must be more than 0")
    today = today or date.today()
    if start is not None:
        start_source = "given"
    else:
        start, start_source = start_date(conn, curriculum.name, today=today)
    chosen = {
        r["chapter"]: date.fromisoformat(r["target"])
        for r in conn.execute(
            "SELECT chapter, target FROM chapter_targets WHERE curriculum = ?", (curriculum.name,)
        )
    }
    logged = studylog.totals_by_chapter(conn, curriculum.name)
    rows = progress.statuses(conn, curriculum.name)
    names = progress.status_names(rows)
    chapters: list[ChapterPlan] = []
    # The chain runs in fractional days, so short chapters (a sprint's hour-long videos) share a day.
    cursor = 0.0
    for number in progress.study_order(curriculum):
        chapter = curriculum.chapter(number)
        span = chapter_days(chapter)
        window_start = start + timedelta(days=math.floor(cursor))
        if number in chosen:
            target = chosen[number]
            cursor = max(cursor, (target - start).days + 1.0)
        else:
            cursor += span
            target = start + timedelta(days=max(math.ceil(cursor) - 1, 0))
        window_start = min(window_start, target)
        work = _chapter_work(chapter)
        done = progress.tally(work, names).done
        chapters.append(
            ChapterPlan(
                number,
                chapter.title,
                span,
                window_start.isoformat(),
                target.isoformat(),
                number in chosen,
                done,
                len(work),
                _pace(done, len(work), window_start, target, today),
                logged.get(number, 0.0),
            )
        )
    current = next((c.number for c in chapters if c.status not in ("done", "optional")), None)
    return Plan(
        curriculum.name,
        today.isoformat(),
        start.isoformat(),
        start_source,
        chapters,
        current,
        _next_days(curriculum, rows, chapters, today, days, hours_per_day),
    )


def _next_days(
    curriculum: Curriculum, rows: dict, chapters: list[ChapterPlan], today: date, days: int, hours: float
) -> list[DayPlan]:
    """Unfinished work in study order, started items first, packed into days of ``hours`` each.

    An item longer than a day gets a day of its own (and is not split: the point is what to
    pick up, not a timetable)."""
    queue: list[PlanItem] = []
    for plan in chapters:
        if plan.status in ("done", "optional"):
            continue
        chapter = curriculum.chapter(plan.number)
        names = progress.status_names(rows)
        units = [u for u in _chapter_work(chapter) if not progress.unit_done(u, names)]
        # Started work first within the chapter, keeping the curriculum's order otherwise.
        units.sort(key=lambda u: _status(rows, _started_first(u, rows)) not in ("reading", "doing"))
        for unit in units:
            item = _started_first(unit, rows)
            if isinstance(item, Reading):
                queue.append(
                    PlanItem(
                        plan.number,
                        item.id,
                        item.title,
                        item.kind,
                        _status(rows, item),
                        item_minutes(item),
                        item.url,
                        list(item.skip),
                    )
                )
            else:
                others = [i.title for i in unit if i is not item]
                title = item.title + (f" (or: {'; '.join(others)})" if others else "")
                queue.append(PlanItem(plan.number, item.id, title, "exercise", _status(rows, item), None))
    budget = hours * 60
    out: list[DayPlan] = []
    day_items: list[PlanItem] = []
    used = 0
    for planned in queue:
        if len(out) >= days:
            break
        cost = planned.minutes or (EXERCISE_MINUTES if planned.kind == "exercise" else UNKNOWN_MINUTES)
        if day_items and used + cost > budget:
            out.append(DayPlan((today + timedelta(days=len(out))).isoformat(), day_items, used))
            day_items, used = [], 0
            if len(out) >= days:
                break
        day_items.append(planned)
        used += cost
    if day_items and len(out) < days:
        out.append(DayPlan((today + timedelta(days=len(out))).isoformat(), day_items, used))
    return out

"""The progress screen: each chapter's readings and exercises, time spent, what to read next,
and a sparkline of reading time per day; a second tab charts study time per day and per
chapter (what ``syllabus log report`` tabulates)."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, OptionList, Sparkline, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from index.db import connect
from library import progress
from library.catalogue import Curriculum
from reader.messages import ReadingSelected, StudyTotalsLoaded
from reader.widgets.bar_chart import Bar, BarChart
from reader.widgets.curriculum_tree import progress_bar
from reader.widgets.footer import Footer

SPARK_DAYS = 14
CHART_DAYS = 14
NO_TIME = (
    "No study time in these days. Time counts while a reading is open and you are active; "
    "`syllabus log add ID 45m` records time spent away from the app."
)


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m" if minutes else "–"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def day_label(day: str) -> str:
    """The label of an ISO day on a chart row ("Mon 03 Feb"): short, with the weekday to see weeks."""
    return date.fromisoformat(day).strftime("%a %d %b")


class ProgressScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,p", "close", "Back", show=True),
        Binding("r", "refresh", "Refresh", show=True),
        Binding("t", "toggle_tab", "Chapters/study time", show=True),
    ]

    def __init__(self, conn: sqlite3.Connection, curriculum: Curriculum) -> None:
        super().__init__()
        self.conn = conn
        self.curriculum = curriculum

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="progress-body"):
            yield Label(Text(f"Progress · {self.curriculum.title}"), id="progress-title", markup=False)
            with TabbedContent(id="progress-tabs"):
                with TabPane("Chapters", id="tab-chapters"):
                    yield DataTable(id="chapters-table", cursor_type="row", zebra_stripes=True)
                    with Horizontal(id="progress-lower"):
                        with Vertical(id="next-box"):
                            yield Label("Read next", classes="section-title")
                            yield OptionList(id="next-list")
                        with Vertical(id="time-box"):
                            yield Label(f"Reading time, last {SPARK_DAYS} days", classes="section-title")
                            yield Sparkline([], id="daily-spark")
                            yield Static("", id="time-total", markup=False)
                with TabPane("Study time", id="tab-time"), Horizontal(id="charts"):
                    with VerticalScroll(id="day-chart-box", classes="chart-box"):
                        yield Static(
                            f"Per day, last {CHART_DAYS} days",
                            id="day-chart-title",
                            classes="section-title",
                            markup=False,
                        )
                        yield BarChart(id="day-chart", empty=NO_TIME, max_label=10)
                    with VerticalScroll(id="chapter-chart-box", classes="chart-box"):
                        yield Static(
                            "Per chapter, all time",
                            id="chapter-chart-title",
                            classes="section-title",
                            markup=False,
                        )
                        yield BarChart(
                            id="chapter-chart",
                            empty="No study time recorded yet.",
                            max_label=20,
                            bar_style="cyan",
                        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ch", "Title", "Recommended", "Optional", "Exercise", "Time")
        self.action_refresh()
        self.query_one("#next-list", OptionList).focus()

    def action_refresh(self) -> None:
        from library import studylog  # small module; imported here so the screen opens even without it

        summary = progress.summary(self.conn, self.curriculum)
        by_chapter = studylog.totals_by_chapter(self.conn, self.curriculum.name)
        table = self.query_one(DataTable)
        table.clear()
        for chapter in summary.chapters:
            table.add_row(
                Text(str(chapter.number), style="bold"),
                Text(chapter.title),
                progress_bar(chapter.recommended.done, chapter.recommended.total, 6),
                progress_bar(chapter.optional.done, chapter.optional.total, 6),
                progress_bar(chapter.exercises.done, chapter.exercises.total, 3),
                Text(duration(by_chapter.get(chapter.number, 0.0))),
                key=str(chapter.number),
            )
        next_list = self.query_one("#next-list", OptionList)
        next_list.clear_options()
        suggestions = progress.next_readings(self.conn, self.curriculum, limit=5)
        for s in suggestions:
            prompt = Text(f"{s.chapter} ", style="bold dim")
            prompt.append(s.reading.title)
            if s.reading.pointer.kind != "whole":
                prompt.append(f" · {s.reading.pointer.label}", style="dim")
            if s.status == "reading":
                prompt.append(" (reading)", style="yellow")
            next_list.add_option(Option(prompt, id=s.reading.id))
        if suggestions:
            next_list.highlighted = 0
        else:
            next_list.add_option(Option(Text("Everything is read. Well done.", style="dim"), disabled=True))
        daily = studylog.daily_totals(self.conn, SPARK_DAYS, curriculum=self.curriculum.name)
        self.query_one(Sparkline).data = [seconds / 60 for _, seconds in daily]
        total_week = sum(seconds for _, seconds in daily[-7:])
        total_all = sum(by_chapter.values())
        self.query_one("#time-total", Static).update(
            Text(
                f"today {duration(daily[-1][1]) if daily else '–'} · 7 days {duration(total_week)}"
                f" · all {duration(total_all)}"
            )
        )
        self.load_charts()

    # --- the study time tab -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="study-charts")
    def load_charts(self) -> None:
        """Read the study log in a thread: a long log is thousands of spans to add up."""
        # ~10 ms, in this worker thread: the screen paints first
        from library import studylog

        conn = connect()
        try:
            daily = studylog.daily_totals(conn, CHART_DAYS, curriculum=self.curriculum.name)
            by_chapter = studylog.totals_by_chapter(conn, self.curriculum.name)
        except Exception as exc:  # the charts are a view: say what failed, keep the screen
            self.post_message(StudyTotalsLoaded(error=str(exc)))
            return
        finally:
            conn.close()
        self.post_message(StudyTotalsLoaded(daily, by_chapter))

    def on_study_totals_loaded(self, message: StudyTotalsLoaded) -> None:
        day_chart = self.query_one("#day-chart", BarChart)
        chapter_chart = self.query_one("#chapter-chart", BarChart)
        if message.error:
            day_chart.empty = chapter_chart.empty = f"Could not read the study log: {message.error}"
            day_chart.set_bars([])
            chapter_chart.set_bars([])
            return
        today = message.daily[-1][0] if message.daily else ""
        day_chart.set_bars(
            [
                Bar(day_label(day), seconds, duration(seconds), style="bold" if day == today else "")
                for day, seconds in message.daily
            ]
        )
        chapter_chart.set_bars(
            [
                Bar(
                    Text(f"{chapter.number} {chapter.title}"),
                    message.by_chapter.get(chapter.number, 0.0),
                    duration(message.by_chapter.get(chapter.number, 0.0)),
                )
                for chapter in self.curriculum.chapters
            ]
        )
        period = sum(seconds for _, seconds in message.daily)
        overall = sum(message.by_chapter.values())
        self.query_one("#day-chart-title", Static).update(
            f"Per day, last {CHART_DAYS} days · {duration(period)}"
        )
        self.query_one("#chapter-chart-title", Static).update(f"Per chapter, all time · {duration(overall)}")

    def action_toggle_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-time" if tabs.active == "tab-chapters" else "tab-chapters"
        if tabs.active == "tab-chapters":
            self.query_one("#next-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            reading_id = event.option.id
            self.dismiss(None)
            self.app.post_message(ReadingSelected(reading_id))

    def action_close(self) -> None:
        self.dismiss(None)

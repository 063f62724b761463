"""One count of a chapter's work: `progress --json`, `plan --json` and the app's tree agree.

Exercises that are alternatives of one another ("this OR that") count once, done when either is.
The CLI side goes through the installed `syllabus`; the tree is the app's own widget.
"""

from __future__ import annotations

import json

from entry_point import syllabus

from reader.app import make_app
from reader.widgets.curriculum_tree import CurriculumTree


def _cli_counts(home) -> tuple[dict, dict]:
    progress = json.loads(syllabus(home, "progress", "--json").stdout)
    plan = json.loads(syllabus(home, "plan", "--json").stdout)
    return (
        {c["number"]: c for c in progress["chapters"]},
        {c["number"]: (c["done"], c["total"]) for c in plan["chapters"]},
    )


async def test_progress_plan_and_tree_count_alternative_exercises_once(syllabus_home):
    assert syllabus(syllabus_home, "mark", "ex3-data-parallel", "done").returncode == 0
    by_progress, by_plan = _cli_counts(syllabus_home)
    chapter3 = by_progress[3]
    assert chapter3["exercises"] == {"done": 1, "total": 1}  # ex3-fused-adam is its alternative
    recommended = chapter3["recommended"]
    assert by_plan[3] == (recommended["done"] + 1, recommended["total"] + 1)

    # Both alternatives done still make one exercise.
    assert syllabus(syllabus_home, "mark", "ex3-fused-adam", "done").returncode == 0
    by_progress, by_plan = _cli_counts(syllabus_home)
    assert by_progress[3]["exercises"] == {"done": 1, "total": 1}

    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        tree = app.query_one(CurriculumTree)
        for chapter in app.curriculum.chapters:
            ours = by_progress[chapter.number]
            if ours["recommended"]["total"] or ours["exercises"]["total"]:
                assert tree.chapter_tally(chapter) == by_plan[chapter.number], chapter.number
                required = (
                    ours["recommended"]["done"] + ours["exercises"]["done"],
                    ours["recommended"]["total"] + ours["exercises"]["total"],
                )
                assert by_plan[chapter.number] == required, chapter.number

"""Curricula that are not lists of papers: videos with skip lists, courses with sections,
books, projects; the bundled sprint and phased plans; exercises and their public solutions."""

from __future__ import annotations

import json
import re

import pytest

from library import catalogue

SHAPED = ("sprint-24h", "phased-dl")


def test_shaped_curricula_are_bundled_and_listed(run_cli):
    assert set(SHAPED) <= set(catalogue.bundled_names())
    code, out, _ = run_cli("curriculum", "list", "--json")
    names = {c["name"] for c in json.loads(out)}
    assert code == 0 and set(SHAPED) | {"deep-learning"} <= names


@pytest.mark.parametrize("name", SHAPED)
def test_shaped_curricula_validate_and_use_every_shape(name):
    cur = catalogue.load_bundled(name)
    kinds = {r.kind for _, r in cur.all_readings()}
    for _, reading in cur.all_readings():
        assert reading.url.startswith(("http://", "https://")), reading.id
        assert reading.summary, f"{reading.id} needs our own one-line summary"
    for chapter in cur.chapters:
        assert chapter.effort_days, f"chapter {chapter.number} needs effort guidance for the plan"
    if name == "sprint-24h":
        assert kinds >= {"video", "course"}
        assert any(r.skip for _, r in cur.all_readings())
    else:
        assert kinds >= {"course", "book", "html", "arxiv"}
        assert any(r.parts for _, r in cur.all_readings())
        assert {"phased-capstone-1", "phased-capstone-2"} <= {e.id for _, e in cur.all_exercises()}


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.parametrize("name, seed", [("sprint-24h", "002_"), ("phased-dl", "003_")])
def test_descriptions_are_our_own_words(name, seed):
    from conftest import SHARED, need

    seeds = need(SHARED / "seeds")
    source = next(seeds.glob(f"{seed}*.txt")).read_text(encoding="utf-8")
    theirs = _ngrams(source, 6)
    cur = catalogue.load_bundled(name)
    texts = [cur.summary] + [c.summary for c in cur.chapters]
    texts += [r.summary for _, r in cur.all_readings()] + [e.summary for _, e in cur.all_exercises()]
    for text in texts:
        shared = _ngrams(text, 6) & theirs
        assert not shared, f"copied wording in {text!r}: {shared}"


def test_sprint_shows_videos_with_skip_lists_and_tracks_them(run_cli):
    code, out, _ = run_cli("curriculum", "use", "sprint-24h")
    assert code == 0
    code, out, _ = run_cli("chapters")
    assert code == 0
    assert "3Blue1Brown: Linear algebra" in out and "2h 25m" in out
    assert "skip: Determinant; Inverse matrices; Cross products; Eigenvectors; Abstract vector spaces" in out
    assert "only: Thinking about multivariable functions" in out
    code, out, _ = run_cli("show", "sprint-3b1b-linear-algebra", "--json")
    data = json.loads(out)
    assert data["kind"] == "video" and data["minutes"] == 145 and "Cross products" in data["skip"]
    code, out, _ = run_cli("show", "sprint-transformers")
    assert "skip: 0:00-10:09" in out and "57 min" in out
    code, out, _ = run_cli("show", "sprint-khan-multivariable", "--json")
    assert json.loads(out)["parts"][1] == "Derivatives of multivariable functions"
    # Tracked like any reading: status, progress and the study log.
    assert run_cli("mark", "sprint-3b1b-linear-algebra", "done")[0] == 0
    code, out, _ = run_cli("progress", "--json")
    ch2 = next(c for c in json.loads(out)["chapters"] if c["number"] == 2)
    assert ch2["recommended"] == {"done": 1, "total": 1}
    assert run_cli("log", "add", "sprint-resnets", "18m", "--at", "2026-11-22 11:00")[0] == 0
    code, out, _ = run_cli("log", "report", "--by", "chapter", "--json")
    assert json.loads(out)["rows"][0]["group"] == "4"
    code, out, _ = run_cli("next", "--json")
    assert "sprint-3b1b-linear-algebra" not in [p["id"] for p in json.loads(out)]


def test_phased_capstones_hold_a_solution_link(run_cli):
    assert run_cli("curriculum", "use", "phased-dl")[0] == 0
    code, _, _ = run_cli("mark", "phased-capstone-1", "done", "--solution", "https://example.org/my-notebook")
    assert code == 0
    code, out, _ = run_cli("show", "phased-capstone-1", "--json")
    data = json.loads(out)
    assert data["status"] == "done" and data["solution_url"] == "https://example.org/my-notebook"
    assert {r["title"] for r in data["resources"]} == {"PyTorch", "TensorFlow", "MXNet"}
    code, out, _ = run_cli("solutions", "4", "--json")
    (entry,) = json.loads(out)
    assert entry["unlocked"] and entry["exercises"][0]["solution_url"] == "https://example.org/my-notebook"


def test_solutions_are_offered_once_the_exercise_is_done(run_cli):
    cur = catalogue.load_bundled("deep-learning")
    chapter = next(c for c in cur.chapters if c.solutions and c.exercises)
    code, out, _ = run_cli("solutions", str(chapter.number), "--json")
    (entry,) = json.loads(out)
    assert code == 0 and not entry["unlocked"] and entry["solutions"] == []
    assert entry["available"] == len(chapter.solutions)
    code, out, _ = run_cli("solutions", str(chapter.number))
    assert "shown once the exercise is done" in out
    code, out, _ = run_cli("solutions", str(chapter.number), "--all", "--json")
    assert [s["url"] for s in json.loads(out)[0]["solutions"]] == [s.url for s in chapter.solutions]
    assert run_cli("mark", chapter.exercises[0].id, "done", "--solution", "https://example.org/mine")[0] == 0
    code, out, _ = run_cli("solutions", str(chapter.number))
    assert chapter.solutions[0].url in out and "https://example.org/mine" in out
    code, _, err = run_cli("solutions", "77")
    assert code == 2 and "no chapter 77" in err


def test_sprint_videos_are_opened_in_the_browser_not_fetched(run_cli):
    code, out, err = run_cli("--curriculum", "sprint-24h", "open", "sprint-resnets", "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out)["browser"] == "https://www.youtube.com/watch?v=ZILIbUvp5lk"

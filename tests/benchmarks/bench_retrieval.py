"""Retrieval quality of search over the corpus papers: BM25 alone, vectors alone, hybrid.

    .venv/bin/python tests/benchmarks/bench_retrieval.py [--home DIR] [--variants] [--json]

Every corpus arXiv PDF that the bundled curriculum names is attached and indexed in a data home
of its own (``--home``, default /tmp/syllabus-bench-home; reused when already indexed). Each
question in ``questions.json`` (written in our own words) names its paper and substrings of
the passages that answer it. A hit is right when it is a passage of that paper whose text
contains one of them (case- and whitespace-insensitive). Prints recall@5 and MRR@10 per mode.

Guarding against fitting the questions: the figures are also given on each half of the
questions (even and odd positions) and on the second batch (questions written after the first
fusion was tuned). The one tuned parameter of the fusion, ``index.search.CONFIDENT_GAP``, is
cross-validated: picked from :data:`GAP_GRID` on one half, scored on the other, both ways; the
"held-out" row is those two out-of-sample halves put together.

Notes beside the passages (``notes.json``, written for this benchmark: some about what questions
ask, most about other things): in a copy of the home with those notes added, every question and a
few extra queries no passage answers are searched over notes and passages together, and the
script counts the unrelated notes in each top 5 (target 0), beside recall@5 / MRR@10 of the
passages in that mixed list and how often a related note is in the top 5.

``--variants`` also embeds the passages with other variants of the model in the same run and
scores each: fp32 (what sentence-transformers computes: the vectors before the int8 variant), the
shipped int8 variant, and int8 reading only 192 of the model's 256 word pieces (faster, and
measured to lose answers); each with and without the meaning floor (``index.search.MEANING_FLOOR``),
so the effects of quantisation, window and floor are told apart.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_HOME = Path("/tmp/syllabus-bench-home")
GAP_GRID = (0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 1.0)  # 1.0: never lead


def prepare_corpus_home(home: Path, *, quiet: bool = False) -> dict:
    """Attach every corpus PDF the active curriculum names, and index them. Returns the update report."""
    os.environ["SYLLABUS_HOME"] = str(home)
    sys.path.insert(0, str(REPO))
    from index.db import connect
    from index.update import update_index
    from library import curricula
    from library.errors import SyllabusError
    from library.fetch.local import attach
    from library.store import documents

    conn = connect()
    have = {d.arxiv_id for d in documents(conn) if d.status == "ok"}
    cur = curricula.active(conn)
    for pdf in sorted((CORPUS / "arxiv").glob("*.pdf")):
        if pdf.stem in have:
            continue
        try:
            found = curricula.find(cur, pdf.stem)
        except SyllabusError:
            continue  # a corpus paper the curriculum does not assign
        if found.reading is not None:
            attach(conn, found.reading, pdf)

    def progress(stage: str, done: int, total: int) -> None:
        if not quiet and total and (done == total or done % 256 == 0):
            print(f"  {stage}: {done}/{total}", file=sys.stderr)

    started = time.monotonic()
    report = update_index(conn, progress=progress)
    out = report.to_dict()
    out["wall_seconds"] = time.monotonic() - started
    conn.close()
    return out


# What is left of TeX-like maths once rendered: the marks of scripts and groups Unicode cannot show.
_TEX_MARKS = re.compile(r"[_^{}\\]")


def _norm(text: str) -> str:
    """Text as a reader reads it, for finding a hand-written answer in a passage: the passage's
    maths is TeX-like (``B_{crit}``, ``(y_{1}, \\ldots, y_{m})``), the answer plain (``Bcrit``,
    ``(y1, ..., ym)``); both are rendered, folded to plain letters and digits (NFKC: ``ₘ`` is ``m``)
    and stripped of what marks remain."""
    from library.structure.notation import to_unicode  # loaded once, with the index

    plain = unicodedata.normalize("NFKC", to_unicode(text))
    return re.sub(r"\s+", " ", _TEX_MARKS.sub("", plain)).strip().lower()


def _answers(question: dict, arxiv_id: str | None, text: str) -> bool:
    return arxiv_id == question["arxiv_id"] and any(_norm(a) in _norm(text) for a in question["answers"])


def ranks(conn, embedder, questions: list[dict], mode: str) -> list[int | None]:
    """The rank (1-10) of the first right hit for each question, None when none is in the top 10."""
    from index.search import search

    out = []
    for q in questions:
        hits = search(conn, q["question"], kinds=("passage",), k=10, embedder=embedder, mode=mode)
        out.append(next((i for i, h in enumerate(hits, start=1) if _answers(q, h.arxiv_id, h.text)), None))
    return out


def scores(ranked: list[int | None], subset: list[int] | None = None) -> dict[str, float]:
    subset = list(range(len(ranked))) if subset is None else subset
    n = len(subset) or 1
    return {
        "recall@5": sum(1 for i in subset if ranked[i] and ranked[i] <= 5) / n,
        "mrr@10": sum(1.0 / ranked[i] for i in subset if ranked[i]) / n,
    }


def halves(questions: list[dict]) -> dict[str, list[int]]:
    everything = list(range(len(questions)))
    return {
        "all": everything,
        "even half": everything[0::2],
        "odd half": everything[1::2],
        "batch 2": [i for i, q in enumerate(questions) if q.get("batch") == 2],
        "batch 3": [i for i, q in enumerate(questions) if q.get("batch") == 3],
    }


def evaluate(home: Path, questions: list[dict], embedder=None) -> dict[str, dict]:
    os.environ["SYLLABUS_HOME"] = str(home)
    from index import search
    from index.db import connect
    from index.embed import get_embedder

    conn = connect()
    embedder = embedder or get_embedder(conn)
    parts = halves(questions)
    results = {}
    for mode in ("bm25", "vector", "hybrid"):
        ranked = ranks(conn, embedder, questions, mode)
        results[mode] = {name: scores(ranked, idx) for name, idx in parts.items()}
        results[mode]["missed@5"] = [
            q["question"] for q, r in zip(questions, ranked, strict=False) if not r or r > 5
        ]

    # Cross-validate the fusion's one tuned parameter: pick on one half, score on the other.
    shipped = search.CONFIDENT_GAP
    by_gap = {}
    try:
        for gap in GAP_GRID:
            search.CONFIDENT_GAP = gap
            by_gap[gap] = ranks(conn, embedder, questions, "hybrid")
    finally:
        search.CONFIDENT_GAP = shipped
    held_out: list[int | None] = [None] * len(questions)
    picked = {}
    for tune, test in (("even half", "odd half"), ("odd half", "even half")):
        best = max(GAP_GRID, key=lambda g: (scores(by_gap[g], parts[tune])["mrr@10"], -GAP_GRID.index(g)))
        picked[f"tuned on {tune}"] = best
        for i in parts[test]:
            held_out[i] = by_gap[best][i]
    results["hybrid"]["held-out (2-fold)"] = scores(held_out)
    results["hybrid"]["cv"] = {"shipped gap": shipped, **picked}
    for mode in ("bm25", "vector"):  # nothing tuned: their held-out figure is their figure
        results[mode]["held-out (2-fold)"] = results[mode]["all"]
    return results


# --- notes beside the passages --------------------------------------------------------------------


def notes_home(home: Path, notes: dict) -> Path:
    """A copy of ``home`` (database, ONNX export) with the benchmark's notes added: a fresh copy
    each run, so the corpus home itself never holds them."""
    import shutil
    import sqlite3

    target = home.parent / f"{home.name}-notes"
    shutil.rmtree(target, ignore_errors=True)
    (target / "index").mkdir(parents=True)
    (target / "index" / "onnx").symlink_to(home / "index" / "onnx", target_is_directory=True)
    source = sqlite3.connect(home / "syllabus.db")
    copy = sqlite3.connect(target / "syllabus.db")
    source.backup(copy)
    source.close()
    copy.close()
    os.environ["SYLLABUS_HOME"] = str(target)
    from index import search, vectors
    from index.db import connect
    from index.notes import add_note

    vectors.forget()
    search._NOTES_CHECKED.clear()
    conn = connect()
    for note in notes["notes"]:
        add_note(conn, body=note["body"], tags=note.get("tags", []))
    conn.close()
    return target


def notes_measure(
    home: Path,
    questions: list[dict],
    notes: dict,
    embedder=None,
    modes=("bm25", "vector", "hybrid"),
    per_query=False,
) -> dict[str, dict]:
    """Per mode, over notes and passages together: unrelated notes in the top 5, recall@5 / MRR@10
    of the passages, and the share of questions with a related note that find one in their top 5."""
    os.environ["SYLLABUS_HOME"] = str(home)
    from index.db import connect
    from index.embed import get_embedder
    from index.search import search

    conn = connect()
    embedder = embedder or get_embedder(conn)
    by_body = {n["body"]: n for n in notes["notes"]}
    ids = {r[0]: r[1] for r in conn.execute("SELECT id, body FROM notes WHERE deleted_at IS NULL")}
    queries = [
        (q["question"], q, {n["body"] for n in notes["notes"] if q["question"] in n.get("related", [])})
        for q in questions
    ]
    queries += [
        (x["query"], None, {b for b in by_body if any(b.startswith(p) for p in x["related_notes"])})
        for x in notes["extra_queries"]
    ]
    out = {}
    for mode in modes:
        unrelated, asked, found, ranked = 0, 0, 0, []
        worst: list[str] = []
        rows = []
        for text, question, related in queries:
            hits = search(conn, text, k=10, embedder=embedder, mode=mode)
            top5 = [h for h in hits[:5] if h.kind == "note"]
            wrong = [h for h in top5 if ids.get(h.id) not in related]
            unrelated += len(wrong)
            worst += [f"{text[:50]} -> {ids.get(h.id, '')[:50]}" for h in wrong]
            hit_related = any(ids.get(h.id) in related for h in top5)
            rows.append(
                {"unrelated": len(wrong), "asked": int(bool(related)), "related_found": int(hit_related)}
            )
            if related:
                asked += 1
                found += hit_related
            if question is not None:
                ranked.append(
                    next(
                        (
                            i
                            for i, h in enumerate(hits, 1)
                            if h.kind == "passage" and _answers(question, h.arxiv_id, h.text)
                        ),
                        None,
                    )
                )
        out[mode] = {
            "unrelated notes in top 5": unrelated,
            "queries": len(queries),
            "related note in top 5": found / asked if asked else None,
            **scores(ranked),
            "unrelated": worst,
        }
        if per_query:
            out[mode]["per_query"] = rows
    return out


NOTE_FLOOR_GRID = [(m, w) for m in (0.45, 0.50, 0.55, 0.60) for w in (0.3, 0.4, 0.5)]


def cross_validate_note_floors(home: Path, questions: list[dict], notes: dict) -> dict:
    """The notes' two floors (``NOTE_MEANING_FLOOR``, ``NOTE_WORDS_FLOOR``) picked on one half of the
    queries — fewest unrelated notes in the top 5, then most related ones found — and scored on the
    other half, both ways; hybrid mode."""
    from index import search

    shipped = (search.NOTE_MEANING_FLOOR, search.NOTE_WORDS_FLOOR)
    per_point = {}
    try:
        for meaning, words in NOTE_FLOOR_GRID:
            search.NOTE_MEANING_FLOOR, search.NOTE_WORDS_FLOOR = meaning, words
            per_point[(meaning, words)] = notes_measure(
                home, questions, notes, modes=("hybrid",), per_query=True
            )
    finally:
        search.NOTE_MEANING_FLOOR, search.NOTE_WORDS_FLOOR = shipped
    n = len(next(iter(per_point.values()))["hybrid"]["per_query"])
    halves_ = {"even": list(range(0, n, 2)), "odd": list(range(1, n, 2))}

    def totals(point, idx):
        rows = [per_point[point]["hybrid"]["per_query"][i] for i in idx]
        return (
            sum(r["unrelated"] for r in rows),
            sum(r["related_found"] for r in rows),
            sum(r["asked"] for r in rows),
        )

    out: dict = {"shipped": shipped}
    held = [0, 0, 0]
    for tune, test in (("even", "odd"), ("odd", "even")):
        best = min(
            NOTE_FLOOR_GRID,
            key=lambda p: (totals(p, halves_[tune])[0], -totals(p, halves_[tune])[1], -p[0], -p[1]),
        )
        out[f"tuned on {tune} half"] = best
        for k, v in enumerate(totals(best, halves_[test])):
            held[k] += v
    out["held-out"] = {
        "unrelated notes in top 5": held[0],
        "related note in top 5": held[1] / held[2] if held[2] else None,
    }
    return out


def check_answers(home: Path, questions: list[dict]) -> list[str]:
    """Answer substrings found in no passage of their paper (a broken question)."""
    os.environ["SYLLABUS_HOME"] = str(home)
    from index.db import connect

    conn = connect()
    bad = []
    for q in questions:
        rows = conn.execute(
            "SELECT text FROM passages WHERE reading_key = ?", (f"arxiv:{q['arxiv_id']}",)
        ).fetchall()
        for answer in q["answers"]:
            if not any(_norm(answer) in _norm(r[0]) for r in rows):
                bad.append(f"{q['arxiv_id']}: {answer!r}")
    return bad


def variant_embedders(home: Path) -> dict:
    """The shipped embedder and, for comparison, the model's other variants over the same export."""
    import dataclasses

    os.environ["SYLLABUS_HOME"] = str(home)
    from index import onnx_model
    from index.model_spec import model_spec

    export = onnx_model.load_export(model_spec(None))
    if export is None or export.variant != "int8":
        raise SystemExit("--variants needs a verified int8 export in the home (run without it first)")
    return {
        "fp32 (= sentence-transformers)": onnx_model.OnnxEmbedder(
            dataclasses.replace(export, variant="fp32")
        ),
        "int8 (shipped)": onnx_model.OnnxEmbedder(export),
        "int8 reading 192 word pieces": onnx_model.OnnxEmbedder(export, max_tokens=192),
    }


def compare_variants(home: Path, questions: list[dict]) -> dict[str, dict]:
    """recall@5 / MRR@10 per mode for each variant (passages embedded once per variant, kept in the
    home under the variant's own name), with the meaning floor and without it."""
    from index import search
    from index.db import connect
    from index.update import sync_passage_embeddings

    out = {}
    shipped_floor = search.MEANING_FLOOR
    for label, embedder in variant_embedders(home).items():
        conn = connect()
        started = time.monotonic()
        embedded, _ = sync_passage_embeddings(conn, embedder)
        took = time.monotonic() - started
        conn.close()
        for floor in (shipped_floor, 0.0):
            search.MEANING_FLOOR = floor
            try:
                result = evaluate(home, questions, embedder)
            finally:
                search.MEANING_FLOOR = shipped_floor
            out[f"{label}, floor {floor:.2f}"] = {
                mode: result[mode]["all"] for mode in ("bm25", "vector", "hybrid")
            } | {"embedded": embedded, "embed_seconds": took}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--variants", action="store_true", help="also score the model's other variants")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"needs the corpus at {CORPUS}")
    questions = json.loads((HERE / "questions.json").read_text())["questions"]
    notes = json.loads((HERE / "notes.json").read_text())
    report = prepare_corpus_home(args.home)
    bad = check_answers(args.home, questions)
    if bad:
        # Text the index no longer holds (a caption, figure text): those questions count as misses.
        print("answers not found in any passage of their paper (scored as misses):\n  " + "\n  ".join(bad))
    results = evaluate(args.home, questions)
    variants = compare_variants(args.home, questions) if args.variants else {}
    home_with_notes = notes_home(args.home, notes)
    with_notes = notes_measure(home_with_notes, questions, notes)
    note_floors = cross_validate_note_floors(home_with_notes, questions, notes)
    if args.json:
        print(
            json.dumps(
                {
                    "questions": len(questions),
                    "index": report,
                    "results": results,
                    "variants": variants,
                    "with_notes": with_notes,
                },
                indent=2,
            )
        )
        return
    parts = [*list(halves(questions)), "held-out (2-fold)"]
    print(
        f"{len(questions)} questions over {report['documents_indexed'] + report['documents_unchanged']} papers"
        f" ({report['model']}); each cell is recall@5 / MRR@10"
    )
    print(f"{'mode':<8} " + " ".join(f"{p:>17}" for p in parts))
    for mode, r in results.items():
        print(f"{mode:<8} " + " ".join(f"{r[p]['recall@5']:>8.3f} / {r[p]['mrr@10']:.3f}" for p in parts))
    print("CONFIDENT_GAP: " + ", ".join(f"{k} {v}" for k, v in results["hybrid"]["cv"].items()))
    for mode, r in results.items():
        for q in r["missed@5"]:
            print(f"  {mode} missed: {q}")
    if variants:
        print("\nvariants of the model, same passages, same run (recall@5 / MRR@10, all questions)")
        print(f"{'variant':<52} {'bm25':>15} {'vector':>15} {'hybrid':>15}")
        for label, r in variants.items():
            print(
                f"{label:<52} "
                + " ".join(
                    f"{r[m]['recall@5']:>6.3f} / {r[m]['mrr@10']:.3f}" for m in ("bm25", "vector", "hybrid")
                )
            )
    print(
        f"\nwith {len(notes['notes'])} notes beside the passages ({with_notes['hybrid']['queries']} queries)"
    )
    print(
        f"{'mode':<8} {'unrelated notes in top 5':>25} {'passages R@5 / MRR@10':>22} {'related note in top 5':>22}"
    )
    for mode, r in with_notes.items():
        print(
            f"{mode:<8} {r['unrelated notes in top 5']:>25} {r['recall@5']:>13.3f} / {r['mrr@10']:.3f}"
            f" {r['related note in top 5']:>22.2f}"
        )
        for line in r["unrelated"]:
            print(f"    {line}")
    print(
        f"note floors (meaning, words): shipped {note_floors['shipped']}, tuned on even half"
        f" {note_floors['tuned on even half']}, on odd half {note_floors['tuned on odd half']};"
        f" held-out: {note_floors['held-out']}"
    )


if __name__ == "__main__":
    main()

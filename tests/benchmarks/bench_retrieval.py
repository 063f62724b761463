"""Retrieval quality of search over the corpus papers: BM25 alone, vectors alone, hybrid.

    .venv/bin/python tests/benchmarks/bench_retrieval.py [--home DIR]

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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
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


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


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
    }


def evaluate(home: Path, questions: list[dict]) -> dict[str, dict]:
    os.environ["SYLLABUS_HOME"] = str(home)
    from index import search
    from index.db import connect
    from index.embed import get_embedder

    conn = connect()
    embedder = get_embedder(conn)
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"needs the corpus at {CORPUS}")
    questions = json.loads((HERE / "questions.json").read_text())["questions"]
    report = prepare_corpus_home(args.home)
    bad = check_answers(args.home, questions)
    if bad:
        sys.exit("answers not found in any passage of their paper:\n  " + "\n  ".join(bad))
    results = evaluate(args.home, questions)
    if args.json:
        print(json.dumps({"questions": len(questions), "index": report, "results": results}, indent=2))
        return
    parts = [*list(halves(questions)), "held-out (2-fold)"]
    print(
        f"{len(questions)} questions over {report['documents_indexed'] + report['documents_unchanged']} papers;"
        " each cell is recall@5 / MRR@10"
    )
    print(f"{'mode':<8} " + " ".join(f"{p:>17}" for p in parts))
    for mode, r in results.items():
        print(f"{mode:<8} " + " ".join(f"{r[p]['recall@5']:>8.3f} / {r[p]['mrr@10']:.3f}" for p in parts))
    print("CONFIDENT_GAP: " + ", ".join(f"{k} {v}" for k, v in results["hybrid"]["cv"].items()))
    for mode, r in results.items():
        for q in r["missed@5"]:
            print(f"  {mode} missed: {q}")


if __name__ == "__main__":
    main()

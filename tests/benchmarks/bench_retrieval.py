"""Retrieval quality of search over the corpus papers: BM25 alone, vectors alone, hybrid.

    .venv/bin/python tests/benchmarks/bench_retrieval.py [--home DIR]

Every corpus arXiv PDF that the bundled curriculum names is attached and indexed in a data home
of its own (``--home``, default /tmp/syllabus-bench-home; reused when already indexed). Each
question in ``questions.json`` (written in our own words) names its paper and substrings of
the passages that answer it. A hit is right when it is a passage of that paper whose text
contains one of them (case- and whitespace-insensitive). Prints recall@5 and MRR@10 per mode.
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


def evaluate(home: Path, questions: list[dict]) -> dict[str, dict]:
    os.environ["SYLLABUS_HOME"] = str(home)
    from index.db import connect
    from index.embed import get_embedder
    from index.search import search

    conn = connect()
    embedder = get_embedder(conn)
    results = {}
    for mode in ("bm25", "vector", "hybrid"):
        recall5 = mrr10 = 0.0
        misses = []
        for q in questions:
            hits = search(conn, q["question"], kinds=("passage",), k=10, embedder=embedder, mode=mode)
            rank = next((i for i, h in enumerate(hits, start=1) if _answers(q, h.arxiv_id, h.text)), None)
            recall5 += rank is not None and rank <= 5
            mrr10 += 1.0 / rank if rank else 0.0
            if rank is None or rank > 5:
                misses.append(q["question"])
        n = len(questions)
        results[mode] = {"recall@5": recall5 / n, "mrr@10": mrr10 / n, "missed@5": misses}
    return results


def check_answers(home: Path, questions: list[dict]) -> list[str]:
    """Answer substrings found in no passage of their paper (a broken question)."""
    os.environ["SYLLABUS_HOME"] = str(home)
    from index.db import connect

    conn = connect()
    bad = []
    for q in questions:
        rows = conn.execute("SELECT text FROM passages WHERE reading_key = ?", (f"arxiv:{q['arxiv_id']}",)).fetchall()
        for answer in q["answers"]:
            if not any(_norm(answer) in _norm(r[0]) for r in rows):
                bad.append(f"{q['arxiv_id']}: {answer!r}")
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    print(f"{len(questions)} questions over {report['documents_indexed'] + report['documents_unchanged']} papers")
    print(f"{'mode':<8} {'recall@5':>9} {'MRR@10':>8}")
    for mode, r in results.items():
        print(f"{mode:<8} {r['recall@5']:>9.3f} {r['mrr@10']:>8.3f}")
    for mode, r in results.items():
        for q in r["missed@5"]:
            print(f"  {mode} missed: {q}")


if __name__ == "__main__":
    main()

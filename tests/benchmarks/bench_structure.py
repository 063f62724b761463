"""Benchmark of section extraction over the shared corpus (run by hand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_structure.py [-v] [--repeat=N] [--cpu-against=DIR]

For every PDF and HTML page in ../shared/corpus, and the papers no one tuned on in
../shared/corpus/unseen, it extracts the structure twice (with the PDF outline, and forcing the
text heuristic), and reports per document: the top-level sections found against the labels
(../shared/corpus/labels/sections.json plus our own tests/benchmarks/extra_labels.json, and
unseen/labels.json) as precision and recall of (number, title, start page), whether each
labelled pointer resolves to exactly the right span, and the time taken.

Totals are given per group (corpus, unseen) in three modes: "outline used" (PDFs that have an
outline, read with it), "outline stripped" (the same PDFs, their outline ignored) and "no
outline" (PDFs that have none); web pages have their own line.

``--cpu-against=DIR`` compares the CPU time of every PDF's structure (both modes) with another
checkout of the project (say, main's), each measured in its own process, in 3 interleaved rounds
of best-of-N: the ratio is steadier than seconds on a shared machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"

from library.structure.resolve import extract, resolve  # noqa: E402
from library.structure.text import norm_title  # noqa: E402

VERBOSE = "-v" in sys.argv
# Timings are the best of REPEAT runs: other work on a 2-core machine inflates single runs.
REPEAT = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--repeat=")), "3"))


def mupdf_floor(path: Path) -> float:
    """Seconds PyMuPDF alone needs to produce the span data of every page: the floor for extraction."""
    import pymupdf

    best = float("inf")
    for _ in range(REPEAT):
        with pymupdf.open(path) as doc:
            started = time.perf_counter()
            for page in doc:
                page.get_text("dict", flags=pymupdf.TEXT_MEDIABOX_CLIP)
            best = min(best, time.perf_counter() - started)
    return best


# Headings every label file treats as optional (reported or not, they neither count nor cost);
# unseen/labels.json lists numbered sections (and References where the outline has it) only.
DEFAULT_OPTIONAL = [
    "Abstract",
    "References",
    "Acknowledgments",
    "Acknowledgements",
    "Appendices",
    "Appendix",
    "Contributions",
    "Author Contributions",
]


def labels() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in (CORPUS / "labels" / "sections.json", REPO / "tests" / "benchmarks" / "extra_labels.json"):
        if path.exists():
            for doc in json.loads(path.read_text())["documents"]:
                out[doc["file"]] = doc
    unseen = CORPUS / "unseen" / "labels.json"
    if unseen.exists():
        for name, doc in json.loads(unseen.read_text()).items():
            out[f"unseen/{name}"] = {"optional": DEFAULT_OPTIONAL, "pointers": [], **doc}
    for path in (REPO / "tests" / "benchmarks" / "extra_pointers.json",):
        if path.exists():
            for name, pointers in json.loads(path.read_text())["documents"].items():
                out[name]["pointers"] = [*out[name].get("pointers", []), *pointers]
    return out


def has_outline(path: Path) -> bool:
    import pymupdf

    with pymupdf.open(path) as doc:
        return bool(doc.get_toc(simple=True))


def _same_title(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    x, y = norm_title(a), norm_title(b)
    return x == y or fuzz.ratio(x, y) >= 90


def score(structure, label: dict) -> tuple[int, int, int]:
    """(matched, predicted, labelled) top-level section starts."""
    optional = {norm_title(o) for o in label.get("optional", [])}
    # Same headings under other spellings: singular "Acknowledgement", "Supplementary Material(s)"
    # (an appendix banner, like "Appendices").
    if optional & {"acknowledgements", "acknowledgments"}:
        optional |= {"acknowledgement", "acknowledgment"}
    if "appendices" in optional:
        optional |= {"supplementary material", "supplementary materials"}
    predicted = [s for s in structure.top_level() if norm_title(s.title) not in optional]
    wanted = [w for w in label["sections"] if norm_title(w["title"]) not in optional]
    matched = 0
    used: set[int] = set()
    for want in wanted:
        for i, got in enumerate(predicted):
            if i in used:
                continue
            same_number = (got.number or None) == (want.get("number") or None)
            if same_number and _same_title(got.title, want["title"]) and got.start_page == want["page"]:
                matched += 1
                used.add(i)
                break
    if VERBOSE and (matched < len(predicted) or matched < len(wanted)):
        print(
            "   extra:", [(s.number, s.title, s.start_page) for i, s in enumerate(predicted) if i not in used]
        )
        print("   wanted:", [(w.get("number"), w["title"], w["page"]) for w in wanted])
    return matched, len(predicted), len(wanted)


def check_pointer(structure, pointer: dict) -> str:
    raw = pointer["pointer"]
    text_pointer = raw if raw.startswith('"') or not raw[:1].isalnum() else f"Section {raw}"
    try:
        content = resolve(structure, text_pointer)
    except Exception as exc:  # report, don't stop the benchmark
        return f"error: {exc}"
    problems = []
    if (content.start_page, content.end_page) != (pointer["start_page"], pointer["end_page"]):
        problems.append(f"pages {content.start_page}-{content.end_page}")
    heading_text = "\n".join(f"{b.text}\n" for b in content.blocks)
    for needle in pointer.get("must_contain", []):
        if needle.strip() not in heading_text:
            problems.append(f"missing {needle.strip()!r}")
    for needle in pointer.get("must_not_contain", []):
        if needle in heading_text:
            problems.append(f"contains {needle.strip()!r}")
    return "exact" if not problems else "; ".join(problems)


MODES = ("outline used", "outline stripped", "no outline", "html")

# Run in a child process with a checkout's root as argv[1]: CPU seconds (best of argv[2]) of each
# PDF's structure with and without its outline, as JSON.
_CPU_CHILD = """
import glob, json, sys, time
sys.path.insert(0, sys.argv[1])
from library.structure.resolve import extract
files = sorted(glob.glob(sys.argv[3] + "/arxiv/*.pdf") + glob.glob(sys.argv[3] + "/variants/*.pdf")
               + glob.glob(sys.argv[3] + "/unseen/*.pdf"))
extract(files[0])
out = {}
for f in files:
    for use in (True, False):
        best = float("inf")
        for _ in range(int(sys.argv[2])):
            started = time.process_time()
            extract(f, use_outline=use)
            best = min(best, time.process_time() - started)
        out[f"{f} {use}"] = best
print(json.dumps(out))
"""


def cpu_against(other: Path, rounds: int = 3) -> None:
    """Median ratio of this checkout's CPU per PDF structure to ``other``'s, same run."""
    best: dict[Path, dict[str, float]] = {REPO: {}, other: {}}
    for _ in range(rounds):
        for root in (other, REPO):
            result = subprocess.run(
                [sys.executable, "-c", _CPU_CHILD, str(root), str(REPEAT), str(CORPUS)],
                capture_output=True,
                text=True,
                check=True,
            )
            for key, took in json.loads(result.stdout).items():
                best[root][key] = min(took, best[root].get(key, float("inf")))
    ratios = sorted((best[REPO][k] / best[other][k], k) for k in best[REPO] if best[other].get(k))
    total = sum(best[REPO].values()) / sum(best[other].values())
    print(
        f"- CPU per PDF structure vs {other}: median x{statistics.median(r for r, _ in ratios):.2f}"
        f" (x{ratios[0][0]:.2f}-x{ratios[-1][0]:.2f}, total x{total:.2f}; {len(ratios)} PDF runs);"
        f" the most: {Path(ratios[-1][1].split()[0]).name}"
    )


def main() -> int:
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}")
        return 1
    all_labels = labels()
    groups = {
        "corpus": sorted(CORPUS.glob("arxiv/*.pdf"))
        + sorted(CORPUS.glob("variants/*.pdf"))
        + sorted(CORPUS.glob("html/*.html")),
        "unseen": sorted(CORPUS.glob("unseen/*.pdf")),
    }
    files = [f for group in groups.values() for f in group]
    # Warm up imports (PyMuPDF, trafilatura) so the first rows are timed like the others.
    extract(files[0])
    extract(next(f for f in files if f.suffix == ".html"))
    print(
        "| document | pages | outline | sections with outline: matched/found · matched/labelled"
        " | sections heuristic only | pointers | s, outline | s, heuristic | s, PyMuPDF text alone |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    # totals[group][mode] = [matched, predicted, labelled]
    totals = {g: {m: [0, 0, 0] for m in MODES} for g in groups}
    pointers = {g: [0, 0] for g in groups}  # exact, checked
    slowest_per_30 = 0.0
    per_page: list[tuple[str, int, float, float]] = []
    for group, paths in groups.items():
        for path in paths:
            rel = str(path.relative_to(CORPUS))
            label = all_labels.get(rel)
            outline = path.suffix == ".pdf" and has_outline(path)
            cells = []
            times = []
            pointer_cell = "-"
            structures = []
            for use_outline in (True, False):
                best = float("inf")
                try:
                    for _ in range(REPEAT):
                        started = time.perf_counter()
                        structure = extract(path, use_outline=use_outline)
                        best = min(best, time.perf_counter() - started)
                except Exception as exc:
                    cells.append(f"error: {exc}")
                    times.append(float("nan"))
                    structures.append(None)
                    continue
                times.append(best)
                structures.append(structure)
                if label:
                    m, p, w = score(structure, label)
                    if path.suffix != ".pdf":
                        mode = "html" if use_outline else None
                    elif outline:
                        mode = "outline used" if use_outline else "outline stripped"
                    else:
                        mode = None if use_outline else "no outline"
                    if mode:
                        for i, v in enumerate((m, p, w)):
                            totals[group][mode][i] += v
                    cells.append(f"{m}/{p} · {m}/{w}")
                else:
                    cells.append(f"{len(structure.top_level())} found, unlabelled")
            structure = structures[0]
            if label and label.get("pointers") and structure is not None:
                results = []
                for pointer in label["pointers"]:
                    for s in structures:
                        if s is None:
                            continue
                        result = check_pointer(s, pointer)
                        pointers[group][1] += 1
                        pointers[group][0] += result == "exact"
                        results.append(f"{pointer['pointer']}: {result}")
                pointer_cell = "<br>".join(sorted(set(results)))
            pages = structure.page_count if structure else "?"
            floor = "-"
            if structure is not None and structure.kind == "pdf" and isinstance(pages, int):
                slowest_per_30 = max(slowest_per_30, min(times) * 30 / pages)
                floor_s = mupdf_floor(path)
                floor = f"{floor_s:.3f}"
                per_page.append((rel, pages, min(times), floor_s))
            outline_cell = "yes" if outline else ("-" if path.suffix != ".pdf" else "no")
            print(
                f"| {rel} | {pages} | {outline_cell} | {cells[0]} | {cells[1]} | {pointer_cell} | "
                f"{times[0]:.3f} | {times[1]:.3f} | {floor} |"
            )
    print()
    for group in groups:
        for mode, (m, p, w) in totals[group].items():
            if not w and not p:
                continue
            precision = m / p if p else 0.0
            recall = m / w if w else 0.0
            print(
                f"- {group}, top-level sections, {mode}: precision {precision:.3f} ({m}/{p}),"
                f" recall {recall:.3f} ({m}/{w})"
            )
        exact, checked = pointers[group]
        if checked:
            print(f"- {group}, pointers exact: {exact}/{checked} (each checked with and without the outline)")
    print(f"- slowest PDF, scaled to 30 pages: {slowest_per_30:.3f} s")
    rates = sorted(t / p for _, p, t, _ in per_page)
    if rates:
        print(
            f"- median time per PDF page: {1000 * rates[len(rates) // 2]:.1f} ms"
            f" (x30 = {30 * rates[len(rates) // 2]:.3f} s)"
        )
    # Time relative to PyMuPDF's own text extraction of the same file, measured in the same run:
    # steadier than seconds on a shared machine.
    ratios = sorted(t / f for _, _, t, f in per_page if f > 0)
    if ratios:
        print(
            f"- structure time / PyMuPDF text time: median {ratios[len(ratios) // 2]:.2f}"
            f" (range {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(ratios)} PDFs)"
        )
    for rel, pages, took, floor_s in per_page:
        if 28 <= pages <= 32:
            print(
                f"- {rel} ({pages} pages): {took:.3f} s full structure, of which PyMuPDF text {floor_s:.3f} s"
            )
    against = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--cpu-against=")), None)
    if against:
        cpu_against(Path(against).resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Search speed, indexing throughput and memory, measured on this machine. Prints tables.

    .venv/bin/python tests/benchmarks/bench_search.py [--runs 10] [--only indexing,cold,warm,faiss,throughput]

- indexing: ``index update`` of the 20 corpus papers in a fresh data home (their PDFs attached
  first; the ONNX export, made once per machine, linked in), against sentence-transformers'
  ``encode()`` of the very texts it embedded, in separate processes taking turns (--rounds of each):
  passages per second and peak memory, and their ratios round by round.
- cold: ``syllabus search "..." --json`` as a whole new process, over the corpus papers
  (the data home of bench_retrieval.py, prepared if needed); p50/p95 of --runs runs.
- warm: one process, 10k synthetic notes and 100k synthetic passages (random vectors, Zipf-
  distributed made-up words for BM25); p50/p95 of 100 queries after the first, with where the
  time goes (query embedding, BM25, FAISS).
- faiss: exact (flat) vs HNSW search time and HNSW build time by index size: why
  ``index.vectors.HNSW_THRESHOLD`` is where it is.
- throughput: sentences per second embedding short notes and passages with each backend.

Each part runs in a child process, so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PY = sys.executable
WARM_HOME = Path("/tmp/syllabus-bench-warm")
N_NOTES, N_PASSAGES, DIM = 10_000, 100_000, 384

QUERIES = [
    "why is attention scaled by the square root of the dimension",
    "how does PPO keep policy updates small",
    "what makes the lottery ticket subnetworks train well",
    "how should batch size relate to the learning rate",
    "memory savings from partitioning optimizer states",
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def child(part: str, args: argparse.Namespace) -> dict:
    """Run ``part`` in a new process and return its JSON result."""
    cmd = [
        PY,
        __file__,
        "--child",
        part,
        "--runs",
        str(args.runs),
        "--home",
        str(args.home),
        "--round",
        str(args.round),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"{part} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- indexing ------------------------------------------------------------------------------------

INDEX_HOME = Path("/tmp/syllabus-bench-index")


def part_update(args) -> dict:
    """``update_index`` of the corpus papers in a fresh home; writes the embedded texts for part_st."""
    import shutil

    sys.path.insert(0, str(HERE))
    from bench_retrieval import CORPUS, prepare_corpus_home

    prepare_corpus_home(args.home, quiet=True)  # the export this run links in
    home = INDEX_HOME / f"round-{args.round}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "index").mkdir(parents=True)
    (home / "index" / "onnx").symlink_to(args.home / "index" / "onnx", target_is_directory=True)
    os.environ["SYLLABUS_HOME"] = str(home)
    from index.db import connect
    from index.update import passage_input, update_index
    from library import curricula
    from library.errors import SyllabusError
    from library.fetch.local import attach

    conn = connect()
    current = curricula.active(conn)
    for pdf in sorted((CORPUS / "arxiv").glob("*.pdf")):
        try:
            found = curricula.find(current, pdf.stem)
        except SyllabusError:
            continue
        if found.reading is not None:
            attach(conn, found.reading, pdf)
    before = peak_mb()
    t = time.perf_counter()
    report = update_index(conn)
    seconds = time.perf_counter() - t
    texts = [passage_input(r[0], r[1]) for r in conn.execute("SELECT section_title, text FROM passages")]
    (INDEX_HOME / "texts.json").write_text(json.dumps(texts))
    return {
        "model": report.model,
        "passages": report.passages_embedded,
        "seconds": seconds,
        "passages_per_s": report.passages_embedded / seconds,
        "peak_mb": peak_mb(),
        "peak_mb_before_update": before,
    }


def part_st(args) -> dict:
    """sentence-transformers' own ``encode()`` of the texts part_update embedded (model load not timed)."""
    sys.path.insert(0, str(REPO))
    from index.model_spec import model_spec
    from index.reference_model import reference_embedder

    texts = json.loads((INDEX_HOME / "texts.json").read_text())
    model = reference_embedder(model_spec(None)).model
    t = time.perf_counter()
    model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    seconds = time.perf_counter() - t
    return {
        "passages": len(texts),
        "seconds": seconds,
        "passages_per_s": len(texts) / seconds,
        "peak_mb": peak_mb(),
    }


def indexing(args) -> dict:
    """Rounds of index update and sentence-transformers taking turns; ratios per round, then medians."""
    rounds = []
    for n in range(args.rounds):
        args.round = n
        update = child("update", args)
        st = child("st", args)
        rounds.append({"update": update, "st": st})
        print(
            f"  round {n + 1}: index update {update['passages_per_s']:.1f} passages/s ({update['peak_mb']:.0f} MB),"
            f" sentence-transformers {st['passages_per_s']:.1f} ({st['peak_mb']:.0f} MB)",
            file=sys.stderr,
        )
    speed = [r["update"]["passages_per_s"] / r["st"]["passages_per_s"] for r in rounds]
    memory = [r["update"]["peak_mb"] / r["st"]["peak_mb"] for r in rounds]
    return {"rounds": rounds, "speed_ratio": speed, "memory_ratio": memory}


# --- cold ----------------------------------------------------------------------------------------


def part_cold(args) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_retrieval import prepare_corpus_home

    prepare_corpus_home(args.home, quiet=True)
    env = dict(os.environ, SYLLABUS_HOME=str(args.home))
    syllabus = str(Path(PY).parent / "syllabus")
    out = {}
    for label, argv in (
        ("help", [syllabus, "--help"]),
        ("search", [syllabus, "search", QUERIES[0], "--json"]),
        ("search --notes", [syllabus, "search", QUERIES[1], "--notes", "--json"]),
    ):
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run(argv, env=env, cwd=REPO, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        out[label] = {"p50": statistics.median(times), "p95": pct(times, 0.95), "min": min(times)}
    out["passages"] = _count(args.home, "passages")
    return out


def _count(home: Path, table: str) -> int:
    import sqlite3

    return sqlite3.connect(home / "syllabus.db").execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- warm ----------------------------------------------------------------------------------------


def _words(rng, vocab: list[str], n: int, zipf) -> str:
    return " ".join(vocab[i] for i in zipf(n))


def build_warm_home(home: Path, source_home: Path) -> None:
    """10k notes and 100k passages with random unit vectors under the default model's name."""
    import numpy as np

    os.environ["SYLLABUS_HOME"] = str(home)
    sys.path.insert(0, str(REPO))
    from index.db import connect
    from index.embed import get_embedder
    from index.update import input_hash, passage_input
    from library.db import write

    conn = connect()
    if conn.execute("SELECT count(*) FROM passages").fetchone()[0] >= N_PASSAGES:
        return
    onnx = source_home / "index" / "onnx"
    target = home / "index" / "onnx"
    if onnx.exists() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(onnx, target_is_directory=True)
    # The name the current variant's vectors are stored under (the export is linked in above).
    model = get_embedder(conn, export=False).name
    rng = np.random.default_rng(0)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "se", "di", "pa", "go", "fe"]
    vocab = sorted({"".join(rng.choice(syllables, size=rng.integers(2, 5))) for _ in range(40_000)})
    # The queries' words get Zipf ranks from 200 on (rank 200 is in ~8% of passages, like a common
    # content word of the field; the most frequent ranks stand for stopwords, which queries drop),
    # so BM25 walks posting lists of realistic lengths instead of finding nothing.
    query_words = sorted({w for q in QUERIES for w in q.lower().split()})
    for n, word in enumerate(query_words):
        vocab[min(len(vocab) - 1, 200 + n * 400)] = word
    weights = 1.0 / np.arange(1, len(vocab) + 1)  # Zipf: a few words everywhere, most rare
    weights /= weights.sum()

    def zipf(n):
        return rng.choice(len(vocab), size=n, p=weights)

    def unit(n):
        v = rng.standard_normal((n, DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    now = time.time()
    with write(conn):
        notes = [
            (str(uuid.uuid4()), _words(rng, vocab, int(rng.integers(8, 40)), zipf)) for _ in range(N_NOTES)
        ]
        conn.executemany(
            "INSERT INTO notes (uuid, body, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(u, b, now, now) for u, b in notes],
        )
        rows = conn.execute("SELECT id, body FROM notes").fetchall()
        vec = unit(len(rows))
        conn.executemany(
            "INSERT INTO embeddings (kind, item_id, model, content_hash, dim, vector) VALUES ('note', ?, ?, ?, ?, ?)",
            [
                (r[0], model, input_hash(r[1].strip()), DIM, v.tobytes())
                for r, v in zip(rows, vec, strict=False)
            ],
        )
    for start in range(0, N_PASSAGES, 10_000):
        with write(conn):
            batch = [
                (
                    1 + i // 200,
                    f"arxiv:9999.{i // 200:05d}",
                    f"{(i // 20) % 9 + 1}",
                    "Section",
                    1 + (i // 40) % 30,
                    _words(rng, vocab, int(rng.integers(120, 260)), zipf),
                )
                for i in range(start, start + 10_000)
            ]
            conn.executemany(
                "INSERT INTO passages (document_id, reading_key, section, section_title, page, block_start,"
                " block_end, text, hash) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?)",
                [(*b, input_hash(b[-1])) for b in batch],
            )
        print(f"  passages {start + 10_000}/{N_PASSAGES}", file=sys.stderr)
    with write(conn):
        rows = conn.execute("SELECT id, section_title, text FROM passages").fetchall()
        vec = unit(len(rows))
        conn.executemany(
            "INSERT INTO embeddings (kind, item_id, model, content_hash, dim, vector)"
            " VALUES ('passage', ?, ?, ?, ?, ?)",
            [
                (r[0], model, input_hash(passage_input(r[1], r[2])), DIM, v.tobytes())
                for r, v in zip(rows, vec, strict=False)
            ],
        )
    conn.close()


def part_warm(args) -> dict:
    build_warm_home(WARM_HOME, args.home)
    os.environ["SYLLABUS_HOME"] = str(WARM_HOME)
    sys.path.insert(0, str(REPO))
    from index import search as search_mod
    from index import vectors
    from index.db import connect
    from index.embed import get_embedder
    from index.update import refresh_faiss

    conn = connect()
    embedder = get_embedder(conn)
    # The FAISS caches as `index update` leaves them (HNSW past the threshold); a no-op once saved.
    t = time.perf_counter()
    faiss_states = refresh_faiss(conn, embedder)
    refresh = time.perf_counter() - t
    t = time.perf_counter()
    search_mod.search(conn, QUERIES[0], embedder=embedder)
    first = time.perf_counter() - t
    times, embed_t, bm25_t, faiss_t = [], [], [], []
    filters = search_mod._Filters(conn, kinds=("note", "passage"), chapter=None, reading_key=None, tag=None)
    for i in range(100):
        q = QUERIES[i % len(QUERIES)] + f" {i}"
        t = time.perf_counter()
        search_mod.search(conn, q, embedder=embedder)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        v = embedder.embed([q])[0]
        embed_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        for kind in ("note", "passage"):
            search_mod.bm25_ranked(conn, kind, q, filters, 50)
        bm25_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        for kind in ("note", "passage"):
            search_mod.vector_ranked(conn, kind, v, embedder, None, 50)
        faiss_t.append(time.perf_counter() - t)
    vi = vectors.open_index(conn, "passage", embedder.name, embedder.dim)
    return {
        "notes": conn.execute("SELECT count(*) FROM notes").fetchone()[0],
        "passages": conn.execute("SELECT count(*) FROM passages").fetchone()[0],
        "faiss_refresh": {"seconds": refresh, **faiss_states},
        "first_query_s": first,
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * pct(times, 0.95),
        "embed_p50_ms": 1000 * statistics.median(embed_t),
        "bm25_p50_ms": 1000 * statistics.median(bm25_t),
        "faiss_p50_ms": 1000 * statistics.median(faiss_t),
        "passage_index": vi.type,
        "peak_mb": peak_mb(),
    }


# --- faiss sizes ---------------------------------------------------------------------------------


def _real_vectors(home: Path):
    import sqlite3

    sys.path.insert(0, str(REPO))
    from index.embed import from_blobs

    rows = (
        sqlite3.connect(home / "syllabus.db")
        .execute("SELECT vector FROM embeddings WHERE kind = 'passage'")
        .fetchall()
    )
    if not rows:
        raise SystemExit(f"no passage vectors in {home}: run bench_retrieval.py first")
    return from_blobs([r[0] for r in rows], DIM)


def _jitter(rng, real, n: int):
    import numpy as np

    x = real[rng.integers(0, len(real), n)] + 0.04 * rng.standard_normal((n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def part_faiss(args) -> dict:
    import faiss
    import numpy as np

    sys.path.insert(0, str(REPO))
    from index import vectors

    rng = np.random.default_rng(1)
    # Real embeddings are clustered, random ones are not (and random ones are the worst case for
    # HNSW): vectors here are the corpus passages' real vectors, each jittered into many.
    real = _real_vectors(args.home)
    out = {}
    for n in (10_000, 30_000, 50_000, 100_000, 200_000):
        x = _jitter(rng, real, n)
        q = _jitter(rng, real, 50)
        ids = np.arange(n, dtype=np.int64)
        flat = faiss.IndexIDMap(faiss.IndexFlatIP(DIM))
        flat.add_with_ids(x, ids)
        inner = faiss.IndexHNSWFlat(DIM, vectors.HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = vectors.HNSW_EF_CONSTRUCTION
        hnsw = faiss.IndexIDMap(inner)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        t = time.perf_counter()
        hnsw.add_with_ids(x, ids)
        build = time.perf_counter() - t
        faiss.omp_set_num_threads(1)  # as index.vectors searches
        params = faiss.SearchParametersHNSW(efSearch=vectors.HNSW_EF_SEARCH)
        ft, ht, recall = [], [], 0
        for row in q:
            t = time.perf_counter()
            _, fi = flat.search(row[None], 50)
            ft.append(time.perf_counter() - t)
            t = time.perf_counter()
            _, hi = hnsw.search(row[None], 50, params=params)
            ht.append(time.perf_counter() - t)
            recall += len(set(fi[0][:10]) & set(hi[0][:10])) / 10
        out[n] = {
            "flat_ms": 1000 * statistics.median(ft),
            "hnsw_ms": 1000 * statistics.median(ht),
            "hnsw_build_s": build,
            "hnsw_recall@10": recall / len(q),
        }
    out["peak_mb"] = peak_mb()
    return out


# --- throughput ----------------------------------------------------------------------------------


def part_throughput(args, backend: str) -> dict:
    import numpy as np

    os.environ["SYLLABUS_HOME"] = str(args.home)
    sys.path.insert(0, str(REPO))
    from index.embed import get_embedder
    from index.model_spec import model_spec
    from index.reference_model import reference_embedder

    spec = model_spec(None)
    t = time.perf_counter()
    embedder = get_embedder(None, spec=spec, export=False) if backend == "onnx" else reference_embedder(spec)
    embedder.embed(["warm up"])
    load = time.perf_counter() - t
    rng = np.random.default_rng(2)
    words = [
        "the",
        "model",
        "learns",
        "a",
        "representation",
        "of",
        "each",
        "token",
        "from",
        "its",
        "context",
        "and",
        "the",
        "loss",
    ]
    notes = [" ".join(rng.choice(words, size=int(rng.integers(6, 20)))) for _ in range(512)]
    passages = [" ".join(rng.choice(words, size=int(rng.integers(150, 220)))) for _ in range(192)]
    out = {"backend": type(embedder).__name__, "load_s": load}
    for label, texts in (("notes", notes), ("passages", passages)):
        t = time.perf_counter()
        for start in range(0, len(texts), 64):
            embedder.embed(texts[start : start + 64])
        out[f"{label}_per_s"] = len(texts) / (time.perf_counter() - t)
    out["peak_mb"] = peak_mb()
    return out


def run_child(part: str, args) -> None:
    if part == "update":
        result = part_update(args)
    elif part == "st":
        result = part_st(args)
    elif part == "cold":
        result = part_cold(args)
    elif part == "warm":
        result = part_warm(args)
    elif part == "faiss":
        result = part_faiss(args)
    else:
        result = part_throughput(args, part.split("-", 1)[1])
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--home", type=Path, default=Path("/tmp/syllabus-bench-home"))
    parser.add_argument("--only", default="indexing,cold,warm,faiss,throughput")
    parser.add_argument("--rounds", type=int, default=3, help="indexing: rounds of each")
    parser.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args)
        return
    parts = args.only.split(",")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    if "indexing" in parts:
        r = indexing(args)
        first = r["rounds"][0]["update"]
        print(f"\nindex update of the 20 corpus papers ({first['passages']} passages, {first['model']}),")
        print("against sentence-transformers encode() of the same texts, taking turns:")
        print(f"{'':<28} {'passages/s':>18} {'peak MB':>16}")
        for label, key in (("index update", "update"), ("sentence-transformers", "st")):
            speeds = [x[key]["passages_per_s"] for x in r["rounds"]]
            mbs = [x[key]["peak_mb"] for x in r["rounds"]]
            print(
                f"{label:<28} {statistics.median(speeds):>7.1f} ({min(speeds):.1f}-{max(speeds):.1f})"
                f" {statistics.median(mbs):>7.0f} ({min(mbs):.0f}-{max(mbs):.0f})"
            )
        sp, mem = r["speed_ratio"], r["memory_ratio"]
        print(
            f"ratio index update / sentence-transformers: speed {statistics.median(sp):.2f}x"
            f" ({min(sp):.2f}-{max(sp):.2f}), peak memory {statistics.median(mem):.2f}x ({min(mem):.2f}-{max(mem):.2f})"
        )
    if "cold" in parts:
        r = child("cold", args)
        print(f"\ncold CLI over {r['passages']} corpus passages ({args.runs} runs each)")
        print(f"{'command':<28} {'p50 s':>7} {'p95 s':>7} {'min s':>7}")
        for label in ("help", "search", "search --notes"):
            x = r[label]
            print(f"{'syllabus ' + label:<28} {x['p50']:>7.2f} {x['p95']:>7.2f} {x['min']:>7.2f}")
    if "warm" in parts:
        r = child("warm", args)
        print(f"\nwarm queries: {r['notes']} notes, {r['passages']} passages ({r['passage_index']} index)")
        fr = r["faiss_refresh"]
        print(
            f"FAISS refresh as index update does: {fr['seconds']:.1f} s (notes {fr['note']}, passages {fr['passage']})"
        )
        print(f"first query {r['first_query_s']:.2f} s (loads ONNX); then 100 queries:")
        print(
            f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms  (embed {r['embed_p50_ms']:.1f}, "
            f"BM25 {r['bm25_p50_ms']:.1f}, FAISS {r['faiss_p50_ms']:.1f} ms p50); peak {r['peak_mb']:.0f} MB"
        )
    if "faiss" in parts:
        r = child("faiss", args)
        print("\nFAISS, 384-dim, top 50, one query at a time")
        print(f"{'vectors':>8} {'flat ms':>8} {'hnsw ms':>8} {'hnsw build s':>13} {'hnsw recall@10':>15}")
        for n, x in r.items():
            if n == "peak_mb":
                continue
            print(
                f"{int(n):>8} {x['flat_ms']:>8.2f} {x['hnsw_ms']:>8.2f} {x['hnsw_build_s']:>13.1f} "
                f"{x['hnsw_recall@10']:>15.3f}"
            )
    if "throughput" in parts:
        print("\nindexing throughput (sentences/s; notes 6-20 words, passages 150-220 words, batches of 64)")
        print(f"{'backend':<30} {'load s':>7} {'notes/s':>8} {'passages/s':>11} {'peak MB':>8}")
        for backend in ("onnx", "st"):
            r = child(f"throughput-{backend}", args)
            print(
                f"{r['backend']:<30} {r['load_s']:>7.2f} {r['notes_per_s']:>8.0f} {r['passages_per_s']:>11.1f} "
                f"{r['peak_mb']:>8.0f}"
            )


if __name__ == "__main__":
    main()

"""The FAISS cache under the app's three workers at once: one indexing, one searching, one finding
related items. Run in a child process, because the failure this guards against was an abort
("double free or corruption") that would take pytest down with it; before the cache became
copy-on-write, 3 runs in 4 of this test aborted or raised "dictionary changed size during
iteration" within a few seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

STRESS = r"""
import json, sys, threading, time, traceback
sys.path[:0] = [sys.argv[2], sys.argv[3]]
from fakes import BagOfWords
from index import search, update, vectors
from index.db import connect
from index.notes import add_note, delete_note

# argv[4]: HNSW_THRESHOLD; a low one puts the cache on HNSW with its side index, and rebuilds it
# (compact, from refresh_faiss) every few changes while the readers search.
vectors.HNSW_THRESHOLD = int(sys.argv[4])
vectors.COMPACT_MIN_CHANGES, vectors.COMPACT_SHARE = 5, 0.0
emb = BagOfWords()
conn = connect()
for i in range(3000):
    add_note(conn, body=f"seed note {i} about topic{i % 17} and word{i % 29}")
update.sync_note_embeddings(conn, emb)
errors, rounds = [], {"writer": 0, "search": 0, "related": 0}
compactions = 0
stop = time.monotonic() + float(sys.argv[1])

def writer():
    global compactions
    c = connect()
    try:
        n = 0
        while time.monotonic() < stop:
            note = add_note(c, body=f"new note {n} about topic{n % 17}")
            update.sync_note_embeddings(c, emb)
            vectors.open_index(c, "note", emb.name, emb.dim)
            if n % 2:
                delete_note(c, note.id)
                update.sync_note_embeddings(c, emb)
                if update.refresh_faiss(c, emb)["note"] == "rebuilt (compacted)":
                    compactions += 1
            n += 1
            rounds["writer"] += 1
    except Exception:
        errors.append(traceback.format_exc())

def reader(kind):
    c = connect()
    try:
        while time.monotonic() < stop:
            if kind == "search":
                search.search(c, "topic3 word5", embedder=emb, kinds=("note",))
            else:
                search.related(c, text="topic7 word9", embedder=emb)
            rounds[kind] += 1
    except Exception:
        errors.append(traceback.format_exc())

threads = [threading.Thread(target=writer)]
threads += [threading.Thread(target=reader, args=(kind,)) for kind in ("search", "related")]
for t in threads:
    t.start()
for t in threads:
    t.join()
# What the threads left open must be what a fresh process would build from SQLite.
final = vectors.open_index(conn, "note", emb.name, emb.dim)
vectors.forget()
fresh = vectors.open_index(conn, "note", emb.name, emb.dim)
print(json.dumps({"errors": errors, "rounds": rounds, "ids_match": final.ids == fresh.ids,
                  "count_match": final.count == fresh.count, "type": fresh.type,
                  "compacted": compactions}))
"""


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_one_writer_and_two_readers_share_the_cache_safely(syllabus_home, index_type):
    env = dict(os.environ, SYLLABUS_HOME=str(syllabus_home))
    threshold = "1000000" if index_type == "flat" else "1000"
    done = subprocess.run(
        [sys.executable, "-c", STRESS, "6", str(REPO), str(REPO / "tests"), threshold],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, f"the stress run died (exit {done.returncode}):\n{done.stderr[-3000:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    # Each thread really ran alongside the others, many times over.
    assert min(result["rounds"].values()) >= 5, result["rounds"]
    assert result["ids_match"] and result["count_match"]
    assert result["type"] == index_type
    if index_type == "hnsw":
        assert result["compacted"] >= 1, result

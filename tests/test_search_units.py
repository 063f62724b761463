"""Search without the real model: passages, incremental embedding, fusion, filters, snippets.

A tiny deterministic embedder (hashed bag of words) stands in for the model, so these tests are
fast and their expectations exact: texts sharing words are close, others are not.
"""

from __future__ import annotations

import pytest
from fakes import BagOfWords

from index import passages, search, update
from index.db import connect
from index.notes import add_note, delete_note, edit_note
from library.structure.model import Block, DocumentStructure, Section


def words(n: int, word: str = "lorem") -> str:
    return " ".join(f"{word}{i % 7}" for i in range(n))


def structure() -> DocumentStructure:
    """Hand-built: a preamble, section 1 with a subsection 1.1, section 2 and references."""
    blocks = [
        Block(page=1, kind="paragraph", text=words(60, "abstract"), index=0),
        Block(page=1, kind="heading", text="1 Intro", index=1, section="1"),
        Block(page=1, kind="paragraph", text=words(100, "intro"), index=2),
        Block(page=1, kind="paragraph", text=words(100, "intro"), index=3),
        Block(page=2, kind="caption", text="Figure 1: a caption that is skipped", index=4),
        Block(page=2, kind="paragraph", text=words(100, "intro"), index=5),
        Block(page=2, kind="heading", text="1.1 Detail", index=6, section="1.1"),
        Block(page=2, kind="paragraph", text=words(30, "detail"), index=7),
        Block(page=3, kind="heading", text="2 Method", index=8, section="2"),
        Block(page=3, kind="paragraph", text=words(700, "method"), index=9),
        Block(page=4, kind="paragraph", text=words(20, "method"), index=10),
        Block(page=5, kind="heading", text="References", index=11),
        Block(page=5, kind="paragraph", text="[1] A. Author. A paper. 2017.", index=12),
    ]
    sections = [
        Section(number="1", title="Intro", level=1, start_page=1, end_page=2, first_block=1, end_block=8),
        Section(number="1.1", title="Detail", level=2, start_page=2, end_page=2, first_block=6, end_block=8),
        Section(number="2", title="Method", level=1, start_page=3, end_page=4, first_block=8, end_block=11),
        Section(
            number=None, title="References", level=1, start_page=5, end_page=5, first_block=11, end_block=13
        ),
    ]
    return DocumentStructure(kind="pdf", page_count=5, sections=sections, blocks=blocks)


# --- passages ------------------------------------------------------------------------------------


def test_passages_follow_sections_and_stay_bounded():
    s = structure()
    cut = passages.split(s)
    owners = passages.deepest_sections(s)
    by_index = {b.index: owner for b, owner in zip(s.blocks, owners, strict=False)}
    for p in cut:
        # Never across sections: every block of a passage has the passage's (deepest) section.
        assert {(by_index[i].number if by_index[i] else None) for i in range(p.block_start, p.block_end)} == {
            p.section
        }
        assert p.words <= passages.MAX_WORDS + passages.TAIL_WORDS
        assert "caption" not in p.text
    labels = [(p.section, p.section_title, p.page) for p in cut]
    assert labels[0] == (None, None, 1)  # the preamble
    assert ("1", "Intro", 1) in labels and ("1.1", "Detail", 2) in labels
    # The 700-word paragraph is cut at word runs; the 20 words after it join the last piece.
    method = [p for p in cut if p.section == "2"]
    assert len(method) >= 3 and method[-1].text.endswith(words(20, "method"))
    assert not any("Author" in p.text for p in cut)  # references are not passages
    intro = [p for p in cut if p.section == "1"]
    assert all(p.words >= passages.MIN_WORDS for p in intro[:-1])


def test_replace_passages_keeps_vectors_of_unchanged_text(conn):
    s = structure()
    emb = BagOfWords()
    passages.replace_passages(
        conn, document_id=7, reading_key="arxiv:0000.00001", fingerprint="a", passages=passages.split(s)
    )
    first, _ = update.sync_passage_embeddings(conn, emb)
    assert first == conn.execute("SELECT count(*) FROM passages").fetchone()[0] > 0
    # The same passages again (a re-split): new row ids, but nothing is embedded again.
    passages.replace_passages(
        conn, document_id=7, reading_key="arxiv:0000.00001", fingerprint="b", passages=passages.split(s)
    )
    again, removed = update.sync_passage_embeddings(conn, emb)
    assert (again, removed) == (0, 0)
    assert passages.stored_fingerprint(conn, 7) == "b"
    assert (
        conn.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH 'intro0'").fetchone()[0] > 0
    )


# --- embeddings: hashes and models ---------------------------------------------------------------


def test_content_hash_prevents_re_embedding_and_edits_re_embed_one(conn):
    emb = BagOfWords()
    a = add_note(conn, body="gradient clipping keeps updates bounded")
    b = add_note(conn, body="dropout regularises wide layers", tags=["regularisation"])
    assert update.sync_note_embeddings(conn, emb) == (2, 0)
    emb.embedded.clear()
    assert update.sync_note_embeddings(conn, emb) == (0, 0)
    assert emb.embedded == []
    edit_note(conn, b.id, tags=["dropout"])  # tags are part of the embedded text
    assert update.sync_note_embeddings(conn, emb) == (1, 1)
    assert "Tags: dropout" in emb.embedded[0]
    delete_note(conn, a.id)
    assert update.sync_note_embeddings(conn, emb) == (0, 1)
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 1


def test_model_change_re_embeds_exactly_what_it_must(conn):
    first, second = BagOfWords("model-a"), BagOfWords("model-b")
    notes = [add_note(conn, body=f"note number {i} about topic{i}") for i in range(4)]
    assert update.sync_note_embeddings(conn, first)[0] == 4
    assert update.sync_note_embeddings(conn, second)[0] == 4  # a new model: everything, once
    assert update.sync_note_embeddings(conn, second)[0] == 0
    edit_note(conn, notes[2].id, body="a changed note")
    first.embedded.clear()
    assert update.sync_note_embeddings(conn, first)[0] == 1  # back to A: only the edited note
    assert first.embedded == ["a changed note"]
    models = dict(conn.execute("SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())
    assert models == {"model-a": 4, "model-b": 3}  # B's vector of the old text was removed


# --- search --------------------------------------------------------------------------------------


def test_hybrid_search_finds_by_words_and_fuses(conn):
    emb = BagOfWords()
    target = add_note(
        conn, body="Layer normalization stabilises training of deep transformers", tags=["norm"]
    )
    add_note(conn, body="Adam keeps running averages of gradients")
    add_note(conn, body="Beam search decodes several hypotheses")
    hits = search.search(conn, "normalization of layers", embedder=emb, k=3)
    assert hits[0].id == target.id and hits[0].kind == "note" and hits[0].note_id == target.id
    assert "«normalization»" in hits[0].snippet and "«Layer»" in hits[0].snippet
    assert [h.id for h in search.search(conn, "normalization", embedder=emb, mode="bm25")] == [target.id]
    assert search.search(conn, "normalization", embedder=emb, tag="norm", k=5)[0].id == target.id
    assert search.search(conn, "normalization", embedder=emb, tag="other", k=5) == []


def test_a_note_added_after_a_search_is_found_by_the_next(conn):
    emb = BagOfWords()
    add_note(conn, body="first note about optimisers")
    search.search(conn, "optimisers", embedder=emb)
    fresh = add_note(conn, body="zebra crossings and traffic")
    hits = search.search(conn, "zebra traffic", embedder=emb, mode="vector", k=1)
    assert hits and hits[0].id == fresh.id


@pytest.mark.parametrize(
    "query", ['"unbalanced', "AND OR NOT", "col:umn*", "(a) ^b -c", "NEAR(x y)", "ünïcödé"]
)
def test_fts_syntax_in_queries_is_just_text(conn, query):
    add_note(conn, body="AND then OR, not NEAR column a b c ünïcödé")
    hits = search.search(conn, query, embedder=BagOfWords(), mode="bm25")
    assert isinstance(hits, list)


def test_empty_query_and_bad_chapter_are_user_errors(conn):
    from library.errors import UsageError

    with pytest.raises(UsageError):
        search.search(conn, "   ", embedder=BagOfWords())
    with pytest.raises(UsageError):
        search.search(conn, "x", chapter=999, embedder=BagOfWords())


def test_passage_hits_carry_reading_section_page_and_chapter_filter(conn):
    from library import curricula

    cur = curricula.active(conn)
    chapter, reading = next((c, r) for c, r in cur.all_readings(with_resources=False) if r.arxiv_id)
    key = f"arxiv:{reading.arxiv_id}"
    emb = BagOfWords()
    passages.replace_passages(
        conn, document_id=1, reading_key=key, fingerprint="x", passages=passages.split(structure())
    )
    update.sync_passage_embeddings(conn, emb)
    hits = search.search(conn, "detail0 detail1", embedder=emb, kinds=("passage",), k=2)
    top = hits[0]
    assert (top.kind, top.reading, top.arxiv_id, top.section, top.section_title, top.page, top.chapter) == (
        "passage",
        reading.id,
        reading.arxiv_id,
        "1.1",
        "Detail",
        2,
        chapter.number,
    )
    other = next(
        c.number
        for c in cur.chapters
        if c.number != chapter.number and all(r.arxiv_id != reading.arxiv_id for r in c.readings)
    )
    assert search.search(conn, "detail0", embedder=emb, chapter=other) == []
    assert search.search(conn, "detail0", embedder=emb, chapter=chapter.number)[0].section == "1.1"
    assert set(top.to_json()) >= {"kind", "id", "reading", "arxiv_id", "section", "page", "score", "text"}


def test_related_leaves_out_the_item_itself(conn):
    emb = BagOfWords()
    a = add_note(conn, body="attention heads attend to tokens")
    b = add_note(conn, body="tokens attend via attention heads in parallel")
    add_note(conn, body="cooking pasta al dente")
    hits = search.related(conn, note_id=a.id, embedder=emb, k=2)
    assert next(h.id for h in hits) == b.id and a.id not in [h.id for h in hits]


def test_fuse_prefers_items_found_by_both_lists():
    fused = search.fuse([[("note", 1), ("note", 2)], [("note", 2), ("note", 3)]])
    assert fused[0][0] == ("note", 2)
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_snippet_marks_inflections_and_cuts_long_text():
    text = " ".join(
        ["filler"] * 80 + ["The", "dot", "products", "are", "scaled", "by", "dimensions."] + ["tail"] * 80
    )
    s = search.snippet(text, search.query_terms("scaling the dimension"))
    assert "«scaled»" in s and "«dimensions».".replace(".", "") in s
    assert s.startswith("… ") and s.endswith(" …")


def test_tables_of_contents_are_not_passages():
    toc = "1 Introduction . . . . . . . . 2\n2 Method . . . . . . . . . . 4\n3 Results . . . . . . . . 9"
    s = DocumentStructure(
        kind="pdf",
        page_count=1,
        sections=[],
        blocks=[
            Block(page=1, kind="paragraph", text=toc, index=0),
            Block(page=1, kind="paragraph", text="Real prose. " + words(20), index=1),
        ],
    )
    assert [p.text for p in passages.split(s)] == ["Real prose. " + words(20)]


def test_a_note_added_by_another_connection_is_found(conn):
    emb = BagOfWords()
    add_note(conn, body="first note about optimisers")
    search.search(conn, "optimisers", embedder=emb)
    other = connect()
    fresh = add_note(other, body="zebra crossings and traffic")
    other.close()
    hits = search.search(conn, "zebra traffic", embedder=emb, mode="vector", k=1)
    assert hits and hits[0].id == fresh.id


def test_fuse_breaks_ties_by_the_earlier_list_and_puts_leaders_first():
    words, meaning = [("passage", 9), ("passage", 5)], [("passage", 1), ("passage", 5)]
    fused = [item for item, _ in search.fuse([words, meaning])]
    assert fused == [("passage", 5), ("passage", 9), ("passage", 1)]  # 9 and 1 tie: words first
    led = search.fuse([words, meaning], leaders=[("passage", 9), ("passage", 404)])
    assert [item for item, _ in led] == [("passage", 9), ("passage", 5), ("passage", 1)]
    # The leader's bonus is in its score: the scores shown fall with the rank.
    assert led[0][1] == pytest.approx(1 / 61 + search.LEAD_BONUS)
    assert [s for _, s in led] == sorted((s for _, s in led), reverse=True)


def test_confident_top_needs_a_clear_gap():
    assert search.confident_top([(1, 10.0), (2, 8.0)], gap=0.1)  # 20 % ahead
    assert not search.confident_top([(1, 10.0), (2, 9.5)], gap=0.1)
    assert search.confident_top([(1, 3.0)]) and not search.confident_top([])


def test_a_passage_sharing_rare_words_with_the_query_leads_the_hybrid_list(conn):
    emb = BagOfWords()
    target = add_note(conn, body="Gradient noise scale predicts the critical batch size")
    for body in ("batch norm layers", "a larger batch", "noise in labels", "scale of the weights"):
        add_note(conn, body=body)
    scored = search.bm25_scored(
        conn,
        "note",
        "critical gradient noise scale",
        search._Filters(conn, kinds=("note",), chapter=None, reading_key=None, tag=None),
        10,
    )
    assert scored[0][0] == target.id and search.confident_top(scored)
    assert search.search(conn, "critical gradient noise scale", embedder=emb, k=3)[0].id == target.id


def test_reading_map_sees_readings_added_while_running(conn):
    from library import additions, curricula
    from library.catalogue import Reading

    before = search.reading_map(conn)
    mine = Reading(
        id="my-paper",
        title="Mine",
        kind="arxiv",
        url="https://arxiv.org/abs/3333.33333",
        arxiv_id="3333.33333",
        role="optional",
    )
    additions.add(conn, curricula.active(conn), mine, 1)
    after = search.reading_map(conn)
    assert "arxiv:3333.33333" not in before
    assert after["arxiv:3333.33333"] == ("my-paper", 1)


def test_note_word_coverage_follows_edits_of_notes_already_seen(conn):
    """The stems of notes a query found are kept between queries (keyed by the note's text): an
    edit must still count at once, whichever thread or query saw the old text."""
    from index import word_scores

    keep = add_note(conn, body="gradient clipping keeps updates bounded")
    edited = add_note(conn, body="gradient clipping and warmup schedules")
    terms = search.query_terms("gradient clipping warmup")
    first = word_scores.note_coverage(conn, terms, [keep.id, edited.id])
    assert first[edited.id] == 1.0 and 0 < first[keep.id] < 1.0
    assert word_scores.note_coverage(conn, terms, [keep.id, edited.id]) == first  # from the memo
    edit_note(conn, edited.id, body="warmup schedules alone")
    after = word_scores.note_coverage(conn, terms, [keep.id, edited.id])
    assert 0 < after[edited.id] < 1.0 and after[edited.id] != first[edited.id]
    word_scores._NOTE_STEMS.clear()  # what a fresh process computes
    assert word_scores.note_coverage(conn, terms, [keep.id, edited.id]) == after

"""Syllabus's index layer: notes and annotations, embeddings, the FAISS cache, hybrid search.

Builds on ``library`` (never the other way round) and never imports Textual. torch,
sentence-transformers and FAISS are imported only inside the functions that need them.
"""

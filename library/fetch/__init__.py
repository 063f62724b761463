"""Fetching readings into the local library: arXiv papers, direct PDFs, HTML articles.

``planner`` decides how each reading is had (arXiv, PDF, HTML, or only a link, with the
reason); ``http`` downloads with timeouts, retries and a size limit into files that appear
atomically; ``arxiv_source`` speaks to arXiv politely; ``local`` takes PDFs the user already
has; ``run`` ties them together for ``syllabus fetch``. Every module here imports its heavy
dependencies (httpx, arxiv, PyMuPDF, trafilatura) inside the functions that use them.
"""

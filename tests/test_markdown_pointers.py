"""Section pointers in a markdown reading list do not depend on the punctuation after the link, and a
sentence that names a part without giving a pointer is reported (through the installed `syllabus`)."""

from __future__ import annotations

import json

from entry_point import syllabus

LIST = """# Transformers

## Recommended reading

- [Attention Is All You Need](https://arxiv.org/abs/1706.03762). Section 3 of this paper describes the model.
- [Attention, dashed](https://arxiv.org/abs/1706.03763) - Section 3 of this paper describes the model.
- [Mathematics for ML](https://example.org/mml.pdf), the first 49 pages
- [Mathematics, dashed](https://example.org/mml2.pdf) - the first 49 pages
- [Two heads](https://example.org/a.pdf), [second head](https://example.org/b.pdf) - Chapter 2 of the first.
- [Vague](https://example.org/vague.pdf). The section on scaling matters most.
"""


def test_pointers_after_a_full_stop_or_a_comma_are_recognised(syllabus_home, tmp_path):
    source = tmp_path / "list.md"
    source.write_text(LIST)
    result = syllabus(syllabus_home, "curriculum", "import", str(source), "--use", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    chapters = json.loads(syllabus(syllabus_home, "chapters", "--json").stdout)["chapters"]
    assigned = {r["title"]: r["assigned"]["label"] for r in chapters[0]["readings"]}
    assert assigned["Attention Is All You Need"] == assigned["Attention, dashed"] == "Section 3"
    assert assigned["Mathematics for ML"] == assigned["Mathematics, dashed"] == "Pages 1-49"
    assert assigned["Two heads"] == "Chapter 2"  # two head links still make two readings
    assert "Second head" in assigned or "second head" in assigned
    assert report["unrecognised_pointers"] == [
        {"chapter": 1, "reading": "Vague", "sentence": "The section on scaling matters most"}
    ]


def test_the_unrecognised_sentence_is_named_on_stderr(syllabus_home, tmp_path):
    source = tmp_path / "list.md"
    source.write_text(LIST)
    result = syllabus(syllabus_home, "curriculum", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "note: no section or pages understood for 'Vague' in: The section on scaling matters most\n"
    )

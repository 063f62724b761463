"""A page's bytes decoded by what it declares (header, BOM, <meta>), else detection: never U+FFFD."""

from __future__ import annotations

import codecs
import json

import pytest

from library.structure.encoding import decode_page

WORDS = (
    "Un réseau de neurones artificiels est un système dont la conception est à l'origine "
    "schématiquement inspirée du fonctionnement des neurones biologiques, et qui par la suite s'est "
    "rapproché des méthodes statistiques. Les réseaux de neurones sont généralement optimisés par des "
    "méthodes d'apprentissage de type probabiliste, en particulier bayésiens. Ils sont placés d'une "
    "part dans la famille des applications statistiques, qu'ils enrichissent avec un ensemble de "
    "paradigmes permettant de créer des classifications rapides, et d'autre part dans la famille des "
    "méthodes de l'intelligence artificielle auxquelles ils fournissent un mécanisme perceptif "
    "indépendant des idées propres de l'implémenteur: naïve façade, déjà vu."
)
ARTICLE = (
    "<html><head>{meta}<title>Été</title></head><body><article><h1>Résumé</h1><p>{words}</p>"
    "<h2>Deuxième partie</h2><p>{words}</p></article></body></html>"
)


def latin1_page(meta: str = "") -> bytes:
    return ARTICLE.format(meta=meta, words=WORDS).encode("latin-1")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (latin1_page(), None),  # nothing declared: not UTF-8, so detected
        (latin1_page(), "text/html"),
        (latin1_page('<meta charset="iso-8859-1">'), None),
        (latin1_page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'), None),
        (latin1_page(), "text/html; charset=ISO-8859-1"),
        # The header says UTF-8, the bytes say otherwise: the page's own <meta> is believed next.
        (latin1_page('<meta charset="latin1">'), "text/html; charset=utf-8"),
        (ARTICLE.format(meta="", words=WORDS).encode("utf-8"), None),
        (codecs.BOM_UTF16_LE + ARTICLE.format(meta="", words=WORDS).encode("utf-16-le"), None),
        (codecs.BOM_UTF8 + ARTICLE.format(meta="", words=WORDS).encode("utf-8"), "text/html; charset=latin1"),
    ],
)
def test_pages_decode_to_their_text(data, content_type):
    text = decode_page(data, content_type)
    assert WORDS in text
    assert "\ufffd" not in text and not text.startswith("\ufeff")


def test_windows_1252_punctuation_from_a_latin1_label():
    data = '<meta charset="iso-8859-1"><p>“quoted” – dash</p>'.encode("cp1252")
    assert "“quoted” – dash" in decode_page(data)


def test_latin1_file_through_extract(tmp_path, run_cli):
    path = tmp_path / "page.html"
    path.write_bytes(latin1_page())
    code, out, err = run_cli("extract", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [s["title"] for s in data["sections"]] == ["Deuxième partie"]
    assert data["title"] == "Été"
    assert WORDS in data["section"]["text"] and "\ufffd" not in out


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (
            "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Wiadomość została wysłana do "
            "użytkownika, który jest odpowiedzialny za świadczenie usług w tym mieście.",
            "cp1250",
        ),
        (
            "Нейронная сеть — математическая модель, а также её программное или аппаратное воплощение, "
            "построенная по принципу организации биологических нейронных сетей.",
            "cp1251",
        ),
    ],
)
def test_detection_finds_other_code_pages_when_they_read_clearly_better(text, codec):
    data = f"<html><body><p>{text}</p></body></html>".encode(codec)
    assert text in decode_page(data)

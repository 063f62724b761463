"""What a glyph set in a maths font means, as a token of the TeX-like text.

PDF text layers carry maths as characters of TeX's fonts (CMMI, CMSY, CMEX, MSBM and their
Latin Modern, tx/px and Unicode-maths cousins). Most characters come out of PyMuPDF as the right
Unicode; these tables turn them into the one TeX-like form blocks hold (``\\alpha``, ``\\in``,
``\\mathbb{R}``, ``\\mathcal{D}``). Glyphs PyMuPDF cannot name (U+FFFD: the big operators and
delimiters of CMEX, whose glyph names are not in the Adobe list) are named by the font program
itself and looked up here by glyph name (:data:`GLYPH_NAMES`).

Symbols are written as TeX commands, not as their Unicode characters, so that the text is one
notation whatever the source: a label, a search or the HTML side's KaTeX annotations say
``\\succ``; :mod:`library.structure.notation` renders it back as ``≻``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Unicode characters of maths and the TeX command that writes each.
TEX_OF_CHAR: dict[str, str] = {
    # Greek, lower case; ϵ is TeX's \epsilon and ε its \varepsilon (and so for the other variants).
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ϵ": r"\epsilon",
    "ε": r"\varepsilon",
    "ζ": r"\zeta",
    "η": r"\eta",
    "θ": r"\theta",
    "ϑ": r"\vartheta",
    "ι": r"\iota",
    "κ": r"\kappa",
    "λ": r"\lambda",
    "μ": r"\mu",
    "µ": r"\mu",
    "ν": r"\nu",
    "ξ": r"\xi",
    "π": r"\pi",
    "ϖ": r"\varpi",
    "ρ": r"\rho",
    "ϱ": r"\varrho",
    "σ": r"\sigma",
    "ς": r"\varsigma",
    "τ": r"\tau",
    "υ": r"\upsilon",
    "ϕ": r"\phi",
    "φ": r"\varphi",
    "χ": r"\chi",
    "ψ": r"\psi",
    "ω": r"\omega",
    # Greek, upper case (those that differ from Latin letters).
    "Γ": r"\Gamma",
    "Δ": r"\Delta",
    "∆": r"\Delta",
    "Θ": r"\Theta",
    "Λ": r"\Lambda",
    "Ξ": r"\Xi",
    "Π": r"\Pi",
    "Σ": r"\Sigma",
    "Υ": r"\Upsilon",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
    # Big operators (text or display size alike).
    "∑": r"\sum",
    "∏": r"\prod",
    "∐": r"\coprod",
    "∫": r"\int",
    "∬": r"\iint",
    "∮": r"\oint",
    "⋃": r"\bigcup",
    "⋂": r"\bigcap",
    "⨁": r"\bigoplus",
    "⨂": r"\bigotimes",
    "⨀": r"\bigodot",
    "⋀": r"\bigwedge",
    "⋁": r"\bigvee",
    # Binary operators.
    "±": r"\pm",
    "∓": r"\mp",
    "×": r"\times",
    "÷": r"\div",
    "·": r"\cdot",
    "⋅": r"\cdot",
    "∘": r"\circ",
    "◦": r"\circ",
    "•": r"\bullet",
    "∙": r"\bullet",
    "⋆": r"\star",
    "⊕": r"\oplus",
    "⊖": r"\ominus",
    "⊗": r"\otimes",
    "⊙": r"\odot",
    "∪": r"\cup",
    "∩": r"\cap",
    "∧": r"\wedge",
    "∨": r"\vee",
    "∖": r"\setminus",
    "⊔": r"\sqcup",
    "⊓": r"\sqcap",
    "†": r"\dagger",
    "‡": r"\ddagger",
    "≀": r"\wr",
    # Relations.
    "≤": r"\leq",
    "≥": r"\geq",
    "≦": r"\leqq",
    "≧": r"\geqq",
    "≪": r"\ll",
    "≫": r"\gg",
    "≠": r"\neq",
    "≈": r"\approx",
    "∼": r"\sim",
    "≃": r"\simeq",
    "≅": r"\cong",
    "≡": r"\equiv",
    "∝": r"\propto",
    "∈": r"\in",
    "∉": r"\notin",
    "∋": r"\ni",
    "⊂": r"\subset",
    "⊃": r"\supset",
    "⊆": r"\subseteq",
    "⊇": r"\supseteq",
    "⊏": r"\sqsubset",
    "⊑": r"\sqsubseteq",
    "≺": r"\prec",
    "≻": r"\succ",
    "⪯": r"\preceq",
    "⪰": r"\succeq",
    "≼": r"\preccurlyeq",
    "≽": r"\succcurlyeq",
    "≜": r"\triangleq",
    "≐": r"\doteq",
    "⊥": r"\perp",
    "⊢": r"\vdash",
    "⊨": r"\models",
    "≲": r"\lesssim",
    "≳": r"\gtrsim",
    "⪅": r"\lessapprox",
    "⪆": r"\gtrapprox",
    "∣": "|",
    "∥": r"\|",  # CMSY's double bar: a norm's ‖x‖ far more often than "parallel"
    "≔": ":=",
    # Arrows.
    "→": r"\rightarrow",
    "←": r"\leftarrow",
    "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow",
    "⟶": r"\longrightarrow",
    "⟵": r"\longleftarrow",
    "⟹": r"\Longrightarrow",
    "↦": r"\mapsto",
    "⟼": r"\longmapsto",
    "↑": r"\uparrow",
    "↓": r"\downarrow",
    "⇑": r"\Uparrow",
    "⇓": r"\Downarrow",
    "↗": r"\nearrow",
    "↘": r"\searrow",
    "↪": r"\hookrightarrow",
    "⇠": r"\dashleftarrow",
    "⇢": r"\dashrightarrow",
    "⇥": r"\rightarrowbar",
    # Letter-like and miscellaneous symbols.
    "∞": r"\infty",
    "∇": r"\nabla",
    "∂": r"\partial",
    "∀": r"\forall",
    "∃": r"\exists",
    "∄": r"\nexists",
    "∅": r"\emptyset",
    "ø": r"\emptyset",
    "¬": r"\neg",
    "ℓ": r"\ell",
    "ℏ": r"\hbar",
    "ı": r"\imath",
    "ȷ": r"\jmath",
    "℘": r"\wp",
    "ℜ": r"\Re",
    "ℑ": r"\Im",
    "ℵ": r"\aleph",
    "∠": r"\angle",
    "△": r"\triangle",
    "▽": r"\triangledown",
    "□": r"\square",
    "◇": r"\diamond",
    "♯": r"\sharp",
    "♭": r"\flat",
    "✓": r"\checkmark",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "〈": r"\langle",
    "〉": r"\rangle",
    "⌊": r"\lfloor",
    "⌋": r"\rfloor",
    "⌈": r"\lceil",
    "⌉": r"\rceil",
    "‖": r"\|",
    "⊤": r"\top",
    "…": r"\ldots",
    "⋯": r"\cdots",
    "⋮": r"\vdots",
    "⋱": r"\ddots",
    # Characters with a plain ASCII form.
    "−": "-",
    "∗": "*",
    "′": "'",
    "″": "''",
    "∕": "/",
    "∶": ":",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
}

# Accents set above a symbol: the character (spacing form, as fonts carry it) and the command.
ACCENTS: dict[str, str] = {
    "ˆ": r"\hat",
    "^": r"\hat",
    "˜": r"\tilde",
    "~": r"\tilde",
    "¯": r"\bar",
    "ˉ": r"\bar",
    "˙": r"\dot",
    "¨": r"\ddot",
    "ˇ": r"\check",
    "˘": r"\breve",
    "´": r"\acute",
    "`": r"\grave",
    "⃗": r"\vec",
    "→": r"\vec",
    "˚": r"\mathring",
}

# Glyph names of TeX's extension fonts (CMEX and cousins) by stem; a size suffix (big, Big, bigg,
# Bigg, text, display, wide, wider, widest) or a piece suffix (tp, bt, ex, mid: the top, bottom,
# extension and middle of a delimiter built from pieces) follows the stem.
_EXTENSION_STEMS: dict[str, tuple[str, str]] = {
    # stem: (TeX token, role)
    "summation": (r"\sum", "op"),
    "product": (r"\prod", "op"),
    "coproduct": (r"\coprod", "op"),
    "integral": (r"\int", "op"),
    "contintegral": (r"\oint", "op"),
    "union": (r"\bigcup", "op"),
    "intersection": (r"\bigcap", "op"),
    "unionmulti": (r"\biguplus", "op"),
    "unionsq": (r"\bigsqcup", "op"),
    "logicaland": (r"\bigwedge", "op"),
    "logicalor": (r"\bigvee", "op"),
    "circledot": (r"\bigodot", "op"),
    "circleplus": (r"\bigoplus", "op"),
    "circlemultiply": (r"\bigotimes", "op"),
    "parenleft": ("(", "open"),
    "parenright": (")", "close"),
    "bracketleft": ("[", "open"),
    "bracketright": ("]", "close"),
    "braceleft": (r"\{", "open"),
    "braceright": (r"\}", "close"),
    "angbracketleft": (r"\langle", "open"),
    "angbracketright": (r"\rangle", "close"),
    "floorleft": (r"\lfloor", "open"),
    "floorright": (r"\rfloor", "close"),
    "ceilingleft": (r"\lceil", "open"),
    "ceilingright": (r"\rceil", "close"),
    "slash": ("/", "ord"),
    "backslash": (r"\backslash", "ord"),
    "vextendsingle": ("|", "fence"),
    "vextenddouble": (r"\|", "fence"),
    "arrowvertex": ("|", "fence"),
    "arrowvertexdbl": (r"\|", "fence"),
    "brace": (r"\{", "open"),
    "radical": (r"\sqrt", "radical"),
    "hat": (r"\hat", "accent"),
    "tilde": (r"\tilde", "accent"),
}
_EXTENSION_NAME = re.compile(
    r"^(?P<stem>[a-z]+?)(?P<suffix>big|Big|bigg|Bigg|text|display|wide|wider|widest|tp|bt|ex|mid|vertex)?$"
)

# Apple's private-use code points for delimiter pieces (some PDFs map CMEX glyphs to them).
_PRIVATE_PIECES = {
    0xF8E5: "radicalex",
    0xF8E6: "arrowvertex",
    0xF8EB: "parenlefttp",
    0xF8EC: "parenleftex",
    0xF8ED: "parenleftbt",
    0xF8EE: "bracketlefttp",
    0xF8EF: "bracketleftex",
    0xF8F0: "bracketleftbt",
    0xF8F1: "bracelefttp",
    0xF8F2: "braceleftmid",
    0xF8F3: "braceleftbt",
    0xF8F4: "braceex",
    0xF8F5: "integralex",
    0xF8F6: "parenrighttp",
    0xF8F7: "parenrightex",
    0xF8F8: "parenrightbt",
    0xF8F9: "bracketrighttp",
    0xF8FA: "bracketrightex",
    0xF8FB: "bracketrightbt",
    0xF8FC: "bracerighttp",
    0xF8FD: "bracerightmid",
    0xF8FE: "bracerightbt",
}
# Unicode's own delimiter pieces (Unicode maths fonts): the glyph name they stand for.
_UNICODE_PIECES = {
    "⎛": "parenlefttp",
    "⎜": "parenleftex",
    "⎝": "parenleftbt",
    "⎞": "parenrighttp",
    "⎟": "parenrightex",
    "⎠": "parenrightbt",
    "⎡": "bracketlefttp",
    "⎢": "bracketleftex",
    "⎣": "bracketleftbt",
    "⎤": "bracketrighttp",
    "⎥": "bracketrightex",
    "⎦": "bracketrightbt",
    "⎧": "bracelefttp",
    "⎨": "braceleftmid",
    "⎩": "braceleftbt",
    "⎪": "braceex",
    "⎫": "bracerighttp",
    "⎬": "bracerightmid",
    "⎭": "bracerightbt",
    "⎷": "radicalbt",
}

_EXTENSION_FONT = re.compile(
    r"^(CMEX|.*MathExtension|tx(ex|sym)|px(ex|sym)|esint|MnSymbolE|.*Size[1-5])", re.I
)
_BLACKBOARD_FONT = re.compile(r"^(MSBM|.*bbm|dsrom|BBold|.*DoubleStruck|bbold)", re.I)
_CALLIGRAPHIC_FONT = re.compile(r"^(CMSY|CMBSY|.*MathSymbols|txsy|pxsy|eus[mb]|rsfs|.*Script)", re.I)
_FRAKTUR_FONT = re.compile(r"^(eufm|eufb|.*Fraktur)", re.I)
# Fonts that set maths: TeX's and their Latin Modern, tx/px, Euler and Unicode-maths cousins, and
# the Symbol fonts of word processors. Upright CM (CMR) counts: TeX papers in Times set their
# maths in it; a paper whose body is set in CMR is told apart by its body font.
MATH_FONT = re.compile(
    r"^(CM(MI|SY|EX|R|BSY|MIB)\d|CMMIB|MSBM|MSAM|rsfs|esint|eufm|eus[mb]|stmary|wasy|"
    r".*Math|.*MT(Extra|Symbol)|Symbol|StandardSymbols|tx(mi|sy|ex|sym)|px(mi|sy|ex|sym)|MnSymbol|LMMath|Euler|"
    r"STIX(Two)?Math|STIXSize|.*Size[1-5])",
    re.I,
)

# Unicode's mathematical alphanumerics by style, for the double-struck and script letters.
_STYLE_COMMAND = {"DOUBLE-STRUCK": r"\mathbb", "SCRIPT": r"\mathcal", "FRAKTUR": r"\mathfrak"}
_DOUBLE_STRUCK_BMP = {"ℝ": "R", "ℕ": "N", "ℤ": "Z", "ℚ": "Q", "ℂ": "C", "ℍ": "H", "ℙ": "P"}
_SCRIPT_BMP = {"ℬ": "B", "ℰ": "E", "ℱ": "F", "ℋ": "H", "ℐ": "I", "ℒ": "L", "ℳ": "M", "ℛ": "R"}


@functools.cache
def is_math_font(font: str) -> bool:
    return MATH_FONT.match(font) is not None


_SIZE_SUFFIX = re.compile(r"\d+$")  # "CMR10" -> "CMR": a TeX font's family


def font_family(font: str) -> str:
    """A font's name without its design size: CMR10, CMR12 and CMR17 are one family."""
    return _SIZE_SUFFIX.sub("", font)


@functools.cache
def is_maths_text(font: str, body_font: str) -> bool:
    """Whether characters set in ``font`` are maths in a paper whose prose is set in ``body_font``.

    A maths font is, except the body font at any size: a paper set in Computer Modern has its
    prose in CMR10, its title in CMR17 and its headings in CMR12, fonts TeX also sets maths in.
    """
    return is_math_font(font) and font_family(font) != font_family(body_font)


@functools.cache
def is_extension_font(font: str) -> bool:
    return _EXTENSION_FONT.match(font) is not None


def glyph_name_token(name: str) -> tuple[str, str, str] | None:
    """(TeX token, role, piece) for a glyph name of an extension font; ``None`` when unknown.

    ``piece`` is "tp", "bt", "ex", "mid" or "vertex" for a piece of a delimiter built from parts,
    otherwise "". Roles: "op" (big operator), "open"/"close"/"fence" (delimiters), "radical",
    "accent", "ord".
    """
    m = _EXTENSION_NAME.match(name)
    if m is None:
        return None
    stem, suffix = m.group("stem"), m.group("suffix") or ""
    if stem not in _EXTENSION_STEMS:
        if name not in _EXTENSION_STEMS:
            return None
        stem, suffix = name, ""
    token, role = _EXTENSION_STEMS[stem]
    piece = suffix if suffix in ("tp", "bt", "ex", "mid", "vertex") else ""
    if role == "fence":
        piece = "ex"  # a bar's extension glyph is stacked into a tall bar (\Big|), like a brace's pieces
    return token, role, piece


def private_piece_name(char: str) -> str | None:
    """The glyph name of a delimiter piece given as a private-use or Unicode piece character."""
    return _PRIVATE_PIECES.get(ord(char)) or _UNICODE_PIECES.get(char)


@functools.lru_cache(maxsize=4096)
def char_token(char: str, font: str) -> str:
    """The TeX-like token for one character set in ``font`` (a maths font or not)."""
    if "A" <= char <= "Z" or "a" <= char <= "z":
        if _BLACKBOARD_FONT.match(font):
            return r"\mathbb{" + char + "}"
        if "A" <= char <= "Z" and _CALLIGRAPHIC_FONT.match(font):
            return r"\mathcal{" + char + "}"
        if _FRAKTUR_FONT.match(font):
            return r"\mathfrak{" + char + "}"
        return char
    if char.isascii():
        return TEX_OF_CHAR.get(char, char)
    token = TEX_OF_CHAR.get(char)
    if token is not None:
        return token
    return _styled_letter(char)


def _styled_letter(char: str) -> str:
    """A letter from Unicode's mathematical alphabets (𝐴, 𝔼, ℝ, 𝒟) as TeX; other characters as they are."""
    if char in _DOUBLE_STRUCK_BMP:
        return r"\mathbb{" + _DOUBLE_STRUCK_BMP[char] + "}"
    if char in _SCRIPT_BMP:
        return r"\mathcal{" + _SCRIPT_BMP[char] + "}"
    if 0x1D400 <= ord(char) <= 0x1D7FF or char == "ℎ":
        name = unicodedata.name(char, "")
        plain = unicodedata.normalize("NFKC", char)
        for style, command in _STYLE_COMMAND.items():
            if style in name:
                return command + "{" + plain + "}"
        return TEX_OF_CHAR.get(plain, plain)
    return char


# Operator names set upright that take limits below them in displays (max_{a}, arg min_{θ}).
OPERATOR_WORDS = frozenset(
    {
        "max",
        "min",
        "sup",
        "inf",
        "lim",
        "limsup",
        "liminf",
        "argmax",
        "argmin",
        "maximize",
        "minimize",
        "maximise",
        "minimise",
        "det",
        "Pr",
    }
)
_COMMAND_END = re.compile(r"\\[A-Za-z]+$")


def join_tokens(parts: list[str]) -> str:
    """Tokens joined, with a space after a command name that a letter follows (``\\gamma r``)."""
    out = ""
    for part in parts:
        if out and _COMMAND_END.search(out) and part[:1].isalpha():
            out += " "
        out += part
    return out

"""Which files se-lsp understands, and their tree-sitter grammars."""

from __future__ import annotations

import importlib
import threading
from functools import cache
from pathlib import PurePath

from tree_sitter import Language, Parser

RUST = "rust"
CPP = "cpp"
GO = "go"
LANGUAGES = (RUST, CPP, GO)

EXTENSIONS: dict[str, str] = {
    ".rs": RUST,
    ".cpp": CPP,
    ".cc": CPP,
    ".cxx": CPP,
    ".hpp": CPP,
    ".hh": CPP,
    ".h": CPP,
    ".go": GO,
}

# LSP languageId values editors send for the files above.
LANGUAGE_IDS: dict[str, str] = {"rust": RUST, "cpp": CPP, "cuda-cpp": CPP, "go": GO}


def language_for(path_or_uri: str, language_id: str | None = None) -> str | None:
    """The se-lsp language of a file, from its extension first, then its languageId.

    A `.c` file is C, not C++: it is not analysed even when the editor calls it
    "c"; a `.h` header is read as C++ because it usually is one.
    """
    suffix = PurePath(path_or_uri.split("?", 1)[0]).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix == ".c":
        return None
    return LANGUAGE_IDS.get(language_id or "")


_GRAMMAR_MODULES = {RUST: "tree_sitter_rust", CPP: "tree_sitter_cpp", GO: "tree_sitter_go"}


@cache
def grammar(language: str) -> Language:
    module = _GRAMMAR_MODULES.get(language)
    if module is None:
        raise ValueError(f"unsupported language: {language}")
    return Language(importlib.import_module(module).language())


_local = threading.local()


def parser(language: str) -> Parser:
    """A parser for `language` owned by the calling thread (parsers are not thread-safe)."""
    parsers: dict[str, Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    p = parsers.get(language)
    if p is None:
        p = parsers[language] = Parser(grammar(language))
    return p

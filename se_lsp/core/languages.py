"""Which files se-lsp understands: one `Language` description per language.

Everything that differs between Rust, C++ and Go outside the rules themselves lives
here (names, extensions, the languageIds editors send, the grammar, the node types of
a function, the markdown fence), so adding a language is one entry, not a hunt.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language as Grammar
    from tree_sitter import Parser


@dataclass(frozen=True, slots=True)
class Language:
    """The facts about one language that the wings share."""

    id: str  # also the prefix of its rule ids: "rust/alloc-in-loop"
    name: str  # for people: "C++"
    extensions: tuple[str, ...]  # lower-case, with the dot
    language_ids: tuple[str, ...]  # LSP languageId values editors send
    grammar_module: str  # the tree-sitter grammar wheel
    function_types: tuple[str, ...]  # node types of a function or method
    fence: str  # the markdown code-fence tag


RUST_LANGUAGE = Language(
    id="rust",
    name="Rust",
    extensions=(".rs",),
    language_ids=("rust",),
    grammar_module="tree_sitter_rust",
    function_types=("function_item",),
    fence="rust",
)
CPP_LANGUAGE = Language(
    id="cpp",
    name="C++",
    # A `.h` header is read as C++ because it usually is one; `.c` is C and not analysed.
    extensions=(".cpp", ".cc", ".cxx", ".hpp", ".hh", ".h"),
    language_ids=("cpp", "cuda-cpp"),
    grammar_module="tree_sitter_cpp",
    function_types=("function_definition",),
    fence="cpp",
)
GO_LANGUAGE = Language(
    id="go",
    name="Go",
    extensions=(".go",),
    language_ids=("go",),
    grammar_module="tree_sitter_go",
    function_types=("function_declaration", "method_declaration", "func_literal"),
    fence="go",
)

ALL: tuple[Language, ...] = (RUST_LANGUAGE, CPP_LANGUAGE, GO_LANGUAGE)
BY_ID: dict[str, Language] = {lang.id: lang for lang in ALL}

# Short names for the ids, used throughout.
RUST = RUST_LANGUAGE.id
CPP = CPP_LANGUAGE.id
GO = GO_LANGUAGE.id
LANGUAGES: tuple[str, ...] = tuple(BY_ID)

EXTENSIONS: dict[str, str] = {ext: lang.id for lang in ALL for ext in lang.extensions}
LANGUAGE_IDS: dict[str, str] = {lid: lang.id for lang in ALL for lid in lang.language_ids}
# Extensions that look close to ours but are another language: never guessed from languageId.
NOT_OURS = (".c",)


def language_for(path_or_uri: str, language_id: str | None = None) -> str | None:
    """The se-lsp language id of a file, from its extension first, then its languageId."""
    suffix = PurePath(path_or_uri.split("?", 1)[0]).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix in NOT_OURS:
        return None
    return LANGUAGE_IDS.get(language_id or "")


def describe(language: str) -> Language:
    """The description of a language id (raises KeyError for one se-lsp does not know)."""
    return BY_ID[language]


@cache
def grammar(language: str) -> Grammar:
    from tree_sitter import Language as Grammar

    lang = BY_ID.get(language)
    if lang is None:
        raise ValueError(f"unsupported language: {language}")
    return Grammar(importlib.import_module(lang.grammar_module).language())


_local = threading.local()


def parser(language: str) -> Parser:
    """A parser for `language` owned by the calling thread (parsers are not thread-safe)."""
    from tree_sitter import Parser

    parsers: dict[str, Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    p = parsers.get(language)
    if p is None:
        p = parsers[language] = Parser(grammar(language))
    return p

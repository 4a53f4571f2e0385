"""Rust analysis stays bounded on pathological comments, strings and half-written code.

A hang guard, not a timing target: hypothesis' deadline fails a case that takes seconds,
and the fixed cases below are the shapes that made regular expressions over Rust source
backtrack before (runs of `//` in doc comments, unclosed strings and attributes).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from se_lsp.core.positions import LineIndex
from se_lsp.rules import analyze

PIECES = [
    "//",
    "///",
    "/*",
    "*/",
    '"',
    'r#"',
    '"#',
    "'",
    "\\",
    "\n",
    " ",
    ".",
    "..",
    "::",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    "!",
    "&",
    "*",
    "#[allow(clippy::",
    "#![allow(",
    "#[cfg(test)]",
    "#[test]",
    "use a::{b as c, d::*};",
    "Regex::new(",
    "format!(",
    'println!("{}", ',
    ".to_string()",
    ".clone()",
    ".contains_key(&k)",
    ".insert(k, v)",
    ".iter().nth(",
    ".chars().nth(i)",
    ".collect::<Vec<_>>()",
    "for i in 0..v.len() {",
    "while flag.load(Ordering::Acquire) {}",
    "let mut v = Vec::new();",
    "v.push(",
    "fn main() {",
    "impl Foo for Bar {",
    "enum E { A([u8; 4096]), B }",
    "Mutex::new(0u64)",
    "é😀",
    "x",
    "0",
]

rustish = st.lists(st.sampled_from(PIECES), max_size=300).map("".join)


def _check(text: str) -> None:
    result = analyze(text, "rust", test_code="on")
    index = LineIndex(text)
    for f in result.findings:
        assert 0 <= f.span.start.line < max(index.line_count, 1)
        assert f.span.start <= f.span.end


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(rustish)
def test_random_rust_text_is_analysed_in_bounded_time(text: str) -> None:
    _check(text)


def test_doc_comments_full_of_slashes() -> None:
    line = "/// " + "// " * 400 + "\n"
    text = line * 236 + "fn f() { let x = a.to_string(); }\n"
    _check(text)


def test_unclosed_string_attribute_and_use() -> None:
    text = (
        "#![allow(clippy::" + "perf, " * 2000 + "\n"
        'fn f() { let s = "' + "\\" * 5000 + "\n"
        "use a::{" + "b::{" * 500 + "\n" + "v.iter().nth(" * 300
    )
    _check(text)


def test_deeply_nested_expressions() -> None:
    text = "fn f() { let x = " + "(" * 1500 + "a.clone()" + ")" * 1500 + "; }\n"
    _check(text)
    text = "fn f() { " + "for i in 0..n { " * 300 + "v.chars().nth(i);" + "}" * 301 + "\n"
    _check(text)


def test_deep_nesting_the_model_walks_into() -> None:
    """Types through thousands of parentheses, references and nested `cfg`s: the model
    answers "unknown" past a depth instead of overflowing the stack."""
    deep = "(" * 1500 + "String::new()" + ")" * 1500
    _check(f'fn f() {{ let x = {deep}; let y = x.clone(); if x == "a".to_string() {{}} }}\n')
    _check("fn f(x: " + "&" * 3000 + "str) { let y = x.to_string(); }\n")
    _check("fn f() { let v = vec![" + "(" * 3000 + "1" + ")" * 3000 + "]; v.sort(); }\n")
    _check(
        "#[cfg(" + "all(" * 3000 + "test" + ")" * 3001 + "]\n"
        "fn f(mut v: Vec<u8>) { v.truncate(0); }\n"
    )

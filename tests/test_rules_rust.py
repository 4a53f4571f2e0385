"""The built-in Rust rules: what each flags, the near-misses it must leave alone, and its fixes."""

from __future__ import annotations

import pytest

from se_lsp.core.findings import Finding
from se_lsp.core.positions import LineIndex, Pos
from se_lsp.rules import analyze


def in_fn(body: str) -> str:
    lines = "\n".join("    " + ln if ln else ln for ln in body.strip("\n").splitlines())
    return f"fn f() {{\n{lines}\n}}\n"


def found(src: str, rule_id: str) -> list[Finding]:
    return [f for f in analyze(src, "rust").findings if f.code == rule_id]


def fixed(src: str, finding: Finding) -> str:
    assert finding.fix is not None
    index = LineIndex(src)
    a, b = index.offset(finding.fix.span.start), index.offset(finding.fix.span.end)
    return src[:a] + finding.fix.new_text + src[b:]


# (rule, function body) pairs the rule must flag.
FLAGGED = [
    ("regex-in-loop", 'while let Some(l) = it.next() { let r = Regex::new("a+").unwrap(); }'),
    ("regex-in-loop", 'loop { let r = regex::RegexBuilder::new(r"\\w").build(); }'),
    ("format-in-format-args", 'let s = format!("<{}>", format!("{}", x));'),
    ("format-in-format-args", 'writeln!(out, "{v}", v = format!("{a}{b}"))?;'),
    ("format-in-format-args", 'log::info!("loaded {}", format!("{n} rows"));'),
    ("to-string-in-format-args", 'let s = format!("{}-{}", a, self.name.to_string());'),
    ("to-string-in-format-args", 'write!(f, "{0} {0}", n.to_string())?;'),
    ("to-string-in-format-args", 'println!("{x}", x = id.to_string());'),
    ("to-string-in-format-args", 'let s = format!("{}", format!("{}", id.to_string()));'),
    ("format-push-string", 's += &format!("{x},");'),
    ("format-push-string", 'out.push_str(format!("{x}").as_str());'),
    ("format-push-string", 'self.buf.push_str(&format!("{}\\n", line));'),
    ("expect-fun-call", 'let v = m.get(k).expect(&format!("no key {k}"));'),
    ("expect-fun-call", 'let f = File::open(p).expect(format!("open {p}").as_str());'),
    ("needless-collect", "let n = it.map(f).collect::<Vec<_>>().len();"),
    ("needless-collect", "if xs.iter().filter(p).collect::<VecDeque<&u8>>().is_empty() {}"),
    ("manual-str-repeat", 'let s = iter::repeat("ab").take(n).collect::<String>();'),
    ("manual-str-repeat", "let s = repeat('#').take(n + 1).collect::<String>();"),
    ("extend-with-drain", "a.extend(b.drain(..));"),
    ("extend-with-drain", "self.out.extend(self.tmp.drain(..));"),
    ("drain-collect", "let all = v.drain(..).collect::<Vec<_>>();"),
    ("drain-collect", "let s = text.drain(..).collect::<String>();"),
    ("iter-overeager-cloned", "let n = v.iter().cloned().count();"),
    ("iter-overeager-cloned", "let x = m.values().cloned().filter(|s| s.len() > 2).last();"),
    ("iter-overeager-cloned", "let x = v.iter().skip(1).cloned().nth(3);"),
    ("iter-overeager-cloned", "let x = v.iter().cloned().find(|s| s.is_empty());"),
    ("cmp-owned", 'if name == "root".to_string() {}'),
    ("cmp-owned", 'if String::from("x") != key {}'),
    ("cmp-owned", 'let same = s.as_str() == "é".to_owned();'),
    ("cmp-owned", 'let same = name == &"root".to_string();'),
    ("manual-ignore-case-cmp", "if a.to_ascii_uppercase() != b.to_ascii_uppercase() {}"),
    ("manual-ignore-case-cmp", 'if ext.to_ascii_lowercase() == "png" {}'),
    ("manual-ignore-case-cmp", "if a.to_lowercase() == b.to_lowercase() {}"),
    ("manual-clear", "self.buf.truncate(0);"),
    ("single-char-pattern", 'let n = s.matches("x").count();'),
    ("single-char-pattern", 'let (k, v) = s.split_once("=")?;'),
    ("single-char-pattern", 'let t = s.replace("\\t", " ");'),
    ("single-char-pattern", 'let p: Vec<_> = s.splitn(2, ":").collect();'),
    ("single-char-pattern", 'let i = s.find("\'");'),
    ("single-char-pattern", 'if a.starts_with("-") {}'),
    ("single-char-pattern", 'if line.trim().ends_with(";") {}'),
    ("single-char-pattern", 'let base = name.strip_suffix("~");'),
    ("or-fun-call", 'let v = m.get(k).cloned().unwrap_or("none".to_string());'),
    ("or-fun-call", "m.entry(k).or_insert(vec![0; 16]);"),
    ("or-fun-call", 'let v = x.unwrap_or(String::from("a"));'),
    ("or-fun-call", 'let v = m.get(k).ok_or(format!("no {k}"))?;'),
    ("vec-init-then-push", "let mut v = vec![];\nv.push(1);\nv.push(2);\nv.push(3);"),
    ("vec-init-then-push", "let mut v: Vec<u8> = Vec::new();\nv.push(1);\nv.push(2);"),
    ("slow-vector-initialization", "let mut v = Vec::new();\nv.resize(n * 2, 0.0);"),
    ("slow-vector-initialization", "let mut v = Vec::with_capacity(n);\nv.resize(n, 0u8);"),
    ("push-without-capacity", "let mut v = Vec::new();\nfor i in 0..n {\n    v.push(i * 2);\n}"),
    ("push-without-capacity", "let mut v = Vec::new();\nfor i in 0..=64 { v.push(i); }"),
    (
        "push-without-capacity",
        "let mut v = vec![];\nfor (i, x) in xs.iter().enumerate() { v.push(i); }",
    ),
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nlet k = 3;\nfor x in self.items { v.push(x); }",
    ),
]

# Near-misses: same shapes with a different receiver, outside a loop, in a string or
# comment, in a macro, or with a type the rule cannot vouch for.
CLEAN = [
    ("regex-in-loop", 'let r = Regex::new("a+").unwrap();\nfor l in ls { r.is_match(l); }'),
    ("regex-in-loop", "for l in ls { let r = Regex::new(&pat).unwrap(); }"),
    ("regex-in-loop", 'for l in ls { let s = "Regex::new(\\"a\\")"; }'),
    ("regex-in-loop", 'for l in ls { let f = || Regex::new("a"); }'),
    ("format-in-format-args", 'let s = format!("{:?}", format!("{}", x));'),
    ("format-in-format-args", 'let s = format!("{}", fmt(x));'),
    ("format-in-format-args", 'let s = format!("{:1$}", format!("{}", x), w);'),
    ("format-in-format-args", 'let s = format!("format!(\\"{}\\")", x);'),
    ("to-string-in-format-args", 'println!("{:?}", id.to_string());'),
    ("to-string-in-format-args", 'println!("{}", id.to_string().len());'),
    ("to-string-in-format-args", 'println!("{}", (a + b).to_string());'),
    ("to-string-in-format-args", "let s = vec![id.to_string()];"),
    ("to-string-in-format-args", 'println!("{:x}", id.to_string());'),
    ("to-string-in-format-args", 'write!(f, "{:>8}", n.to_string())?;'),
    ("format-in-format-args", 'let s = format!("{:<20}|", format!("{a}.{b}"));'),
    # The comma inside the turbofish splits the tokens wrongly: the macro is skipped.
    ("to-string-in-format-args", 'println!("{} {:?} {}", f::<A, B>(), y.to_string(), z);'),
    ("format-push-string", "s.push_str(&name);"),
    ("format-push-string", 'let t = format!("{x}"); s.push_str(&t);'),
    ("format-push-string", "n += &format_size(x);"),
    ("format-push-string", '// s += &format!("{x}");'),
    ("expect-fun-call", 'let v = m.get(k).expect("no key");'),
    ("expect-fun-call", 'let v = m.get(k).unwrap_or_else(|| panic!("no key {k}"));'),
    ("needless-collect", "let n = it.collect::<HashSet<_>>().len();"),
    ("needless-collect", "let n = it.collect::<String>().len();"),
    ("needless-collect", "let v = it.collect::<Vec<_>>(); let n = v.len(); use_it(v);"),
    ("manual-str-repeat", "let v = repeat(0).take(n).collect::<Vec<_>>();"),
    ("manual-str-repeat", "let s = repeat(piece).take(n).collect::<Vec<String>>();"),
    ("extend-with-drain", "a.extend(b.drain(1..));"),
    ("extend-with-drain", "a.extend(b.iter());"),
    ("drain-collect", "let head = v.drain(..n).collect::<Vec<_>>();"),
    ("drain-collect", "let set = v.drain(..).collect::<HashSet<_>>();"),
    ("iter-overeager-cloned", "let v2: Vec<String> = v.iter().cloned().collect();"),
    ("iter-overeager-cloned", "let x = opt.cloned().filter(|s| s.len() > 2);"),
    ("iter-overeager-cloned", "let x = m.get(k).cloned().take();"),
    ("iter-overeager-cloned", "let x = v.iter().next().cloned();"),
    ("iter-overeager-cloned", "let x = v.iter().cloned().next();"),
    ("iter-overeager-cloned", "let x: Vec<String> = v.iter().cloned().take(3).collect();"),
    ("cmp-owned", 'let owned = "root".to_string();'),
    ("cmp-owned", 'if name == "root" {}'),
    ("cmp-owned", "if a.to_string() == b.to_string() {}"),
    ("cmp-owned", 'if "a".to_string() == "b".to_string() {}'),
    ("cmp-owned", 'if *name == "root".to_string() {}'),
    ("manual-ignore-case-cmp", 'if ext.to_ascii_lowercase() == "PNG" {}'),
    ("manual-ignore-case-cmp", "if a.to_ascii_lowercase() == b.to_ascii_uppercase() {}"),
    ("manual-ignore-case-cmp", "if a.to_lowercase() == b {}"),
    ("manual-ignore-case-cmp", "let lower = a.to_ascii_lowercase();"),
    ("manual-clear", "v.truncate(n);"),
    ("manual-clear", "v.truncate(10);"),
    ("manual-clear", 'let doc = "call v.truncate(0) to empty it";'),
    ("manual-clear", "/* v.truncate(0); */ let k = 1;"),
    ("manual-clear", "my_macro!(v.truncate(0));"),
    ("single-char-pattern", 'let p: Vec<_> = s.split(", ").collect();'),
    ("single-char-pattern", 'if path.starts_with("/") {}'),
    ("single-char-pattern", 'if set.contains("a") {}'),
    ("single-char-pattern", 'let t = s.replace("ab", "c");'),
    ("single-char-pattern", 'let x = opt.replace("a");'),
    ("single-char-pattern", 'let p: Vec<_> = s.split(r"\\").collect();'),
    ("single-char-pattern", 'let p: Vec<_> = s.split("\\u{1F600}x").collect();'),
    ("or-fun-call", 'let v = m.get(k).copied().unwrap_or("none");'),
    ("or-fun-call", "let v = m.get(k).cloned().unwrap_or_default();"),
    ("or-fun-call", "m.entry(k).or_insert(Vec::new());"),
    ("or-fun-call", "m.entry(k).or_insert(vec![]);"),
    ("or-fun-call", 'let v = x.unwrap_or_else(|| "a".to_string());'),
    ("vec-init-then-push", "let mut v = Vec::new();\nv.push(1);\nif c { v.push(2); }"),
    ("vec-init-then-push", "let mut v = Vec::new();\nv.push(1);\nv.push(v.len());"),
    ("vec-init-then-push", "let mut v = Vec::new();\nw.push(1);\nw.push(2);"),
    ("vec-init-then-push", "let mut v = Vec::with_capacity(8);\nv.push(1);\nv.push(2);"),
    ("vec-init-then-push", "let mut v = Vec::new();\nv.push(1);\n// more\nv.push(2);"),
    ("vec-init-then-push", "let mut v = Vec::new();\nlet mut v = w;\nv.push(1);\nv.push(2);"),
    ("slow-vector-initialization", "let mut v = Vec::with_capacity(n);\nv.resize(m, 0);"),
    ("slow-vector-initialization", "let mut v = Vec::with_capacity(n);\nv.resize(n, 1);"),
    ("slow-vector-initialization", "let mut v = Vec::with_capacity(n);\nw.resize(n, 0);"),
    ("push-without-capacity", "let mut v = Vec::with_capacity(n);\nfor i in 0..n { v.push(i); }"),
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nfor i in 0..n { if i % 2 == 0 { v.push(i); } }",
    ),
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nfor i in 0..n { if i > 3 { break; } v.push(i); }",
    ),
    ("push-without-capacity", "let mut v = Vec::new();\nfor l in r.lines() { v.push(l?); }"),
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nfor x in xs.iter().filter(p) { v.push(x); }",
    ),
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nv.reserve(n);\nfor i in 0..n { v.push(i); }",
    ),
    ("push-without-capacity", "let mut v = load();\nfor i in 0..n { v.push(i); }"),
    ("push-without-capacity", "let mut v = Vec::new();\nfor i in 0..4 { v.push(i); }"),
    ("push-without-capacity", "let mut v = Vec::new();\nfor i in 1..=8 { v.push(i); }"),
    # Shadowed: the loop fills a different `v`.
    (
        "push-without-capacity",
        "let mut v = Vec::new();\nlet v = &mut w;\nfor i in 0..n { v.push(i); }",
    ),
]


@pytest.mark.parametrize(("rule_id", "body"), FLAGGED, ids=lambda x: str(x)[:50])
def test_flags(rule_id: str, body: str) -> None:
    assert found(in_fn(body), f"rust/{rule_id}"), body


@pytest.mark.parametrize(("rule_id", "body"), CLEAN, ids=lambda x: str(x)[:50])
def test_leaves_alone(rule_id: str, body: str) -> None:
    src = in_fn(body)
    # A near-miss only counts if it parses: an ERROR node would hide the shape.
    assert not analyze(src, "rust").tree.root_node.has_error, body
    assert not found(src, f"rust/{rule_id}"), body


def test_every_rust_rule_has_flagged_and_clean_cases() -> None:
    from se_lsp.rules import rules_for

    ids = {r.info.id.removeprefix("rust/") for r in rules_for("rust")}
    types_only = {"box-collection", "redundant-allocation", "linkedlist", "mutex-atomic"}
    assert ids - types_only <= {r for r, _ in FLAGGED}
    assert ids - types_only <= {r for r, _ in CLEAN}
    assert len(ids) >= 13


# -- type rules work on whole files ------------------------------------------------

TYPE_CASES = [
    # `Path` spells starts_with/ends_with too, and a `char` is no `AsRef<Path>`.
    ("single-char-pattern", 'fn f(p: &Path) -> bool { p.starts_with("/") }', False),
    ("single-char-pattern", 'fn f(x: &str) { let p = PathBuf::from(x); p.ends_with("a"); }', False),
    (
        "single-char-pattern",
        'fn f(ps: &[PathBuf]) { for p in ps_dirs { p.starts_with("/"); } }',
        False,
    ),
    ("single-char-pattern", 'fn f(e: &Entry) -> bool { e.path().starts_with("/") }', False),
    ("single-char-pattern", 'fn f(x: &P) -> bool { x.parent().unwrap().ends_with("a") }', False),
    ("single-char-pattern", 'fn f(p: &str, q: &Path) -> bool { p.starts_with("/") }', True),
    ("box-collection", "fn f(x: Box<String>) {}", True),
    ("box-collection", "struct S { m: Box<std::collections::HashMap<u8, u8>> }", True),
    ("box-collection", "struct S { m: Box<Node> }", False),
    ("box-collection", "enum E { A(Box<Vec<u8>>), B }", False),
    ("redundant-allocation", "struct S { a: Arc<Box<T>> }", True),
    ("redundant-allocation", "fn f(x: Box<&str>) {}", True),
    ("redundant-allocation", "type T = Rc<Rc<u8>>;", True),
    ("redundant-allocation", "struct S { a: Rc<Box<str>> }", False),
    ("redundant-allocation", "struct S { a: Rc<Box<[u8]>> }", False),
    ("redundant-allocation", "struct S { h: Vec<Box<Box<dyn Fn(&str) + Send>>> }", False),
    ("redundant-allocation", "struct S { a: Rc<RefCell<T>> }", False),
    ("linkedlist", "fn f() -> std::collections::LinkedList<u8> { todo!() }", True),
    ("linkedlist", "struct S { l: List<u8> }", False),
    ("mutex-atomic", "static FLAG: Mutex<bool> = Mutex::new(false);", True),
    ("mutex-atomic", "struct S { n: Arc<parking_lot::Mutex<u64>> }", True),
    ("mutex-atomic", "struct S { n: Mutex<(u64, u64)> }", False),
    ("mutex-atomic", "struct S { ready: Mutex<bool>, cv: Condvar }", False),
    ("mutex-atomic", "struct S { n: RwLock<u64> }", False),
]


@pytest.mark.parametrize(("rule_id", "src", "want"), TYPE_CASES, ids=lambda x: str(x)[:50])
def test_type_rules(rule_id: str, src: str, want: bool) -> None:
    assert bool(found(src + "\n", f"rust/{rule_id}")) is want, src


# -- fixes ----------------------------------------------------------------------------

FIXES = [
    (
        "to-string-in-format-args",
        'println!("{} {}", a, b.to_string());',
        'println!("{} {}", a, b);',
    ),
    ("needless-collect", "let n = it.collect::<Vec<_>>().len();", "let n = it.count();"),
    (
        "manual-str-repeat",
        "let s = std::iter::repeat('\"').take(n).collect::<String>();",
        'let s = "\\"".repeat(n);',
    ),
    ("iter-overeager-cloned", "let n = v.iter().cloned().count();", "let n = v.iter().count();"),
    (
        "iter-overeager-cloned",
        "let x = v.iter().cloned().nth(2);",
        "let x = v.iter().nth(2).cloned();",
    ),
    ("cmp-owned", 'if "a".to_owned() == k {}', 'if "a" == k {}'),
    (
        "manual-ignore-case-cmp",
        "if x.to_ascii_lowercase() != y.to_ascii_lowercase() {}",
        "if !x.eq_ignore_ascii_case(&y) {}",
    ),
    (
        "manual-ignore-case-cmp",
        'if x.to_ascii_uppercase() == "GIF" {}',
        'if x.eq_ignore_ascii_case("GIF") {}',
    ),
    ("manual-clear", "v.truncate(0);", "v.clear();"),
    ("single-char-pattern", 'let i = s.find("\'");', "let i = s.find('\\'');"),
    ("single-char-pattern", 'let i = s.rfind("\\"");', "let i = s.rfind('\"');"),
    (
        "single-char-pattern",
        'let t = s.replacen("ß", "ss", 1);',
        "let t = s.replacen('ß', \"ss\", 1);",
    ),
    (
        "or-fun-call",
        'let v = s.parse().unwrap_or(format!("{s}"));',
        'let v = s.parse().unwrap_or_else(|_| format!("{s}"));',
    ),
    (
        "or-fun-call",
        'let v = o.ok_or(format!("{k}"))?;',
        'let v = o.ok_or_else(|| format!("{k}"))?;',
    ),
    (
        "or-fun-call",
        'm.entry(k).or_insert("x".to_string());',
        'm.entry(k).or_insert_with(|| "x".to_string());',
    ),
    (
        "vec-init-then-push",
        'let mut v: Vec<&str> = Vec::new();\nv.push("a");\nv.push(b);\nrun(v);',
        'let mut v: Vec<&str> = vec!["a", b];\nrun(v);',
    ),
    (
        "slow-vector-initialization",
        "let mut v = Vec::with_capacity(n);\nv.resize(n, 0);\nuse_it(&v);",
        "let mut v = vec![0; n];\nuse_it(&v);",
    ),
]


@pytest.mark.parametrize(("rule_id", "before", "after"), FIXES, ids=lambda x: str(x)[:50])
def test_fix(rule_id: str, before: str, after: str) -> None:
    src = in_fn(before)
    hits = found(src, f"rust/{rule_id}")
    assert hits and hits[0].fix is not None
    assert fixed(src, hits[0]) == in_fn(after)
    assert not found(in_fn(after), f"rust/{rule_id}")


def test_no_fix_where_type_decides() -> None:
    # `unwrap_or` on an unknown receiver may be an Option or a Result: no guessed closure.
    hits = found(in_fn('let v = x.unwrap_or(format!("{y}"));'), "rust/or-fun-call")
    assert hits and hits[0].fix is None


def test_reference_side_fix_drops_the_borrow() -> None:
    src = in_fn('let same = name == &"root".to_string();')
    (hit,) = found(src, "rust/cmp-owned")
    assert fixed(src, hit) == in_fn('let same = name == "root";')


# -- positions, suppression -----------------------------------------------------------


def test_columns_are_code_points_after_non_ascii() -> None:
    src = in_fn('let größe = "ü€😀"; if nom == "é😀".to_string() { buf.truncate(0); }')
    cmp = found(src, "rust/cmp-owned")
    assert [f.span.start for f in cmp] == [Pos(1, 33)]
    assert cmp[0].span.end == Pos(1, 49)
    clear = found(src, "rust/manual-clear")
    assert [f.span.start for f in clear] == [Pos(1, 56)]
    assert fixed(src, clear[0]).count("buf.clear()") == 1


def test_single_char_fix_with_non_ascii_char() -> None:
    src = in_fn('let parts: Vec<&str> = "a→b".split("→").collect();')
    (hit,) = found(src, "rust/single-char-pattern")
    assert hit.span.start == Pos(1, 39)
    assert "split('→')" in fixed(src, hit)


def test_suppression_by_rule_id() -> None:
    # A trailing marker also covers the next line (the engine's rule), so leave a gap.
    body = "buf.truncate(0); // se-lsp: ignore[rust/manual-clear]\nlet k = 1;\nother.truncate(0);"
    hits = found(in_fn(body), "rust/manual-clear")
    assert [f.span.start.line for f in hits] == [3]
    line_before = '// se-lsp: ignore[rust/cmp-owned]\nif a == "x".to_string() {}'
    assert not found(in_fn(line_before), "rust/cmp-owned")
    other_rule = 'if a == "x".to_string() {} // se-lsp: ignore[rust/manual-clear]'
    assert found(in_fn(other_rule), "rust/cmp-owned")


def test_finding_lines_for_multi_statement_rules() -> None:
    src = in_fn("let x = 1;\nlet mut v = Vec::new();\nfor i in 0..x {\n    v.push(i);\n}")
    (hit,) = found(src, "rust/push-without-capacity")
    assert hit.span.start == Pos(3, 4)
    src = in_fn("let mut v = Vec::new();\nv.push(1);\nv.push(2);")
    (hit,) = found(src, "rust/vec-init-then-push")
    assert (hit.span.start, hit.span.end) == (Pos(1, 4), Pos(3, 14))


def test_trailing_comment_is_kept_by_withholding_the_fix() -> None:
    body = "let mut v = Vec::new(); // the usual flags\nv.push(1);\nv.push(2);"
    (hit,) = found(in_fn(body), "rust/vec-init-then-push")
    assert hit.fix is None
    body = "let mut b = Vec::with_capacity(n); // scratch\nb.resize(n, 0);"
    (hit,) = found(in_fn(body), "rust/slow-vector-initialization")
    assert hit.fix is None


def test_fix_withheld_when_it_would_delete_a_comment() -> None:
    body = "let n = it\n    .collect::<Vec<_>>() // keep me\n    .len();"
    (hit,) = found(in_fn(body), "rust/needless-collect")
    assert hit.fix is None
    body = "let n = it.collect::<Vec<_>>().len(); // a trailing note is outside the span"
    (hit,) = found(in_fn(body), "rust/needless-collect")
    assert hit.fix is not None


# -- the fixes still compile ------------------------------------------------------------

_REGEX_STUB = """
mod regex {
    pub struct Regex(String);
    pub struct Captures(Vec<String>);
    impl Regex {
        pub fn new(p: &str) -> Result<Regex, String> { Ok(Regex(p.to_string())) }
        pub fn is_match(&self, s: &str) -> bool { s.contains(self.0.as_str()) }
        pub fn captures(&self, s: &str) -> Option<Captures> {
            Some(Captures(vec![s.to_string(), s.to_string()]))
        }
    }
    impl std::ops::Index<usize> for Captures {
        type Output = str;
        fn index(&self, i: usize) -> &str { &self.0[i] }
    }
}
"""


def _rustc() -> str | None:
    import shutil
    from pathlib import Path

    found_on_path = shutil.which("rustc")
    fallback = Path.home() / ".cargo" / "bin" / "rustc"
    return found_on_path or (str(fallback) if fallback.is_file() else None)


def _apply_all_fixes(src: str) -> tuple[str, int]:
    index = LineIndex(src)
    edits = sorted(
        (
            (index.offset(f.fix.span.start), index.offset(f.fix.span.end), f.fix.new_text)
            for f in analyze(src, "rust").findings
            if f.code.startswith("rust/") and f.fix is not None
        ),
        reverse=True,
    )
    out, limit, applied = src, len(src) + 1, 0
    for a, b, text in edits:
        if b <= limit:
            out, limit, applied = out[:a] + text + out[b:], a, applied + 1
    return out, applied


def _compiles(rustc: str, code: str, tmp_path, name: str) -> tuple[bool, str]:
    import subprocess

    # The stub goes last: `//!` inner doc comments must open the file.
    crate = "#![allow(warnings)]\n" + code + (_REGEX_STUB if "use regex::" in code else "")
    path = tmp_path / f"{name}.rs"
    path.write_text(crate, encoding="utf-8")
    proc = subprocess.run(
        [
            rustc,
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--out-dir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0, proc.stderr


def _fixable_sources() -> list:
    from pathlib import Path

    root = Path(__file__).resolve().parent
    return [*sorted((root / "corpus" / "rust").glob("*.rs")), root.parent / "examples" / "lines.rs"]


@pytest.mark.parametrize("path", _fixable_sources(), ids=lambda p: p.name)
def test_fixes_on_corpus_still_compile(path, tmp_path) -> None:
    """Every quick fix applied to a realistic file leaves code rustc accepts."""
    rustc = _rustc()
    if rustc is None:
        pytest.skip("rustc not installed")
    src = path.read_text(encoding="utf-8")
    ok, err = _compiles(rustc, src, tmp_path, "before")
    assert ok, f"the original {path.name} must compile for this test to mean anything:\n{err}"
    fixed_src, applied = _apply_all_fixes(src)
    if applied == 0:
        pytest.skip(f"no fixable finding in {path.name}")
    ok, err = _compiles(rustc, fixed_src, tmp_path, "after")
    assert ok, f"fixes broke {path.name}:\n{err}"

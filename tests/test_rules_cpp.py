"""The C++ rules: what each one flags, the near-misses it must leave alone, fixes and positions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from se_lsp.core.findings import Finding
from se_lsp.core.positions import LineIndex, Pos
from se_lsp.rules import analyze, rules_for


def found(src: str, rule_id: str) -> list[Finding]:
    return [f for f in analyze(src, "cpp").findings if f.code == rule_id]


def fixed(src: str, finding: Finding) -> str:
    assert finding.fix is not None
    index = LineIndex(src)
    a, b = index.offset(finding.fix.span.start), index.offset(finding.fix.span.end)
    return src[:a] + finding.fix.new_text + src[b:]


# Each case is a whole translation unit; `FLAGGED` must produce the rule's finding, `CLEAN` none.
FLAGGED: list[tuple[str, str]] = [
    # faster-string-find
    ("cpp/faster-string-find", 'int f(const std::string& s) { return s.find("a"); }'),
    ("cpp/faster-string-find", 'int f(std::string_view s) { return s.rfind("."); }'),
    ("cpp/faster-string-find", 'int f(const std::string& s) { return s.find_first_of(","); }'),
    ("cpp/faster-string-find", 'int f(const std::string& s) { return s.find("\\n", 3); }'),
    ("cpp/faster-string-find", 'int f(const std::string& s) { return s.find ("x"); }'),
    ("cpp/faster-string-find", 'int f(std::string* s) { return s->find(":"); }'),
    ("cpp/faster-string-find", 'struct P { std::string p; int f() { return p.find("/"); } };'),
    (
        "cpp/faster-string-find",
        'using namespace std;\nint f(const string& s) { return s.find_last_of("/"); }',
    ),
    # for-range-copy
    ("cpp/for-range-copy", "void f(const V& v) { for (std::string s : v) { g(s.size()); } }"),
    ("cpp/for-range-copy", "void f(const V& v) { for (const std::string s : v) { h(s); } }"),
    (
        "cpp/for-range-copy",
        "void f() { std::vector<std::string> names; for (auto n : names) { out << n; } }",
    ),
    (
        "cpp/for-range-copy",
        "void f(const M& m) { for (std::vector<int> row : m) { total += row.size(); } }",
    ),
    # unnecessary-value-param
    ("cpp/unnecessary-value-param", "int f(std::string s) { return s.size(); }"),
    ("cpp/unnecessary-value-param", "bool f(std::vector<int> v) { return v.empty(); }"),
    (
        "cpp/unnecessary-value-param",
        "int f(std::map<int, int> m, int k) { return m.count(k); }",
    ),
    ("cpp/unnecessary-value-param", "void f(std::function<void()> cb) { if (cb) cb(); }"),
    (
        "cpp/unnecessary-value-param",
        "void f(std::ostream& out, std::string name) { out << name << '\\n'; }",
    ),
    # shared-ptr-by-value
    ("cpp/shared-ptr-by-value", "int f(std::shared_ptr<Conn> c) { return c->fd(); }"),
    ("cpp/shared-ptr-by-value", "int f(std::shared_ptr<Conn> c) { return c ? (*c).fd() : 0; }"),
    # inefficient-string-concatenation
    (
        "cpp/inefficient-string-concatenation",
        "void f(int n) { std::string s; for (int i = 0; i < n; ++i) { s = s + 'x'; } }",
    ),
    (
        "cpp/inefficient-string-concatenation",
        'void f(std::string& s, const V& v) { for (auto& x : v) s = s + x.name + ";"; }',
    ),
    (
        "cpp/inefficient-string-concatenation",
        "struct B { std::string buf; void f() { while (more()) { buf = buf + next(); } } };",
    ),
    # inefficient-vector-operation
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v; for (int i = 0; i < n; i++) { v.push_back(i); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(const std::vector<int>& in) {\n  std::vector<double> v;\n"
        "  for (int x : in) v.emplace_back(x * 0.5);\n}",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v; for (int i = 1; i != n; ++i) { v.push_back(i); } }",
    ),
    # move-const-arg
    (
        "cpp/move-const-arg",
        "void f(const std::string& s) { std::vector<std::string> v; v.push_back(std::move(s)); }",
    ),
    ("cpp/move-const-arg", "void f() { const auto big = load(); take(std::move(big)); }"),
    ("cpp/move-const-arg", "void f() { int n = 3; take(std::move(n)); }"),
    # noexcept-move-constructor
    ("cpp/noexcept-move-constructor", "struct A { A(A&& o); };"),
    ("cpp/noexcept-move-constructor", "struct A {\n  A(A&& o)  // not noexcept yet\n  {}\n};"),
    ("cpp/noexcept-move-constructor", "struct A { A& operator=(A&& o); };"),
    ("cpp/noexcept-move-constructor", "class A { public: A(A&&) {} };"),
    ("cpp/noexcept-move-constructor", "Widget::Widget(Widget&& w) : p(w.p) {}"),
    # noexcept-swap
    ("cpp/noexcept-swap", "void swap(A& a, A& b) { a.swap(b); }"),
    ("cpp/noexcept-swap", "class A { public: void swap(A& other); };"),
    ("cpp/noexcept-swap", "struct A { friend void swap(A& a, A& b) { } };"),
    # enum-size
    ("cpp/enum-size", "enum Color { Red, Green, Blue };"),
    ("cpp/enum-size", "enum class Sign { Minus = -1, Zero, Plus };"),
    ("cpp/enum-size", "enum class Port { Http = 80, Alt = 8080 };"),
    ("cpp/enum-size", "enum class Mask { A = 0x1, B = 0x2, C = 0x4 };"),
    # type-promotion-in-math-fn
    ("cpp/type-promotion-in-math-fn", "float f(float x) { return ::sqrt(x); }"),
    ("cpp/type-promotion-in-math-fn", "float f() { return sin(0.5f); }"),
    ("cpp/type-promotion-in-math-fn", "float f(float a, float b) { return ::pow(a, b); }"),
    ("cpp/type-promotion-in-math-fn", "float f(float a) { return ::exp(a * 2.0f - a); }"),
    # no-automatic-move
    (
        "cpp/no-automatic-move",
        "std::vector<int> f() { const std::vector<int> v = make(); return v; }",
    ),
    ("cpp/no-automatic-move", "std::string f() { const std::string s(10, 'x'); return s; }"),
    # use-emplace
    (
        "cpp/use-emplace",
        "void f(std::vector<Point>& pts) { pts.push_back(Point(1, 2)); }",
    ),
    (
        "cpp/use-emplace",
        "void f() { std::deque<std::string> q; q.push_front(std::string(3, 'a')); }",
    ),
    (
        "cpp/use-emplace",
        "void f(std::vector<std::pair<int, int>>& v) { v.push_back(std::make_pair(1, 2)); }",
    ),
    # inefficient-algorithm
    (
        "cpp/inefficient-algorithm",
        "bool f(const std::unordered_set<int>& s) { return std::count(s.begin(), s.end(), 3); }",
    ),
    (
        "cpp/inefficient-algorithm",
        "auto f(const std::multiset<int>& s) { return std::lower_bound(s.begin(), s.end(), 3); }",
    ),
    # container-size-empty
    ("cpp/container-size-empty", "bool f(const std::string& s) { return s.size() == 0; }"),
    ("cpp/container-size-empty", "bool f(const std::vector<int>& v) { return 0 != v.size(); }"),
    ("cpp/container-size-empty", "bool f(const std::map<int, int>& m) { return m.size() > 0; }"),
]

CLEAN: list[tuple[str, str]] = [
    # faster-string-find: two characters, char literal, unknown receiver, a map, a wide literal
    ("cpp/faster-string-find", 'int f(const std::string& s) { return s.find("ab"); }'),
    ("cpp/faster-string-find", "int f(const std::string& s) { return s.find('a'); }"),
    ("cpp/faster-string-find", 'int f(const Index& idx) { return idx.find("a"); }'),
    (
        "cpp/faster-string-find",
        'int f(const std::map<std::string, int>& m) { return m.find("a") != m.end(); }',
    ),
    ("cpp/faster-string-find", 'int f(const std::wstring& s) { return s.find(L"a"); }'),
    ("cpp/faster-string-find", 'int f(const std::string& s) { return find("a"); }'),
    ("cpp/faster-string-find", '// s.find("a") in a comment\nvoid f(const std::string& s) {}'),
    # for-range-copy: references, ints, mutated or moved copies, unknown auto element type
    ("cpp/for-range-copy", "void f(const V& v) { for (const std::string& s : v) { g(s); } }"),
    ("cpp/for-range-copy", "void f(const V& v) { for (auto&& s : v) { g(s); } }"),
    ("cpp/for-range-copy", "void f(const std::vector<int>& v) { for (int x : v) { g(x); } }"),
    ("cpp/for-range-copy", "void f(const V& v) { for (auto s : v) { g(s); } }"),
    (
        "cpp/for-range-copy",
        "void f(const V& v) { for (std::string s : v) { s += '!'; out << s; } }",
    ),
    (
        "cpp/for-range-copy",
        "void f(const V& v, W& w) { for (std::string s : v) { w.push_back(std::move(s)); } }",
    ),
    ("cpp/for-range-copy", "void f(const V& v) { for (std::string s : v) { normalize(s); } }"),
    (
        "cpp/for-range-copy",
        "void f(const V& v) { for (std::string s : v) { auto& r = s; r.clear(); } }",
    ),
    # unnecessary-value-param: references, moved, mutated, returned, sunk, override, no body
    ("cpp/unnecessary-value-param", "int f(const std::string& s) { return s.size(); }"),
    ("cpp/unnecessary-value-param", "void f(std::string s) { store(std::move(s)); }"),
    ("cpp/unnecessary-value-param", "std::string f(std::string s) { s += 'x'; return s; }"),
    ("cpp/unnecessary-value-param", "std::string f(std::string s) { return s; }"),
    (
        "cpp/unnecessary-value-param",
        "void f(std::vector<int> v) { std::sort(v.begin(), v.end()); }",
    ),
    ("cpp/unnecessary-value-param", "void f(std::vector<int> v) { v.push_back(1); use(v); }"),
    (
        "cpp/unnecessary-value-param",
        "struct A { A(std::string n) : name(n) {} std::string name; };",
    ),
    (
        "cpp/unnecessary-value-param",
        "struct B : A { void f(std::string s) override { log(s.size()); } };",
    ),
    ("cpp/unnecessary-value-param", "void f(std::string s);"),
    ("cpp/unnecessary-value-param", "void f(std::string_view s) { use(s.size()); }"),
    ("cpp/unnecessary-value-param", "void f(std::string s) { auto g = [&] { s.clear(); }; g(); }"),
    ("cpp/unnecessary-value-param", "void f(std::string s) { std::cin >> s; }"),
    ("cpp/unnecessary-value-param", "void f(std::string s) { fill(&s); }"),
    # shared-ptr-by-value: kept, copied, passed on
    ("cpp/shared-ptr-by-value", "void f(std::shared_ptr<C> c) { keep_ = c; }"),
    ("cpp/shared-ptr-by-value", "void f(std::shared_ptr<C> c) { pool.push_back(std::move(c)); }"),
    ("cpp/shared-ptr-by-value", "void f(std::shared_ptr<C> c) { other(c); }"),
    ("cpp/shared-ptr-by-value", "void f(const std::shared_ptr<C>& c) { c->run(); }"),
    ("cpp/shared-ptr-by-value", "void f(std::unique_ptr<C> c) { c->run(); }"),
    (
        "cpp/shared-ptr-by-value",
        "struct S { S(std::shared_ptr<C> c) : c_(std::move(c)) { c_->run(); } };",
    ),
    # inefficient-string-concatenation: outside a loop, +=, another target, an int
    ("cpp/inefficient-string-concatenation", 'void f() { std::string s; s = s + "x"; }'),
    (
        "cpp/inefficient-string-concatenation",
        'void f(int n) { std::string s; for (int i = 0; i < n; ++i) { s += "x"; } }',
    ),
    (
        "cpp/inefficient-string-concatenation",
        'void f(int n) { std::string s, t; for (int i = 0; i < n; ++i) { t = s + "x"; } }',
    ),
    (
        "cpp/inefficient-string-concatenation",
        "void f(int n) { int s = 0; for (int i = 0; i < n; ++i) { s = s + i; } }",
    ),
    (
        "cpp/inefficient-string-concatenation",
        'void f(int n) { std::string s; for (int i = 0; i < n; ++i) { s = "x" + s; } }',
    ),
    (
        "cpp/inefficient-string-concatenation",
        "void f(V& v) { for (auto& x : v) { auto g = [&] { x = x + 1; }; } }",
    ),
    # inefficient-vector-operation: reserved, conditional push, nested, sized, a while loop
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v; v.reserve(n);\n"
        "  for (int i = 0; i < n; ++i) v.push_back(i); }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v;\n"
        "  for (int i = 0; i < n; ++i) { if (i % 2) v.push_back(i); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v(n); for (int i = 0; i < n; ++i) { v.push_back(i); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(Q& q) { std::vector<int> v; while (!q.empty()) { v.push_back(q.pop()); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n, std::vector<int>& v) { for (int i = 0; i < n; ++i) { v.push_back(i); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::list<int> v; for (int i = 0; i < n; ++i) { v.push_back(i); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(R& r) { std::vector<int> v; for (int x : r.items()) { v.push_back(x); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(R r) { std::vector<int*> v;\n"
        "  for (auto it = r.first; it != r.second; it++) { v.push_back(&*it); } }",
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(int n) { std::vector<int> v;\n"
        "  for (int i = 0; i < n; ++i) { if (stop(i)) break; v.push_back(i); } }",
    ),
    # move-const-arg: non-const, const reference returned by a function, pointer-ish unknowns
    ("cpp/move-const-arg", "void f() { std::string s = g(); take(std::move(s)); }"),
    ("cpp/move-const-arg", "void f(std::string s) { take(std::move(s)); }"),
    ("cpp/move-const-arg", "void f() { take(std::move(member_)); }"),
    ("cpp/move-const-arg", "void f(const std::string& s) { take(std::move(s.data)); }"),
    ("cpp/move-const-arg", "void f() { const int n = 3; take(n); }"),
    # noexcept-move-constructor: noexcept, defaulted, copy constructor, other class's ctor
    ("cpp/noexcept-move-constructor", "struct A { A(A&& o) noexcept; };"),
    ("cpp/noexcept-move-constructor", "struct A { A(A&& o) = default; };"),
    ("cpp/noexcept-move-constructor", "struct A { A& operator=(A&&) = delete; };"),
    ("cpp/noexcept-move-constructor", "struct A { A(const A& o); A& operator=(const A&); };"),
    ("cpp/noexcept-move-constructor", "struct A { A(B&& b); };"),
    (
        "cpp/noexcept-move-constructor",
        "template <class T> struct P { template <class U> P(P<U>&& p) : v(p.v) {} T v; };",
    ),
    (
        "cpp/noexcept-move-constructor",
        "struct A { A(A&& o) noexcept; };\nA::A(A&& o) noexcept : p(o.p) {}",
    ),
    # noexcept-swap: noexcept, a call, a two-int swap helper taking values
    ("cpp/noexcept-swap", "void swap(A& a, A& b) noexcept { a.swap(b); }"),
    ("cpp/noexcept-swap", "void f(A& a, A& b) { swap(a, b); }"),
    ("cpp/noexcept-swap", "void swap(int a, int b) { }"),
    ("cpp/noexcept-swap", "struct D { void swap(int i, int j); };"),
    ("cpp/noexcept-swap", "struct L {\n  void swap(L& other) MY_NOEXCEPT;\n};"),
    ("cpp/noexcept-swap", "void L::swap(L& other) MY_NOEXCEPT { }"),
    (
        "cpp/noexcept-swap",
        "struct Q {\n  void swap(Q& q)\n#if FAST\n  noexcept(true)\n#else\n"
        "  noexcept(false)\n#endif\n  { }\n};",
    ),
    (
        "cpp/noexcept-swap",
        "template <typename T>\n"
        "typename enable_if<!ok<T>::value>::type swap(P<T>&, P<T>&) = delete;",
    ),
    # enum-size: explicit base, too large, computed, anonymous, bit flags
    ("cpp/enum-size", "enum class Color : std::uint8_t { Red, Green };"),
    ("cpp/enum-size", "enum Big { A = 100000 };"),
    ("cpp/enum-size", "enum class E { A = kBase, B };"),
    ("cpp/enum-size", "enum { kSize = 16 };"),
    ("cpp/enum-size", "enum Flags { F1 = 1 << 0, F2 = 1 << 1 };"),
    ("cpp/enum-size", "enum class Fwd;"),
    # type-promotion-in-math-fn: std::, doubles, using namespace std, unknown types
    ("cpp/type-promotion-in-math-fn", "float f(float x) { return std::sqrt(x); }"),
    ("cpp/type-promotion-in-math-fn", "double f(double x) { return ::sqrt(x); }"),
    ("cpp/type-promotion-in-math-fn", "float f() { return sin(0.5); }"),
    (
        "cpp/type-promotion-in-math-fn",
        "using namespace std;\nfloat f(float x) { return sqrt(x); }",
    ),
    ("cpp/type-promotion-in-math-fn", "float f(Vec v) { return ::sqrt(v.x); }"),
    ("cpp/type-promotion-in-math-fn", "float f(float x) { return obj.sqrt(x); }"),
    # no-automatic-move: non-const, int, parameter, reference, other return type
    ("cpp/no-automatic-move", "std::string f() { std::string s = g(); return s; }"),
    ("cpp/no-automatic-move", "int f() { const int n = 1; return n; }"),
    ("cpp/no-automatic-move", "std::string f(const std::string s) { return s; }"),
    ("cpp/no-automatic-move", "std::string f() { const std::string& s = g(); return s; }"),
    ("cpp/no-automatic-move", "std::string_view f() { const std::string s = g(); return s; }"),
    ("cpp/no-automatic-move", 'std::string f() { const std::string s = g(); return s + "x"; }'),
    # use-emplace: already an object, a factory, an unknown container, a different type
    ("cpp/use-emplace", "void f(std::vector<Point>& pts, const Point& p) { pts.push_back(p); }"),
    ("cpp/use-emplace", "void f(std::vector<Point>& pts) { pts.push_back(make_point(1, 2)); }"),
    ("cpp/use-emplace", "void f(Path& path) { path.push_back(Point(1, 2)); }"),
    ("cpp/use-emplace", "void f(std::vector<Base>& v) { v.push_back(Derived(1)); }"),
    ("cpp/use-emplace", "void f(std::vector<Point>& pts) { pts.emplace_back(1, 2); }"),
    ("cpp/use-emplace", "void f(std::vector<Point>& pts) { pts.push_back(Point{1, 2}); }"),
    # inefficient-algorithm: member find, a vector, different containers, a map
    ("cpp/inefficient-algorithm", "bool f(const std::set<int>& s) { return s.count(3); }"),
    (
        "cpp/inefficient-algorithm",
        "bool f(const std::vector<int>& v) { return std::find(v.begin(), v.end(), 3) != v.end(); }",
    ),
    (
        "cpp/inefficient-algorithm",
        "bool f(const std::set<int>& a, const std::set<int>& b) "
        "{ return std::find(a.begin(), b.end(), 3) != a.end(); }",
    ),
    (
        "cpp/inefficient-algorithm",
        "auto f(const std::unordered_set<int>& s) "
        "{ return std::lower_bound(s.begin(), s.end(), 3); }",
    ),
    (
        "cpp/inefficient-algorithm",
        "auto f(const std::map<int, int>& m, std::pair<const int, int> p) "
        "{ return std::find(m.begin(), m.end(), p); }",
    ),
    # container-size-empty: other comparisons, unknown type, already empty()
    ("cpp/container-size-empty", "bool f(const std::string& s) { return s.size() == 1; }"),
    ("cpp/container-size-empty", "bool f(const std::string& s) { return s.size() < 0; }"),
    ("cpp/container-size-empty", "bool f(const Ring& r) { return r.size() == 0; }"),
    ("cpp/container-size-empty", "bool f(const std::string& s) { return s.empty(); }"),
    ("cpp/container-size-empty", "int f(const std::string& s) { return s.size() + 0; }"),
]


@pytest.mark.parametrize(
    ("rule_id", "src"), FLAGGED, ids=[f"{r}-{i}" for i, (r, _) in enumerate(FLAGGED)]
)
def test_flagged(rule_id: str, src: str) -> None:
    assert found(src, rule_id), f"{rule_id} should flag:\n{src}"


@pytest.mark.parametrize(
    ("rule_id", "src"), CLEAN, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CLEAN)]
)
def test_clean(rule_id: str, src: str) -> None:
    assert not found(src, rule_id), f"{rule_id} should not flag:\n{src}"


def test_every_rule_has_cases_beyond_its_docs() -> None:
    ids = {r.info.id for r in rules_for("cpp")} - {"cpp/avoid-endl"}
    for rid in ids:
        assert sum(r == rid for r, _ in FLAGGED) >= 2, rid
        assert sum(r == rid for r, _ in CLEAN) >= 3, rid


def test_at_least_thirteen_rules_and_four_fixes() -> None:
    rules = rules_for("cpp")
    assert len(rules) >= 13
    assert sum(r.info.has_fix for r in rules) >= 4


# -- fixes: the exact text, and the finding disappears ---------------------------------

FIXES: list[tuple[str, str, str]] = [
    (
        "cpp/faster-string-find",
        'int f(const std::string& s) { return s.find("\'"); }',
        "int f(const std::string& s) { return s.find('\\''); }",
    ),
    (
        "cpp/faster-string-find",
        'int f(const std::string& s) { return s.find("\\t"); }',
        "int f(const std::string& s) { return s.find('\\t'); }",
    ),
    (
        "cpp/for-range-copy",
        "void f() { std::vector<std::string> names; for (auto n : names) { out << n; } }",
        "void f() { std::vector<std::string> names; for (const auto& n : names) { out << n; } }",
    ),
    (
        "cpp/for-range-copy",
        "void f(const V& v) { for (const std::string s : v) { h(s); } }",
        "void f(const V& v) { for (const std::string& s : v) { h(s); } }",
    ),
    (
        "cpp/inefficient-string-concatenation",
        'void f(int n) {\n  std::string s;\n  while (n--) {\n    s = s + a(n) + "-";\n  }\n}',
        'void f(int n) {\n  std::string s;\n  while (n--) {\n    s += a(n); s += "-";\n  }\n}',
    ),
    (
        "cpp/inefficient-vector-operation",
        "void f(const std::vector<int>& in) {\n  std::vector<int> v;\n"
        "  for (int x : in) v.push_back(x);\n}",
        "void f(const std::vector<int>& in) {\n  std::vector<int> v;\n"
        "  v.reserve(in.size());\n  for (int x : in) v.push_back(x);\n}",
    ),
    (
        "cpp/move-const-arg",
        "void f() { const auto big = load(); take(std::move(big)); }",
        "void f() { const auto big = load(); take(big); }",
    ),
    (
        "cpp/noexcept-move-constructor",
        "struct A { A& operator=(A&& o) & { return *this; } };",
        "struct A { A& operator=(A&& o) & noexcept { return *this; } };",
    ),
    (
        "cpp/noexcept-swap",
        "struct A { friend void swap(A& a, A& b) { } };",
        "struct A { friend void swap(A& a, A& b) noexcept { } };",
    ),
    (
        "cpp/type-promotion-in-math-fn",
        "#include <cmath>\nfloat f() { return sin(0.5f); }",
        "#include <cmath>\nfloat f() { return std::sin(0.5f); }",
    ),
    (
        "cpp/no-automatic-move",
        "std::string f() { const std::string s(10, 'x'); return s; }",
        "std::string f() { std::string s(10, 'x'); return s; }",
    ),
    (
        "cpp/use-emplace",
        "void f(std::vector<Point>& pts) { pts.push_back(Point(1, 2)); }",
        "void f(std::vector<Point>& pts) { pts.emplace_back(1, 2); }",
    ),
    (
        "cpp/inefficient-algorithm",
        "bool f(const std::set<int>& s) { return std::count(s.begin(), s.end(), 3); }",
        "bool f(const std::set<int>& s) { return s.count(3); }",
    ),
    (
        "cpp/container-size-empty",
        "bool f(const std::vector<int>& v) { return 0 < v.size() && ok; }",
        "bool f(const std::vector<int>& v) { return !v.empty() && ok; }",
    ),
]


@pytest.mark.parametrize(("rule_id", "src", "want"), FIXES, ids=[f[0] for f in FIXES])
def test_fix_text(rule_id: str, src: str, want: str) -> None:
    before = found(src, rule_id)
    assert before and before[0].fix is not None
    after = fixed(src, before[0])
    assert after == want
    assert not found(after, rule_id)


def test_out_of_line_move_constructor_is_reported_once_at_the_class() -> None:
    src = "struct A {\n    A(A&& o);\n};\nA::A(A&& o) : p(o.p) {}\n"
    (f,) = found(src, "cpp/noexcept-move-constructor")
    assert f.span.start.line == 1


def test_value_param_read_through_iterators_but_sorted_is_not_flagged() -> None:
    read = "int f(std::vector<int> v) { return std::accumulate(v.begin(), v.end(), 0); }"
    assert found(read, "cpp/unnecessary-value-param")
    written = "int f(std::vector<int> v) { v.front() = 1; return v.back(); }"
    assert not found(written, "cpp/unnecessary-value-param")


def test_no_fix_where_unsafe() -> None:
    # An out-of-line move constructor: adding noexcept only here would mismatch the header.
    out_of_line = found("Widget::Widget(Widget&& w) : p(w.p) {}", "cpp/noexcept-move-constructor")
    assert out_of_line and out_of_line[0].fix is None
    # A declaration whose definition lives elsewhere.
    decl = found("struct A { A(A&& o); };", "cpp/noexcept-move-constructor")
    assert decl and decl[0].fix is None
    # Without <cmath>, std::sqrt may not be declared.
    math = found("float f(float x) { return ::sqrt(x); }", "cpp/type-promotion-in-math-fn")
    assert math and math[0].fix is None
    # A loop bound with a call in it would be evaluated once more.
    vec = found(
        "void f() { std::vector<int> v; for (int i = 0; i < next(); ++i) v.push_back(i); }",
        "cpp/inefficient-vector-operation",
    )
    assert vec and vec[0].fix is None


# -- positions, suppression, scoping -----------------------------------------------------


def test_column_after_non_ascii_is_in_code_points() -> None:
    src = 'int f(const std::string& größe) { return größe.find("ü") + größe.size() * 0; }\n'
    (f,) = found(src, "cpp/faster-string-find")
    col = src.index('"ü"')
    assert f.span.start == Pos(0, col)
    assert f.span.end == Pos(0, col + 3)
    assert f.fix is not None and f.fix.new_text == "'ü'"


def test_astral_characters_before_the_finding() -> None:
    src = 'void f() {\n    std::cout << "😀😀" << std::endl;\n}\n'
    (f,) = found(src, "cpp/avoid-endl")
    line = src.splitlines()[1]
    assert f.span.start == Pos(1, line.index("std::endl"))


def test_enum_span_covers_the_head_only() -> None:
    src = "// Ünïcode\nenum class Étape { Un, Deux };\n"
    (f,) = found(src, "cpp/enum-size")
    assert f.span.start == Pos(1, 0)
    assert f.span.end == Pos(1, len("enum class Étape"))


@pytest.mark.parametrize(
    "comment",
    [
        "// se-lsp: ignore[cpp/faster-string-find]",
        "// se-lsp: ignore",
        "// se-lsp: ignore[cpp/avoid-endl, cpp/faster-string-find]",
    ],
)
def test_suppression(comment: str) -> None:
    src = f'int f(const std::string& s) {{\n    return s.find("a"); {comment}\n}}\n'
    assert not found(src, "cpp/faster-string-find")


def test_suppression_of_another_rule_keeps_the_finding() -> None:
    src = (
        'int f(const std::string& s) {\n    return s.find("a"); // se-lsp: ignore[cpp/enum-size]\n'
        "}\n"
    )
    assert found(src, "cpp/faster-string-find")


def test_suppression_on_the_line_above() -> None:
    src = (
        "void f(int n) {\n  std::vector<int> v;\n  for (int i = 0; i < n; ++i) {\n"
        "    // se-lsp: ignore[cpp/inefficient-vector-operation]\n    v.push_back(i);\n  }\n}\n"
    )
    assert not found(src, "cpp/inefficient-vector-operation")


def test_shadowed_name_uses_the_inner_declaration() -> None:
    src = (
        "int f(const std::string& s, const std::vector<std::string>& v) {\n"
        "    for (const auto& s : v) { g(s); }\n"
        '    { Index s; return s.find("a"); }\n'
        "}\n"
    )
    assert not found(src, "cpp/faster-string-find")
    inner_string = 'int f(Index s) {\n    { std::string s = g(); return s.find("a"); }\n}\n'
    assert found(inner_string, "cpp/faster-string-find")


def test_pattern_in_string_comment_or_macro_is_not_code() -> None:
    src = (
        '#define FIND(s) s.find("a")\n'
        "#define NL std::endl\n"
        "void f(const std::string& s) {\n"
        '    const char* doc = "s.find(\\"a\\") and std::endl";\n'
        '    // s.find("a"); std::cout << std::endl;\n'
        "}\n"
    )
    codes = {f.code for f in analyze(src, "cpp").findings}
    assert "cpp/faster-string-find" not in codes
    assert "cpp/avoid-endl" not in codes


def test_value_param_mentioned_only_in_a_comment_or_string_is_read_only() -> None:
    src = (
        "int f(std::string name) {\n"
        '    // name = "x"; would change it\n'
        '    log("name = other");\n'
        "    return name.size();\n"
        "}\n"
    )
    (f,) = found(src, "cpp/unnecessary-value-param")
    assert f.span.start == Pos(0, 6)
    assert "name" in f.title


def test_confidence_is_lower_for_type_guesses() -> None:
    spelled = found(
        "void f(const V& v) { for (std::string s : v) { g(s.size()); } }", "cpp/for-range-copy"
    )
    guessed = found(
        "void f() { std::vector<std::string> names; for (auto n : names) { out << n; } }",
        "cpp/for-range-copy",
    )
    assert spelled and guessed
    assert guessed[0].confidence < spelled[0].confidence


# -- the quick fixes keep real code compiling ----------------------------------------------

_HERE = Path(__file__).parent
_CORPUS_FILES = sorted(
    [*(_HERE / "corpus" / "cpp").glob("*.cpp"), _HERE.parent / "examples" / "report.cpp"]
)


def _apply_all_fixes(src: str) -> tuple[str, int]:
    """Apply every non-overlapping fix, last first so earlier offsets stay valid."""
    index = LineIndex(src)
    edits = []
    for f in analyze(src, "cpp").findings:
        if f.fix is not None:
            edits.append((index.offset(f.fix.span.start), index.offset(f.fix.span.end), f))
    edits.sort(key=lambda e: e[0], reverse=True)
    out, applied, limit = src, 0, len(src) + 1
    for a, b, f in edits:
        if b > limit or (b == limit and a != b):
            continue
        assert f.fix is not None
        out = out[:a] + f.fix.new_text + out[b:]
        applied += 1
        limit = a
    return out, applied


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs a C++ compiler")
@pytest.mark.parametrize("path", _CORPUS_FILES, ids=lambda p: p.name)
def test_fixed_files_still_compile(path: Path) -> None:
    """The corpus is valid C++17; with every quick fix applied it still is, and is cleaner."""
    src = path.read_text(encoding="utf-8")
    out, applied = _apply_all_fixes(src)
    assert applied > 0
    compiled = subprocess.run(
        ["g++", "-std=c++17", "-fsyntax-only", "-x", "c++", "-"],
        input=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, f"{compiled.stderr}\n---\n{out}"
    still_fixable = [f for f in analyze(out, "cpp").findings if f.fix is not None]
    assert len(still_fixable) < applied

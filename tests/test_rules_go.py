"""The Go rules on more cases than their doc examples: hits, near-misses, positions, fixes."""

from __future__ import annotations

import textwrap

import pytest

from se_lsp.core.positions import LineIndex, Pos
from se_lsp.rules import analyze, rules_for


def go(body: str, header: str = "") -> str:
    """A Go file with `body` as the statements of a function (or whole declarations)."""
    body = textwrap.dedent(body).strip("\n")
    if body.lstrip().startswith(("func ", "type ", "var ", "import ", "const ")):
        return f"package p\n\n{header}{body}\n"
    indented = "\n".join("\t" + ln if ln else ln for ln in body.splitlines())
    return f"package p\n\n{header}func f() {{\n{indented}\n}}\n"


def found(src: str, rule_id: str) -> list:
    return [f for f in analyze(src, "go").findings if f.code == rule_id]


def lines(src: str, rule_id: str) -> list[int]:
    return [f.span.start.line for f in found(src, rule_id)]


def line_of(src: str, needle: str, nth: int = 0) -> int:
    """The 0-based line of the nth line containing `needle`."""
    return [n for n, ln in enumerate(src.splitlines()) if needle in ln][nth]


def apply_fix(src: str, finding) -> str:
    index = LineIndex(src)
    a, b = index.offset(finding.fix.span.start), index.offset(finding.fix.span.end)
    return src[:a] + finding.fix.new_text + src[b:]


def test_at_least_thirteen_rules_with_four_fixes():
    infos = [r.info for r in rules_for("go")]
    assert len(infos) >= 13
    assert sum(i.has_fix for i in infos) >= 4
    assert "go/regexp-in-loop" in {i.id for i in infos}


# -- regexp-in-loop ---------------------------------------------------------


def test_regexp_in_loop_hits_three_clause_and_bare_loops():
    src = go("""
        for i := 0; i < n; i++ {
            regexp.MatchString(p, s)
        }
        for {
            regexp.Match(p, b)
        }
    """)
    assert len(found(src, "go/regexp-in-loop")) == 2


def test_regexp_in_loop_ignores_closure_defined_in_loop_and_compiled_regexp():
    src = go("""
        for _, s := range xs {
            check := func() bool { ok, _ := regexp.MatchString(p, s); return ok }
            _ = check
            re.MatchString(s)
        }
    """)
    assert found(src, "go/regexp-in-loop") == []


# -- range-rune-conversion --------------------------------------------------


def test_range_rune_flags_blank_index_and_bare_range_and_fixes():
    src = go("""
        for _, r := range []rune(s) {
            use(r)
        }
        for range []rune(s) {
            n++
        }
    """)
    fs = found(src, "go/range-rune-conversion")
    assert len(fs) == 2
    fixed = apply_fix(src, fs[0])
    assert "for _, r := range s {" in fixed
    assert len(found(fixed, "go/range-rune-conversion")) == 1


def test_range_rune_keeps_loops_that_use_the_rune_index_or_other_conversions():
    src = go("""
        for i, r := range []rune(s) {
            use(i, r)
        }
        for _, b := range []byte(s) {
            use(b)
        }
        rs := []rune(s)
        for _, r := range rs {
            use(r)
        }
    """)
    assert found(src, "go/range-rune-conversion") == []


def test_range_rune_column_counts_code_points_after_non_ascii():
    src = go("""
        for _, r := range []rune("héllo😀") { use(r) }; x := []rune(s); _ = x
    """)
    src = src.replace('[]rune("héllo😀")', "[]rune(s)").replace("for _, r", 'ü := "ß😀"; for _, r')
    (f,) = found(src, "go/range-rune-conversion")
    line = src.splitlines()[f.span.start.line]
    assert f.span.start == Pos(f.span.start.line, line.index("[]rune(s) {"))


# -- equal-fold -------------------------------------------------------------


@pytest.mark.parametrize(
    "expr,fixed",
    [
        ("strings.ToLower(a) == strings.ToLower(b)", "strings.EqualFold(a, b)"),
        ("strings.ToUpper(a.Name) != strings.ToUpper(b)", "!strings.EqualFold(a.Name, b)"),
        ('strings.ToLower(ext) == ".json"', 'strings.EqualFold(ext, ".json")'),
        ('"GET" == strings.ToUpper(method)', 'strings.EqualFold(method, "GET")'),
    ],
)
def test_equal_fold_flags_and_fixes(expr, fixed):
    src = go(f"ok := {expr}\n_ = ok")
    (f,) = found(src, "go/equal-fold")
    after = apply_fix(src, f)
    assert f"ok := {fixed}" in after
    assert found(after, "go/equal-fold") == []


@pytest.mark.parametrize(
    "expr",
    [
        "strings.ToLower(a) == strings.ToUpper(b)",  # different folding: not equivalent
        "strings.ToLower(a) == b",  # b may not be lowercase
        'strings.ToLower(a) == "Json"',  # literal with upper case never matches: a bug, not perf
        'strings.ToLower(a) == "123"',  # nothing to fold
        "strings.ToLower(a) < strings.ToLower(b)",  # ordering, not equality
        "myLower(a) == myLower(b)",
    ],
)
def test_equal_fold_near_misses(expr):
    assert found(go(f"ok := {expr}\n_ = ok"), "go/equal-fold") == []


def test_equal_fold_ignores_comments_and_strings():
    src = go("""
        // strings.ToLower(a) == strings.ToLower(b)
        s := "strings.ToLower(a) == strings.ToLower(b)"
        _ = s
    """)
    assert found(src, "go/equal-fold") == []


# -- append-loop ------------------------------------------------------------


def test_append_loop_fix_only_with_visible_slice_type():
    src = go("""
        func f(dst []int, src []int, other thing) []int {
            for _, v := range src {
                dst = append(dst, v)
            }
            for _, v := range other.items {
                dst = append(dst, v)
            }
            return dst
        }
    """)
    fs = found(src, "go/append-loop")
    assert len(fs) == 2
    assert fs[0].fix is not None and fs[1].fix is None
    assert fs[1].confidence < fs[0].confidence
    after = apply_fix(src, fs[0])
    assert "dst = append(dst, src...)" in after


def test_append_loop_near_misses():
    src = go("""
        func f(dst []int, src []int, m map[string]int, s string) []int {
            for _, v := range m {
                dst = append(dst, v)
            }
            for _, v := range src {
                dst = append(dst, v*2)
            }
            for i, v := range src {
                dst = append(dst, v)
                log(i)
            }
            for _, v := range src {
                other = append(dst, v)
            }
            for _, r := range s {
                dst = append(dst, int(r))
            }
            return dst
        }
    """)
    assert found(src, "go/append-loop") == []


# -- copy-loop --------------------------------------------------------------


def test_copy_loop_both_forms():
    src = go("""
        func f(src []byte) {
            dst := make([]byte, len(src))
            for i, b := range src {
                dst[i] = b
            }
            for i := range src {
                dst[i] = src[i]
            }
        }
    """)
    fs = found(src, "go/copy-loop")
    assert len(fs) == 2
    assert all(f.fix and f.fix.new_text == "copy(dst, src)" for f in fs)


def test_copy_loop_not_for_maps_or_unknown_or_shifted():
    src = go("""
        func f(src []byte, m map[int]byte, out []byte, dst thing) {
            idx := make(map[int]byte)
            for i, b := range src {
                idx[i] = b
            }
            for k, v := range m {
                out[k] = v
            }
            for i, b := range src {
                dst.buf[i] = b
            }
            for i, b := range src {
                out[i+1] = b
            }
            for i, b := range src {
                out[i] = b ^ 0xff
            }
        }
    """)
    assert found(src, "go/copy-loop") == []


# -- buffer-bytes-string ----------------------------------------------------


def test_buffer_bytes_string_flag_and_fix():
    src = go("""
        s := string(w.buf.Bytes())
        _ = s
    """)
    (f,) = found(src, "go/buffer-bytes-string")
    assert "s := w.buf.String()" in apply_fix(src, f)


def test_buffer_bytes_string_near_misses():
    src = go("""
        a := string(buf.Bytes()[:n])
        b := string(data)
        c := string(buf.Bytes)
        d := buf.String()
        e := string(buf.Bytes(n))
        _, _, _, _, _ = a, b, c, d, e
    """)
    assert found(src, "go/buffer-bytes-string") == []


# -- sprint-literal / errorf-constant ----------------------------------------


def test_sprint_literal_variants():
    src = go("""
        a := fmt.Sprintf("héllo")
        b := fmt.Sprint(`raw`)
        c := fmt.Sprintf("100%%")
        d := fmt.Sprintf("%d", n)
        e := fmt.Sprint(x)
        f := fmt.Sprintln("x")
        g := fmt.Sprintf(format)
        _, _, _, _, _, _, _ = a, b, c, d, e, f, g
    """)
    fs = found(src, "go/sprint-literal")
    assert len(fs) == 2
    line = src.splitlines()[fs[0].span.start.line]
    assert fs[0].span.start.col == line.index("fmt.Sprintf")
    assert 'a := "héllo"' in apply_fix(src, fs[0])


def test_errorf_constant_fix_depends_on_errors_import():
    with_import = 'import (\n\t"errors"\n\t"fmt"\n)\n\nvar _ = errors.New\n\n'
    body = """
        func f() error {
            if bad {
                return fmt.Errorf("no such key")
            }
            return fmt.Errorf("key %q: %w", k, err)
        }
    """
    (f,) = found(go(body, with_import), "go/errorf-constant")
    assert f.fix is not None and f.fix.new_text == 'errors.New("no such key")'
    (g,) = found(go(body, 'import "fmt"\n\n'), "go/errorf-constant")
    assert g.fix is None


def test_errorf_constant_aliased_errors_import_gives_no_fix():
    src = go('func f() error { return fmt.Errorf("x") }', 'import e "errors"\n\n')
    (f,) = found(src, "go/errorf-constant")
    assert f.fix is None


# -- write-sprintf ----------------------------------------------------------


def test_write_sprintf_fix_per_receiver_type():
    src = go("""
        func f(w io.Writer, rw http.ResponseWriter, p *os.File, x thing) {
            var buf bytes.Buffer
            w.Write([]byte(fmt.Sprintf("a %d", 1)))
            buf.Write([]byte(fmt.Sprint(n)))
            p.Write([]byte(fmt.Sprintln("z", n)))
            x.Write([]byte(fmt.Sprintf("b %d", 2)))
            io.WriteString(x, fmt.Sprintf("c %s", s))
            os.Stdout.Write([]byte(fmt.Sprintf("d %v", v)))
        }
    """)
    fs = found(src, "go/write-sprintf")
    texts = [f.fix.new_text if f.fix else None for f in fs]
    assert texts == [
        'fmt.Fprintf(w, "a %d", 1)',
        "fmt.Fprint(&buf, n)",
        'fmt.Fprintln(p, "z", n)',
        None,
        'fmt.Fprintf(x, "c %s", s)',
        'fmt.Fprintf(os.Stdout, "d %v", v)',
    ]


def test_write_sprintf_near_misses():
    src = go("""
        func f(w io.Writer) {
            msg := fmt.Sprintf("a %d", 1)
            w.Write([]byte(msg))
            w.Write([]byte(fmt.Sprintf("a %d", 1))[:3])
            w.WriteString(fmt.Sprintf("b %d", 2))
            send([]byte(fmt.Sprintf("c %d", 3)))
            io.WriteString(w, msg)
        }
    """)
    assert found(src, "go/write-sprintf") == []


# -- append-combine ---------------------------------------------------------


def test_append_combine_one_finding_per_run_and_fix():
    src = go("""
        args = append(args, "-o")
        args = append(args, out)
        args = append(args, "-v")
        log(args)
        s.xs = append(s.xs, 1)
        s.xs = append(s.xs, 2)
    """)
    fs = found(src, "go/append-combine")
    assert len(fs) == 2
    assert fs[0].fix.new_text == 'args = append(args, "-o", out, "-v")'
    assert fs[1].fix.new_text == "s.xs = append(s.xs, 1, 2)"
    after = apply_fix(src, fs[0])
    assert len(found(after, "go/append-combine")) == 1


def test_append_combine_near_misses():
    src = go("""
        a = append(a, 1)
        b = append(b, 2)
        c = append(c, x)
        c = append(c, ys...)
        d = append(d, 1)
        d = append(d, len(d))
        e = append(e, 1)
        // a comment in between keeps them apart
        e = append(e, 2)
        f2 = append(g, 1)
        f2 = append(g, 2)
    """)
    assert found(src, "go/append-combine") == []


# -- prealloc ---------------------------------------------------------------


@pytest.mark.parametrize(
    "decl", ["var out []string", "out := []string{}", "out := make([]string, 0)"]
)
def test_prealloc_declaration_forms(decl):
    src = go(f"""
        func f(users []User) []string {{
            {decl}
            for _, u := range users {{
                out = append(out, u.Name)
            }}
            return out
        }}
    """)
    (f,) = found(src, "go/prealloc")
    assert f.span.start.line == line_of(src, decl)
    assert "make([]string, 0, len(users))" in f.title


@pytest.mark.parametrize(
    "loop_body",
    [
        "if u.Active {\n\t\tout = append(out, u.Name)\n\t}",  # conditional
        "if u.Skip {\n\t\tcontinue\n\t}\n\tout = append(out, u.Name)",
        "out = append(out, u.Name)\n\tif len(out) > 10 {\n\t\tbreak\n\t}",
        "out = append(out, u.Name)\n\tif u.Last {\n\t\treturn out\n\t}",
        "out = append(out, u.Tags...)",  # spread: the final length is unknown
    ],
)
def test_prealloc_skips_loops_with_unknown_length(loop_body):
    src = (
        "package p\n\nfunc f(users []User) []string {\n\tvar out []string\n"
        f"\tfor _, u := range users {{\n\t{loop_body}\n\t}}\n\treturn out\n}}\n"
    )
    assert found(src, "go/prealloc") == []


def test_prealloc_more_near_misses():
    src = go("""
        func f(users []User, ch chan User) []string {
            out := []string{"header"}
            for _, u := range users {
                out = append(out, u.Name)
            }
            var b []string
            b = load()
            for _, u := range users {
                b = append(b, u.Name)
            }
            var c []string
            for u := range ch {
                c = append(c, u.Name)
            }
            d := make([]string, 0, len(users))
            for _, u := range users {
                d = append(d, u.Name)
            }
            var e []string
            for _, u := range users {
                for _, t := range u.Tags {
                    if t == "" {
                        continue
                    }
                }
                switch u.Kind {
                case 1:
                    break
                }
                e = append(e, u.Name)
            }
            return append(append(append(out, b...), c...), append(d, e...)...)
        }
    """)
    assert lines(src, "go/prealloc") == [line_of(src, "var e []string")]


# -- index-alloc ------------------------------------------------------------


def test_index_alloc_confidence_follows_visible_type():
    src = go("""
        func f(b []byte, r rune, data thing) {
            _ = strings.Index(string(b), "x")
            _ = strings.Contains(string(data.raw), "x")
            _ = strings.HasPrefix(string(r), "x")
            _ = strings.Index(s, "x")
            _ = bytes.Index(b, []byte("x"))
        }
    """)
    fs = found(src, "go/index-alloc")
    assert [f.confidence for f in fs] == [0.9, 0.7]  # rune r is skipped, data.raw unknown
    src2 = go("""
        func f(data thing) { _ = strings.Contains(string(raw), "x") }
    """)
    (g,) = found(src2, "go/index-alloc")
    assert g.confidence < 0.9


# -- decode-rune / zero-byte-repeat -------------------------------------------


def test_decode_rune_only_index_zero():
    src = go("""
        a := []rune(s)[0]
        b := []rune(s)[i]
        rs := []rune(s)
        c := rs[0]
        d := []byte(s)[0]
        _, _, _, _ = a, b, c, d
    """)
    assert lines(src, "go/decode-rune") == [line_of(src, "[]rune(s)[0]")]


def test_zero_byte_repeat_zero_spellings():
    src = go("""
        a := bytes.Repeat([]byte{0}, n)
        b := bytes.Repeat([]byte{'\\x00'}, n)
        c := bytes.Repeat([]byte{0, 0}, n)
        d := bytes.Repeat([]byte{' '}, n)
        e := bytes.Repeat(zero, n)
        _, _, _, _, _ = a, b, c, d, e
    """)
    fs = found(src, "go/zero-byte-repeat")
    assert [f.span.start.line for f in fs] == [line_of(src, "{0}"), line_of(src, "x00")]
    assert fs[1].fix.new_text == "make([]byte, n)"


# -- slice-clear ------------------------------------------------------------


def test_slice_clear_zero_values_and_fix():
    src = go("""
        for i := 0; i < len(names); i++ {
            names[i] = ""
        }
        for j := 0; j < len(s.ptrs); j += 1 {
            s.ptrs[j] = nil
        }
    """)
    fs = found(src, "go/slice-clear")
    assert len(fs) == 2
    after = apply_fix(src, fs[1])
    assert "for j := range s.ptrs {" in after


def test_slice_clear_near_misses():
    src = go("""
        for i := 0; i < len(xs); i++ {
            ys[i] = 0
        }
        for i := 1; i < len(xs); i++ {
            xs[i] = 0
        }
        for i := 0; i < len(xs); i += 2 {
            xs[i] = 0
        }
        for i := 0; i < len(xs); i++ {
            xs[i] = 0
            n++
        }
        for i := range xs {
            xs[i] = 0
        }
    """)
    assert found(src, "go/slice-clear") == []


# -- defer-in-loop ----------------------------------------------------------


def test_defer_in_loop_but_not_in_per_iteration_closure():
    src = go("""
        for _, p := range paths {
            f, _ := os.Open(p)
            defer f.Close()
        }
        for _, p := range paths {
            func() {
                f, _ := os.Open(p)
                defer f.Close()
            }()
        }
        defer cleanup()
    """)
    assert lines(src, "go/defer-in-loop") == [line_of(src, "defer f.Close()")]


# -- string-concat-loop -----------------------------------------------------


def test_string_concat_loop_needs_string_declared_outside_the_loop():
    src = go("""
        func f(words []string, total int, prefix string) string {
            s := ""
            var t string
            for _, w := range words {
                s += w
                t = t + w + ","
                total += len(w)
                prefix += "-"
                inner := "x"
                inner += w
                _ = inner
            }
            s += "end"
            return s + t + prefix
        }
    """)
    assert lines(src, "go/string-concat-loop") == [
        line_of(src, "s += w"),
        line_of(src, "t = t + w"),
        line_of(src, 'prefix += "-"'),
    ]


# -- time-after-in-loop -----------------------------------------------------


def test_time_after_only_in_select_inside_loop():
    src = go("""
        for {
            select {
            case <-done:
                return
            case <-time.After(time.Second):
                tick()
            }
        }
        select {
        case <-time.After(time.Second):
        }
        for i := 0; i < 3; i++ {
            <-time.After(time.Millisecond)
        }
    """)
    assert lines(src, "go/time-after-in-loop") == [line_of(src, "time.After(time.Second)")]


# -- suppression and positions ----------------------------------------------


def test_suppression_by_id_and_only_that_id():
    src = go("""
        for _, p := range paths {
            defer p.Close() // se-lsp: ignore[go/defer-in-loop]
            // se-lsp: ignore[go/regexp-in-loop]
            regexp.MatchString(p.Name, s)
            regexp.MatchString(p.Name, s) // se-lsp: ignore[go/defer-in-loop]
        }
    """)
    assert found(src, "go/defer-in-loop") == []
    assert lines(src, "go/regexp-in-loop") == [line_of(src, "MatchString", 1)]


def test_non_ascii_line_columns_are_code_points():
    src = go("""
        for _, p := range paths {
            ключ := "日本😀"; defer p.Close(); _ = ключ
        }
    """)
    (f,) = found(src, "go/defer-in-loop")
    line = src.splitlines()[f.span.start.line]
    assert f.span == f.span.__class__(
        Pos(f.span.start.line, line.index("defer")),
        Pos(f.span.start.line, line.index("; _ = ключ")),
    )


def test_all_rules_quiet_on_idiomatic_code():
    src = go("""
        func render(w io.Writer, users []User) error {
            names := make([]string, 0, len(users))
            for _, u := range users {
                names = append(names, u.Name)
            }
            var b strings.Builder
            for i, n := range names {
                if i > 0 {
                    b.WriteString(", ")
                }
                b.WriteString(n)
            }
            if strings.EqualFold(b.String(), "ADMIN") {
                return errAdmin
            }
            _, err := fmt.Fprintf(w, "%s\\n", b.String())
            return err
        }
    """)
    assert analyze(src, "go").findings == []


def test_append_combine_across_trailing_comment_has_no_fix():
    src = go("""
        h = append(h, "a") // the first header
        h = append(h, "b")
        h = append(h, "c")
    """)
    (f,) = found(src, "go/append-combine")
    assert f.fix is None  # the fix would delete the comment
    assert f.span.end.line == line_of(src, '"c"')


def test_copy_loop_sees_through_a_reslice_of_a_known_slice():
    src = go("""
        func f(buf []byte, s string, n int) {
            dst := make([]byte, n)
            src := buf[8 : 8+n]
            for i, b := range src {
                dst[i] = b
            }
            sub := s[1:]
            for i, r := range sub {
                dst[i] = r
            }
        }
    """)
    assert lines(src, "go/copy-loop") == [line_of(src, "range src")]


def test_rules_survive_half_typed_code():
    """Editors send every keystroke: truncated or damaged files must not crash a rule."""
    from pathlib import Path

    src = (Path(__file__).parent / "corpus" / "go" / "notify.go").read_text(encoding="utf-8")
    step = max(1, len(src) // 60)
    for cut in range(0, len(src), step):
        analyze(src[:cut], "go")
        analyze(src[:cut] + src[cut + 25 :], "go")


def test_time_after_in_case_body_is_a_deadline_reset_not_a_finding():
    src = go("""
        timeout := time.After(d)
        for {
            select {
            case m := <-in:
                timeout = time.After(d)
                use(m)
            case <-timeout:
                return
            }
        }
    """)
    assert found(src, "go/time-after-in-loop") == []


# -- range-val-copy / huge-param ---------------------------------------------

SIZED_TYPES = """
type Small struct {
    ID   int
    Name string
}

type Big struct {
    Small
    Hist  [14]int64
    Label string
}

type Unknown struct {
    Mu   sync.Mutex
    Data [64]int64
}

type Grid [16][16]byte
"""


def test_range_val_copy_uses_field_sizes_from_this_file():
    src = go(
        """
        func f(bigs []Big, smalls []Small, unknowns []Unknown, grids [4]Grid) {
            for _, b := range bigs {
                use(b)
            }
            for i, b := range bigs {
                use(i, b.ID)
            }
            for _, s := range smalls {
                use(s)
            }
            for i := range bigs {
                use(bigs[i])
            }
            for _, u := range unknowns {
                use(u)
            }
            for _, g := range grids {
                use(g)
            }
        }
        """,
        textwrap.dedent(SIZED_TYPES),
    )
    fs = found(src, "go/range-val-copy")
    assert [f.span.start.line for f in fs] == [
        line_of(src, "_, b := range bigs"),
        line_of(src, "i, b := range bigs"),
        line_of(src, "_, g := range grids"),
    ]
    # Big is 24 (Small) + 112 + 16 bytes without padding.
    assert "at least 152 bytes" in fs[0].title
    line = src.splitlines()[fs[0].span.start.line]
    assert fs[0].span.start.col == line.index("b :=")


def test_huge_param_params_and_receivers_only():
    src = go(
        """
        func (b Big) Sum() int { return 0 }
        func (b *Big) Ptr() int { return 0 }
        func use(x Big, y *Big, s Small, u Unknown, g Grid, raw [100]byte) (out Big) {
            var cb func(z Big)
            _ = cb
            return
        }
        type Iface interface {
            Do(v Big)
        }
        """,
        textwrap.dedent(SIZED_TYPES),
    )
    names = [f.title.split("`")[1] for f in found(src, "go/huge-param")]
    assert names == ["b", "x", "g", "raw"]


def test_recursive_and_generic_types_have_no_size():
    src = go("""
        type Node struct {
            Next Node
            Pad  [200]byte
        }
        type Box[T any] struct {
            V   T
            Pad [200]byte
        }
        func f(n Node, b Box[int]) {}
    """)
    assert found(src, "go/huge-param") == []


def test_array_lengths_from_literal_constants_only():
    src = go("""
        const slots = 16
        const (
            kinds = iota
        )
        type Table struct{ Rows [slots]int64 }
        type Kinds struct{ All [kinds]int64 }
        func f(t Table, k Kinds) {}
    """)
    assert [f.title.split("`")[1] for f in found(src, "go/huge-param")] == ["t"]


def test_example_file_shows_its_planted_problems_and_nothing_else():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "filter.go"
    src = path.read_text(encoding="utf-8")
    got = {(f.span.start.line, f.code) for f in analyze(src, "go").findings}
    assert got == {
        (line_of(src, "regexp.MatchString"), "go/regexp-in-loop"),
        (line_of(src, "strings.ToLower"), "go/equal-fold"),
        (line_of(src, "var trimmed []string"), "go/prealloc"),
        (line_of(src, "w.Write("), "go/write-sprintf"),
    }

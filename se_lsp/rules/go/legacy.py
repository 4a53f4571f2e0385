"""Go rules, after staticcheck's SA6xxx, go-critic's performance checks, prealloc and perfsprint.

Go has no macros and spells most types at the declaration, so a lot can be decided from
syntax. Where a rule needs a variable's type it looks the name up in the declarations of
the enclosing function (parameters, `var`, `:=`); when the type is not visible the rule
either stays quiet or reports with lower confidence and no quick fix.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from tree_sitter import Node, Query, QueryCursor

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.languages import grammar
from se_lsp.rules.engine import Context, Rule, RuleInfo, rule

LOOPS = ("for_statement",)
FUNCTION_BOUNDARY = ("function_declaration", "method_declaration", "func_literal")
BENCH = "`go test -bench . -benchmem` on a benchmark of the enclosing function"


_LOOP_SET = frozenset(LOOPS)
_CASE_SET = frozenset({"communication_case"})
_FUNCTION_SET = frozenset(FUNCTION_BOUNDARY)
_NOTHING: frozenset[str] = frozenset()


def up(node: Node, types: frozenset[str], stop: frozenset[str] = _NOTHING) -> Node | None:
    """The nearest ancestor of one of `types`, not past one of `stop` (a lean ctx.ancestor)."""
    parent = node.parent
    while parent is not None:
        t = parent.type
        if t in types:
            return parent
        if t in stop:
            return None
        parent = parent.parent
    return None


def in_loop(ctx: Context, node: Node) -> bool:
    return up(node, _LOOP_SET, _FUNCTION_SET) is not None


# -- shared per-document facts ------------------------------------------------


@dataclass
class _Facts:
    """What several rules want from one document, computed once per analysis."""

    # callee spelling -> calls, filled per qualifier or bare name as rules ask (see calls)
    calls: dict[str, list[Node]] = field(default_factory=dict)
    scanned: set[str] = field(default_factory=set)
    # function node id -> {name: (type text, byte where it was declared)}
    decls: dict[int, dict[str, tuple[str, int]]] = field(default_factory=dict)
    imports: set[str] | None = None
    self_appends: dict[int, SelfAppend] | None = None
    append_starts: list[int] = field(default_factory=list)
    range_loops: list[RangeLoop] | None = None
    sizer: _Sizer | None = None


@dataclass
class RangeLoop:
    """A `for k, v := range src { .. }` loop, taken apart once for all rules."""

    loop: Node
    names: list[str]
    src: Node
    body: Node | None

    @cached_property
    def stmts(self) -> list[Node]:
        return statements(self.body)


def _facts(ctx: Context) -> _Facts:
    facts: _Facts | None = ctx.shared.get("go")
    if facts is None:
        facts = ctx.shared["go"] = _Facts()
    return facts


def _callee_name(ctx: Context, fn: Node) -> str | None:
    """How a call's callee is spelled (`append`, `fmt.Sprintf`), for the calls table."""
    if fn.type == "identifier":
        return ctx.text(fn)
    if fn.type == "selector_expression":
        name = ctx.text(fn)
        if not name.isidentifier() and ("\n" in name or " " in name or "\t" in name):
            name = _squash(name)
        return name
    return None


@cache
def _callee_pattern(key: str) -> re.Pattern[bytes]:
    """Where a callee of `key` may be spelled: `pkg . Name` for a package, else the bare name.

    A superset of the real callees; each hit is confirmed in the tree. A bare name must be
    followed by what can follow a callee (arguments, type arguments or a comment), which
    skips the many `string` types that are not conversions.
    """
    k = re.escape(key).encode()
    if key in _QUALIFIERS:
        return re.compile(k + rb"\s*\.\s*\w+")
    return re.compile(k + rb"(?=\s*[(\[/])")


# Package names whose calls rules ask about; `calls` scans once per qualifier.
_QUALIFIERS = frozenset({"fmt", "regexp", "strings", "bytes", "time"})


def _call_at(ctx: Context, start: int, end: int) -> Node | None:
    """The callee of the call whose callee spans exactly source[start:end], if there is one."""
    node: Node | None = ctx.root.descendant_for_byte_range(start, end)
    while node is not None and node.start_byte == start and node.end_byte == end:
        parent = node.parent
        if parent is not None and parent.type == "call_expression":
            fn = parent.child_by_field_name("function")
            if fn is not None and fn.id == node.id:
                return node
        node = parent
    return None


def _scan_calls(ctx: Context, facts: _Facts, key: str) -> None:
    """Fill the calls table for `key` by scanning the bytes, not by capturing every call.

    A big file has thousands of calls and the rules ask about a dozen callees; finding
    those spellings in the source and confirming each in the tree is much cheaper.
    """
    lo, hi = ctx.scan_range
    bare = key not in _QUALIFIERS
    for m in _callee_pattern(key).finditer(ctx.source, lo, hi):
        fn = _call_at(ctx, m.start(), m.end())
        call = fn.parent if fn is not None else None
        if fn is None or call is None or call.start_byte < lo or call.end_byte > hi:
            continue
        # A bare-name hit is an identifier spelled exactly `key`.
        name = key if bare and fn.type == "identifier" else _callee_name(ctx, fn)
        if name is not None:
            facts.calls.setdefault(name, []).append(call)
    facts.scanned.add(key)


def calls(ctx: Context, *names: str) -> list[Node]:
    """All calls whose callee is spelled as one of `names` (e.g. `fmt.Sprintf`, `append`)."""
    facts = _facts(ctx)
    for n in names:
        key = n.split(".", 1)[0] if "." in n else n
        if key not in facts.scanned:
            if "." in n and key not in _QUALIFIERS:
                raise ValueError(f"calls of {n}: add {key} to _QUALIFIERS")
            _scan_calls(ctx, facts, key)
    table = facts.calls
    if len(names) == 1:
        return table.get(names[0], [])
    out = [c for n in names for c in table.get(n, [])]
    out.sort(key=lambda n: n.start_byte)
    return out


_IMPORT = re.compile(rb"import")


def imports(ctx: Context) -> set[str]:
    """Import paths of the file (only the top-level import declarations)."""
    facts = _facts(ctx)
    if facts.imports is None:
        found: set[str] = set()
        root = ctx.root
        # Only where the keyword is: walking every top-level declaration of a big file
        # costs more than asking the tree about the few `import` spellings.
        for m in _IMPORT.finditer(ctx.source):
            decl = root.first_named_child_for_byte(m.start())
            if decl is None or decl.type != "import_declaration" or decl.start_byte != m.start():
                continue
            stack = list(decl.named_children)
            while stack:
                n = stack.pop()
                if n.type == "import_spec":
                    path = n.child_by_field_name("path")
                    alias = n.child_by_field_name("name")
                    if path is not None and alias is None:
                        found.add(ctx.text(path).strip('"`'))
                else:
                    stack.extend(n.named_children)
        facts.imports = found
    return facts.imports


def args(call: Node) -> list[Node]:
    arglist = call.child_by_field_name("arguments")
    if arglist is None:
        return []
    return [a for a in arglist.named_children if a.type != "comment"]


def enclosing_function(ctx: Context, node: Node) -> Node | None:
    return up(node, _FUNCTION_SET)


_CONSTRUCTORS = {
    "bufio.NewWriter": "*bufio.Writer",
    "bufio.NewWriterSize": "*bufio.Writer",
    "bytes.NewBuffer": "*bytes.Buffer",
    "bytes.NewBufferString": "*bytes.Buffer",
    "os.Create": "*os.File",
    "os.OpenFile": "*os.File",
    "os.Open": "*os.File",
}


def _value_type(ctx: Context, value: Node) -> str:
    """The type an initialiser obviously has, or '' when syntax does not tell."""
    t = value.type
    if t in ("interpreted_string_literal", "raw_string_literal"):
        return "string"
    if t == "composite_literal":
        return _squash(ctx.text(value.child_by_field_name("type")))
    if t == "unary_expression" and ctx.text(value).startswith("&"):
        inner = value.child_by_field_name("operand")
        if inner is not None and inner.type == "composite_literal":
            return "*" + _squash(ctx.text(inner.child_by_field_name("type")))
    if t == "type_conversion_expression":
        return _squash(ctx.text(value.child_by_field_name("type")))
    if t == "slice_expression":
        operand = value.child_by_field_name("operand")
        if operand is not None and operand.type == "identifier":
            return _SLICE_OF + ctx.text(operand)
    if t == "call_expression":
        fn = value.child_by_field_name("function")
        name = _squash(ctx.text(fn))
        a = args(value)
        if name == "make" and a:
            return _squash(ctx.text(a[0]))
        if name == "new" and a:
            return "*" + _squash(ctx.text(a[0]))
        if name == "string" and len(a) == 1:
            return "string"
        return _CONSTRUCTORS.get(name, "")
    return ""


_SLICE_OF = "slice-of:"


def _squash(text: str) -> str:
    """`text` without whitespace, so `[] byte` and `[]byte` compare equal."""
    if " " not in text and "\n" not in text and "\t" not in text:
        return text
    return "".join(text.split())


_DECLARING = (
    "parameter_declaration",
    "variadic_parameter_declaration",
    "var_spec",
    "short_var_declaration",
    "range_clause",
)


@cache
def _decl_query() -> Query:
    return Query(grammar("go"), "\n".join(f"({t}) @{t}" for t in _DECLARING))


def declarations(ctx: Context, func: Node) -> dict[str, tuple[str, int]]:
    """Names declared in `func` with their visible type text and declaration offset.

    Later declarations of the same name win; shadowing in inner scopes is not modelled,
    which is why callers only use this to confirm a type, never to invent a finding.
    """
    facts = _facts(ctx)
    known = facts.decls.get(func.id)
    if known is not None:
        return known
    out: dict[str, tuple[str, int]] = {}
    # A query restricted to the function's bytes walks the tree in C, not in Python.
    cursor = QueryCursor(_decl_query())
    cursor.set_byte_range(func.start_byte, func.end_byte)
    found = [n for nodes in cursor.captures(func).values() for n in nodes]
    found.sort(key=lambda n: n.start_byte)
    for n in found:
        t = n.type
        if t in ("parameter_declaration", "variadic_parameter_declaration", "var_spec"):
            typ = n.child_by_field_name("type")
            typ_text = _squash(ctx.text(typ)) if typ is not None else ""
            if t == "variadic_parameter_declaration":
                typ_text = "[]" + typ_text
            values: list[Node] = []
            val = n.child_by_field_name("value")
            if val is not None:
                values = [v for v in val.named_children if v.type != "comment"]
            names = [c for c in n.children_by_field_name("name")]
            for i, name in enumerate(names):
                ty = typ_text
                if not ty and len(values) == len(names):
                    ty = _value_type(ctx, values[i])
                out[ctx.text(name)] = (ty, n.start_byte)
        elif t == "short_var_declaration":
            left = n.child_by_field_name("left")
            right = n.child_by_field_name("right")
            lnames = left.named_children if left is not None else []
            rvals = right.named_children if right is not None else []
            for i, name in enumerate(lnames):
                ty = ""
                if len(rvals) == len(lnames):
                    ty = _value_type(ctx, rvals[i])
                elif len(rvals) == 1 and i == 0:
                    ty = _value_type(ctx, rvals[0])
                out[ctx.text(name)] = (ty, n.start_byte)
        elif t == "range_clause":
            # Range variables have the element type, which syntax rarely shows.
            left = n.child_by_field_name("left")
            for name in left.named_children if left is not None else []:
                out[ctx.text(name)] = ("", n.start_byte)
    for key, (ty, where) in list(out.items()):
        if ty.startswith(_SLICE_OF):
            # x[a:b] is a slice of a slice or array, a substring of a string.
            base = out.get(ty[len(_SLICE_OF) :], ("", 0))[0]
            if base.startswith("[]"):
                ty = base
            elif base.startswith("[") and "]" in base:
                ty = "[]" + base.split("]", 1)[1]
            else:
                ty = "string" if base == "string" else ""
            out[key] = (ty, where)
    facts.decls[func.id] = out
    return out


def type_of(ctx: Context, node: Node) -> str:
    """The declared type of an identifier in its function, or '' when unknown."""
    if node.type != "identifier":
        return ""
    func = enclosing_function(ctx, node)
    if func is None:
        return ""
    return declarations(ctx, func).get(ctx.text(node), ("", 0))[0]


def is_slice_type(ty: str) -> bool:
    return ty.startswith("[]")


def statements(block: Node | None) -> list[Node]:
    """The statements of a block, without comments (tree-sitter-go nests a statement_list)."""
    if block is None:
        return []
    out: list[Node] = []
    for c in block.named_children:
        if c.type == "statement_list":
            out.extend(s for s in c.named_children if s.type != "comment")
        elif c.type != "comment":
            out.append(c)
    return out


def has_comment(block: Node) -> bool:
    stack = [block]
    while stack:
        n = stack.pop()
        if n.type == "comment":
            return True
        stack.extend(n.named_children)
    return False


def mentions(ctx: Context, node: Node, name: str) -> bool:
    """Whether the identifier `name` appears as a word in the text of `node`."""
    return re.search(rf"(?<![\w.]){re.escape(name)}\b", ctx.text(node)) is not None


def append_to_self(ctx: Context, stmt: Node) -> tuple[str, Node] | None:
    """For `x = append(x, ...)` return (x, the append call); else None."""
    if stmt.type != "assignment_statement":
        return None
    op = stmt.child_by_field_name("operator")
    if op is None or ctx.text(op) != "=":
        return None
    left = stmt.child_by_field_name("left")
    right = stmt.child_by_field_name("right")
    if left is None or right is None or left.named_child_count != 1:
        return None
    if right.named_child_count != 1:
        return None
    call = right.named_children[0]
    if call.type != "call_expression" or ctx.text(call.child_by_field_name("function")) != "append":
        return None
    a = args(call)
    target = ctx.text(left.named_children[0])
    if not a or _squash(ctx.text(a[0])) != _squash(target):
        return None
    return target, call


@dataclass(frozen=True, slots=True)
class SelfAppend:
    """One `x = append(x, ..)` statement."""

    target: str
    stmt: Node
    spread: bool  # appends `ys...`, so the number of new elements is unknown


def self_appends(ctx: Context) -> dict[int, SelfAppend]:
    """Every `x = append(x, ..)` statement by node id, found from the append calls."""
    facts = _facts(ctx)
    if facts.self_appends is None:
        out: dict[int, SelfAppend] = {}
        for call in calls(ctx, "append"):
            exprs = call.parent
            stmt = exprs.parent if exprs is not None else None
            if stmt is not None and stmt.type == "assignment_statement":
                found = append_to_self(ctx, stmt)
                if found is not None:
                    spread = any(a.type == "variadic_argument" for a in args(call))
                    out[stmt.id] = SelfAppend(found[0], stmt, spread)
        facts.self_appends = out
        facts.append_starts = sorted(a.stmt.start_byte for a in out.values())
    return facts.self_appends


def has_self_append(ctx: Context, node: Node | None) -> bool:
    """Whether an `x = append(x, ..)` starts inside `node` (a byte-range test, no tree walk)."""
    if node is None:
        return False
    self_appends(ctx)
    starts = _facts(ctx).append_starts
    i = bisect_left(starts, node.start_byte)
    return i < len(starts) and starts[i] < node.end_byte


def range_loops(ctx: Context) -> list[RangeLoop]:
    """All range loops of the document (needs `range_clause` among the rule's node types)."""
    facts = _facts(ctx)
    if facts.range_loops is None:
        loops = []
        for clause in ctx.nodes("range_clause"):
            loop = clause.parent
            right = clause.child_by_field_name("right")
            if loop is None or right is None:
                continue
            left = clause.child_by_field_name("left")
            names = [ctx.text(n) for n in left.named_children] if left is not None else []
            body = loop.child_by_field_name("body")
            loops.append(RangeLoop(loop, names, right, body))
        facts.range_loops = loops
    return facts.range_loops


def is_string_literal(node: Node) -> bool:
    return node.type in ("interpreted_string_literal", "raw_string_literal")


@rule(
    "go/regexp-in-loop",
    title="regexp.Match* compiles the pattern on every call",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`regexp.MatchString` (and `Match`, `MatchReader`) compile the pattern each time they are
called. Inside a loop the same pattern is compiled on every iteration; compiling costs far
more than matching.
""",
    fix="Compile once with `regexp.MustCompile` outside the loop (or at package level) and "
    "call the method on the compiled value.",
    measure="`go test -bench . -benchmem` on the enclosing function; allocations per op drop.",
    mirrors=["staticcheck:SA6000"],
    bad="""
for _, s := range lines {
    if ok, _ := regexp.MatchString(`^\\d+`, s); ok {
        n++
    }
}
""",
    good="""
re := regexp.MustCompile(`^\\d+`)
for _, s := range lines {
    if re.MatchString(s) {
        n++
    }
}
""",
    node_types=[],
)
def regexp_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, "regexp.Match", "regexp.MatchString", "regexp.MatchReader"):
        if in_loop(ctx, call):
            yield ctx.finding(info, call)


@rule(
    "go/range-rune-conversion",
    title="Ranging over []rune(s) allocates a rune slice; range over the string",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`[]rune(s)` decodes the whole string into a new slice of 4-byte runes (one heap
allocation of up to 4x the string's size) before the loop starts. Ranging over the string
itself decodes UTF-8 on the fly and yields the same runes without allocating. Only the
index differs (byte offset instead of rune number), which is why only loops that ignore
the index are flagged.
""",
    fix="`for _, r := range s` instead of `for _, r := range []rune(s)`.",
    measure=f"{BENCH}; allocs/op drops by one and B/op by about 4 bytes per rune.",
    mirrors=["staticcheck:SA6003"],
    bad="""
for _, r := range []rune(name) {
    if unicode.IsUpper(r) {
        n++
    }
}
""",
    good="""
for i, r := range []rune(name) {
    if unicode.IsUpper(r) {
        pos = append(pos, i)
    }
}
""",
    node_types=["range_clause"],
    has_fix=True,
)
def range_rune_conversion(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for clause in ctx.nodes("range_clause"):
        right = clause.child_by_field_name("right")
        if right is None or right.type != "type_conversion_expression":
            continue
        if _squash(ctx.text(right.child_by_field_name("type"))) != "[]rune":
            continue
        left = clause.child_by_field_name("left")
        if left is not None and left.named_children and ctx.text(left.named_children[0]) != "_":
            continue
        operand = right.child_by_field_name("operand")
        if operand is None:
            continue
        fix = ctx.fix(right, ctx.text(operand), "Range over the string directly")
        yield ctx.finding(info, right, fix=fix)


_CASE_FUNCS = ("strings.ToLower", "strings.ToUpper")


def _case_call(ctx: Context, node: Node) -> tuple[str, Node] | None:
    if node.type != "call_expression":
        return None
    name = _squash(ctx.text(node.child_by_field_name("function")))
    a = args(node)
    if name in _CASE_FUNCS and len(a) == 1 and a[0].type != "variadic_argument":
        return name, a[0]
    return None


@rule(
    "go/equal-fold",
    title="Case-insensitive comparison via ToLower/ToUpper allocates; use strings.EqualFold",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`strings.ToLower(a) == strings.ToLower(b)` builds up to two new strings (one allocation
each whenever the input has a letter to change) and walks both inputs fully before the
comparison can start. `strings.EqualFold` compares rune by rune with Unicode case folding,
allocates nothing and stops at the first difference. Comparing one lowered string with a
lowercase literal has the same cost.
""",
    fix="`strings.EqualFold(a, b)` (negate it for `!=`).",
    measure=f"{BENCH}; allocs/op falls to 0 for the comparison.",
    mirrors=["staticcheck:SA6005", "gocritic:equalFold"],
    bad="""
if strings.ToLower(got) == strings.ToLower(want) {
    return true
}
""",
    good="""
if strings.ToLower(got) == want {
    return true
}
""",
    node_types=[],
    has_fix=True,
)
def equal_fold(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    seen: set[int] = set()
    for case_call in calls(ctx, *_CASE_FUNCS):
        expr = case_call.parent
        if expr is None or expr.type != "binary_expression" or expr.id in seen:
            continue
        seen.add(expr.id)
        op = expr.child_by_field_name("operator")
        if op is None or op.type not in ("==", "!="):
            continue
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None:
            continue
        lc, rc = _case_call(ctx, left), _case_call(ctx, right)
        if lc and rc and lc[0] == rc[0]:
            a, b = ctx.text(lc[1]), ctx.text(rc[1])
        elif (lc or rc) and (lc is None or rc is None):
            call, other = (lc, right) if lc else (rc, left)
            assert call is not None
            if other.type != "interpreted_string_literal":
                continue
            lit = ctx.text(other)
            folded = lit.lower() if call[0].endswith("ToLower") else lit.upper()
            if lit != folded or not any(ch.isalpha() for ch in lit) or "\\" in lit:
                continue
            a, b = ctx.text(call[1]), lit
        else:
            continue
        neg = "!" if op.type == "!=" else ""
        fix = ctx.fix(expr, f"{neg}strings.EqualFold({a}, {b})", "Use strings.EqualFold")
        yield ctx.finding(info, expr, fix=fix)


@rule(
    "go/append-loop",
    title="Appending a slice element by element; append the whole slice at once",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`for _, e := range src { dst = append(dst, e) }` checks capacity on every element and may
grow `dst` several times (each growth copies everything appended so far).
`dst = append(dst, src...)` grows at most once to the final size and copies with a single
memmove.
""",
    fix="`dst = append(dst, src...)`.",
    measure=f"{BENCH}; fewer allocs/op and less time for large slices.",
    mirrors=["staticcheck:S1011"],
    bad="""
func merge(dst, src []string) []string {
	for _, s := range src {
		dst = append(dst, s)
	}
	return dst
}
""",
    good="""
func merge(dst []string, src map[string]bool) []string {
	for _, s := range src {
		dst = append(dst, s)
	}
	return dst
}
""",
    node_types=["range_clause"],
    body_examples=False,
    has_fix=True,
)
def append_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = self_appends(ctx)
    if not appends:
        return
    for rl in range_loops(ctx):
        if len(rl.names) != 2 or rl.names[0] != "_" or not has_self_append(ctx, rl.body):
            continue
        if len(rl.stmts) != 1:
            continue
        if rl.stmts[0].id not in appends:
            continue
        loop, value, src, body, stmts = rl.loop, rl.names[1], rl.src, rl.body, rl.stmts
        found = append_to_self(ctx, stmts[0])
        if found is None:
            continue
        target, call = found
        a = args(call)
        if (
            len(a) != 2
            or ctx.text(a[1]) != value
            or mentions(ctx, stmts[0].child_by_field_name("left") or call, value)
        ):
            continue
        ty = type_of(ctx, src)
        if ty and not is_slice_type(ty):
            continue
        fix = None
        if is_slice_type(ty) and body is not None and not has_comment(body):
            new = f"{target} = append({target}, {ctx.text(src)}...)"
            fix = ctx.fix(loop, new, "Append the whole slice at once")
        yield ctx.finding(info, loop, fix=fix, confidence=0.9 if ty else 0.7)


@rule(
    "go/copy-loop",
    title="Copying a slice element by element; use copy",
    severity=Severity.INFO,
    category="copy",
    explanation="""
A loop that assigns `dst[i] = src[i]` for every index does a bounds check and a store per
element. The built-in `copy(dst, src)` does the same work as one memmove, which is several
times faster for anything but tiny slices. Flagged only when both `dst` and `src` are
declared as slices in the same function, so map fills are never mistaken for copies.
""",
    fix="`copy(dst, src)`.",
    measure=f"{BENCH}; ns/op falls for slices of more than a few elements.",
    mirrors=["staticcheck:S1001"],
    bad="""
func clone(src []int) []int {
	dst := make([]int, len(src))
	for i, v := range src {
		dst[i] = v
	}
	return dst
}
""",
    good="""
func index(src []string) map[int]string {
	dst := make(map[int]string, len(src))
	for i, v := range src {
		dst[i] = v
	}
	return dst
}
""",
    node_types=["range_clause"],
    body_examples=False,
    has_fix=True,
)
def copy_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    source = ctx.source
    for rl in range_loops(ctx):
        body = rl.body
        if not rl.names or rl.names[0] == "_" or body is None:
            continue
        if b"[" not in source[body.start_byte : body.end_byte]:
            continue  # the one statement must be `dst[i] = ..`
        loop, names, src, stmts = rl.loop, rl.names, rl.src, rl.stmts
        if len(stmts) != 1 or stmts[0].type != "assignment_statement":
            continue
        stmt = stmts[0]
        op = stmt.child_by_field_name("operator")
        left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
        if op is None or ctx.text(op) != "=" or left is None or right is None:
            continue
        if left.named_child_count != 1 or right.named_child_count != 1:
            continue
        lhs, rhs = left.named_children[0], right.named_children[0]
        if lhs.type != "index_expression":
            continue
        key = names[0]
        if ctx.text(lhs.child_by_field_name("index")) != key or key == "_":
            continue
        src_text = ctx.text(src)
        if len(names) == 2:
            if ctx.text(rhs) != names[1]:
                continue
        elif _squash(ctx.text(rhs)) != f"{_squash(src_text)}[{key}]":
            continue
        dst = lhs.child_by_field_name("operand")
        if dst is None or dst.type != "identifier" or src.type != "identifier":
            continue
        if not (is_slice_type(type_of(ctx, dst)) and is_slice_type(type_of(ctx, src))):
            continue
        fix = None
        if body is not None and not has_comment(body):
            fix = ctx.fix(loop, f"copy({ctx.text(dst)}, {src_text})", "Use copy")
        yield ctx.finding(info, loop, fix=fix)


@rule(
    "go/buffer-bytes-string",
    title="string(buf.Bytes()) copies the buffer; buf.String() says the same",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`string(buf.Bytes())` on a `bytes.Buffer` is exactly what `buf.String()` does, written in a
way that hides it: both copy the unread bytes into a new string (one allocation). The
shorter form is clearer and is the one the standard library optimises. The receiver is
assumed to be a `bytes.Buffer` (types with both `Bytes` and `String` methods that mean
different things, such as `big.Int`, would be false alarms, hence the lower confidence).
""",
    fix="`buf.String()`.",
    measure=f"{BENCH}; same allocs/op, simpler code.",
    mirrors=["staticcheck:S1030"],
    bad="""
var buf bytes.Buffer
render(&buf)
return string(buf.Bytes())
""",
    good="""
var buf bytes.Buffer
render(&buf)
return buf.String()
""",
    node_types=[],
    has_fix=True,
    confidence=0.8,
)
def buffer_bytes_string(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, "string"):
        a = args(call)
        if len(a) != 1 or a[0].type != "call_expression" or args(a[0]):
            continue
        fn = a[0].child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            continue
        if ctx.text(fn.child_by_field_name("field")) != "Bytes":
            continue
        recv = ctx.text(fn.child_by_field_name("operand"))
        fix = ctx.fix(call, f"{recv}.String()", "Use String()")
        yield ctx.finding(info, call, fix=fix)


def _format_free_literal(ctx: Context, node: Node) -> bool:
    return is_string_literal(node) and "%" not in ctx.text(node)


@rule(
    "go/sprint-literal",
    title="fmt.Sprint/Sprintf of a constant string; use the literal",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
`fmt.Sprintf("text")` with no verbs and no arguments returns its format string, but only
after the formatter has scanned it and copied it into a fresh string (tens of
nanoseconds and one allocation per call). The literal itself costs nothing.
""",
    fix='The literal itself: `"text"`.',
    measure=f"{BENCH}; allocs/op drops by one per call.",
    mirrors=["staticcheck:S1039", "perfsprint:sprintf1"],
    bad="""
label := fmt.Sprintf("total")
""",
    good="""
label := fmt.Sprintf("total %d", n)
""",
    node_types=[],
    has_fix=True,
)
def sprint_literal(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, "fmt.Sprintf", "fmt.Sprint"):
        a = args(call)
        if len(a) != 1 or not _format_free_literal(ctx, a[0]):
            continue
        fix = ctx.fix(call, ctx.text(a[0]), "Use the string literal")
        yield ctx.finding(info, call, fix=fix)


@rule(
    "go/errorf-constant",
    title="fmt.Errorf with a constant message; errors.New is cheaper",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
Without verbs `fmt.Errorf` still runs the formatter over the message and allocates a copy
before wrapping it; `errors.New` just stores the string. The difference is small per call
(tens of nanoseconds) but error paths in hot loops (parsers, validators) add up, and for
a sentinel error a package-level `var errX = errors.New(..)` removes the allocation
entirely.
""",
    fix='`errors.New("message")` (or a package-level sentinel error).',
    measure=f"{BENCH} on the error path.",
    mirrors=["perfsprint:errorf"],
    bad="""
package example

import (
	"errors"
	"fmt"
)

var errEmpty = errors.New("empty")

func check(s string) error {
	if s == "" {
		return fmt.Errorf("missing value")
	}
	return nil
}
""",
    good="""
package example

import "fmt"

func check(s string) error {
	if s == "" {
		return fmt.Errorf("missing value for %q", s)
	}
	return nil
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
)
def errorf_constant(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    found = calls(ctx, "fmt.Errorf")
    if not found:
        return
    can_fix = "errors" in imports(ctx)
    for call in found:
        a = args(call)
        if len(a) != 1 or not _format_free_literal(ctx, a[0]):
            continue
        fix = None
        if can_fix:
            fix = ctx.fix(call, f"errors.New({ctx.text(a[0])})", "Use errors.New")
        yield ctx.finding(info, call, fix=fix)


_SPRINT_TO_FPRINT = {
    "fmt.Sprintf": "fmt.Fprintf",
    "fmt.Sprint": "fmt.Fprint",
    "fmt.Sprintln": "fmt.Fprintln",
}
# Types whose values are io.Writers as they are, and value types whose address is one.
_WRITER_TYPES = ("io.Writer", "http.ResponseWriter", "io.WriteCloser", "io.ReadWriter")
_ADDRESSABLE_WRITERS = ("bytes.Buffer", "strings.Builder", "bufio.Writer")
_KNOWN_WRITERS = ("os.Stdout", "os.Stderr")


def _writer_arg(ctx: Context, recv: Node) -> str | None:
    """How to pass `recv` to fmt.Fprint*, or None when its type is not visible."""
    text = ctx.text(recv)
    if text in _KNOWN_WRITERS:
        return text
    ty = type_of(ctx, recv)
    if ty.startswith("*") or ty in _WRITER_TYPES:
        return text
    if ty in _ADDRESSABLE_WRITERS:
        return "&" + text
    return None


@rule(
    "go/write-sprintf",
    title="Formatting to a string and converting it to []byte just to write it",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`w.Write([]byte(fmt.Sprintf(..)))` formats into a new string, then copies that string into
a new byte slice, then writes it: two allocations and two copies of the output.
`fmt.Fprintf(w, ..)` formats straight into the writer using the formatter's pooled buffer.
The same applies to `io.WriteString(w, fmt.Sprintf(..))` (one extra allocation).
""",
    fix="`fmt.Fprintf(w, ..)` (`Fprint`/`Fprintln` for the other variants).",
    measure=f"{BENCH}; allocs/op drops by one or two per write.",
    mirrors=["staticcheck:QF1012", "gocritic:preferFprint"],
    bad="""
package example

import (
	"fmt"
	"io"
)

func header(w io.Writer, n int) {
	w.Write([]byte(fmt.Sprintf("count: %d\\n", n)))
}
""",
    good="""
package example

import (
	"fmt"
	"io"
)

func header(w io.Writer, n int) {
	fmt.Fprintf(w, "count: %d\\n", n)
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
)
def write_sprintf(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    sprints = calls(ctx, *_SPRINT_TO_FPRINT)
    if not sprints:
        return
    for inner in sprints:
        name = _squash(ctx.text(inner.child_by_field_name("function")))
        fprint = _SPRINT_TO_FPRINT[name]
        arglist = inner.child_by_field_name("arguments")
        inner_args = ctx.text(arglist)[1:-1].strip() if arglist is not None else ""
        parent = inner.parent
        if parent is None:
            continue
        if parent.type == "type_conversion_expression":
            if _squash(ctx.text(parent.child_by_field_name("type"))) != "[]byte":
                continue
            outer_list = parent.parent
            outer = outer_list.parent if outer_list is not None else None
            if outer is None or outer.type != "call_expression" or len(args(outer)) != 1:
                continue
            fn = outer.child_by_field_name("function")
            if fn is None or fn.type != "selector_expression":
                continue
            if ctx.text(fn.child_by_field_name("field")) != "Write":
                continue
            recv = fn.child_by_field_name("operand")
            writer = _writer_arg(ctx, recv) if recv is not None else None
        elif parent.type == "argument_list":
            outer = parent.parent
            if outer is None or _squash(ctx.text(outer.child_by_field_name("function"))) != (
                "io.WriteString"
            ):
                continue
            a = args(outer)
            if len(a) != 2 or a[1] != inner:
                continue
            writer = ctx.text(a[0])
        else:
            continue
        fix = None
        if writer is not None and inner_args:
            fix = ctx.fix(outer, f"{fprint}({writer}, {inner_args})", f"Use {fprint}")
        yield ctx.finding(info, outer, fix=fix)


def _combinable(ctx: Context, stmt: Node) -> tuple[str, list[Node]] | None:
    """`x = append(x, a, b)` with plain arguments that do not read `x`: (x, [a, b])."""
    found = append_to_self(ctx, stmt)
    if found is None:
        return None
    target, call = found
    rest = args(call)[1:]
    if not rest or any(a.type == "variadic_argument" for a in rest):
        return None
    root = re.match(r"\w+", target)
    if root is None or any(mentions(ctx, a, root.group(0)) for a in rest):
        return None
    return _squash(target), rest


def _next_statement(node: Node) -> Node | None:
    """The next statement, stepping over a comment that trails `node` on its own line."""
    nxt = node.next_named_sibling
    if nxt is not None and nxt.type == "comment" and nxt.start_point[0] == node.end_point[0]:
        nxt = nxt.next_named_sibling
    return nxt


def _prev_statement(node: Node) -> Node | None:
    """The previous statement, stepping over a comment that trails it on the same line."""
    prev = node.prev_named_sibling
    if prev is not None and prev.type == "comment":
        before = prev.prev_named_sibling
        if before is not None and before.end_point[0] == prev.start_point[0]:
            return before
    return prev


@rule(
    "go/append-combine",
    title="Consecutive appends to the same slice; combine them into one call",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
Each `xs = append(xs, v)` checks the capacity and may grow (reallocate and copy) the slice
on its own. One `append(xs, a, b, c)` checks once and grows at most once to fit all the
values, and reads better.
""",
    fix="`xs = append(xs, a, b)`.",
    measure=f"{BENCH}; fewer growth steps show as fewer allocs/op on cold slices.",
    mirrors=["gocritic:appendCombine"],
    bad="""
args = append(args, "-o")
args = append(args, out)
""",
    good="""
args = append(args, "-o")
if verbose {
    args = append(args, "-v")
}
""",
    node_types=[],
    has_fix=True,
)
def append_combine(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = self_appends(ctx)
    for stmt in sorted((a.stmt for a in appends.values()), key=lambda n: n.start_byte):
        after = _next_statement(stmt)
        if after is None or after.id not in appends:
            continue  # a run starts with an append followed by another
        first = _combinable(ctx, stmt)
        if first is None:
            continue
        prev = _prev_statement(stmt)
        if prev is not None and prev.type != "comment":
            p = _combinable(ctx, prev)
            if p is not None and p[0] == first[0]:
                continue  # reported with the run that starts earlier
        run = [stmt]
        values = list(first[1])
        nxt = _next_statement(stmt)
        while nxt is not None:
            more = _combinable(ctx, nxt)
            if more is None or more[0] != first[0]:
                break
            run.append(nxt)
            values.extend(more[1])
            nxt = _next_statement(nxt)
        if len(run) < 2:
            continue
        target = ctx.text(stmt.child_by_field_name("left"))
        joined = ", ".join(ctx.text(v) for v in values)
        fix = None
        if not any(
            a.next_named_sibling is not None and a.next_named_sibling.type == "comment"
            for a in run[:-1]
        ):
            # No comment inside the run, so replacing it loses nothing.
            fix = ctx.fix(
                ctx.span_between(run[0], run[-1]),
                f"{target} = append({target}, {joined})",
                "Combine the appends",
            )
        yield ctx.finding(info, ctx.span_between(run[0], run[-1]), fix=fix)


def _empty_slice_decl(ctx: Context, stmt: Node) -> tuple[str, str] | None:
    """`var x []T`, `x := []T{}` or `x := make([]T, 0)`: (x, []T)."""
    if stmt.type == "var_declaration":
        specs = [s for s in stmt.named_children if s.type == "var_spec"]
        if len(specs) != 1:
            return None
        spec = specs[0]
        names = spec.children_by_field_name("name")
        typ = spec.child_by_field_name("type")
        value = spec.child_by_field_name("value")
        if len(names) != 1:
            return None
        if typ is not None and typ.type == "slice_type" and value is None:
            return ctx.text(names[0]), _squash(ctx.text(typ))
        if typ is None and value is not None and value.named_child_count == 1:
            ty = _empty_slice_value(ctx, value.named_children[0])
            return (ctx.text(names[0]), ty) if ty else None
        return None
    if stmt.type == "short_var_declaration":
        left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
        if left is None or right is None:
            return None
        if left.named_child_count != 1 or right.named_child_count != 1:
            return None
        ty = _empty_slice_value(ctx, right.named_children[0])
        return (ctx.text(left.named_children[0]), ty) if ty else None
    return None


def _empty_slice_value(ctx: Context, value: Node) -> str:
    if value.type == "composite_literal":
        typ = value.child_by_field_name("type")
        body = value.child_by_field_name("body")
        if typ is not None and typ.type == "slice_type" and body is not None:
            if not [c for c in body.named_children if c.type != "comment"]:
                return _squash(ctx.text(typ))
    if value.type == "call_expression" and ctx.text(value.child_by_field_name("function")) == (
        "make"
    ):
        a = args(value)
        if len(a) == 2 and a[0].type == "slice_type" and ctx.text(a[1]) == "0":
            return _squash(ctx.text(a[0]))
    return ""


def _may_declare_empty(ctx: Context, loop: Node, names: set[str]) -> bool:
    """Cheap text test: does an empty-slice declaration of one of `names` precede `loop`?"""
    idents = [n for n in names if n.isidentifier()]
    func = enclosing_function(ctx, loop) if idents else None
    if func is None:
        return False
    before = ctx.source[func.start_byte : loop.start_byte]
    for name in idents:
        n = re.escape(name).encode()
        if re.search(
            rb"\b" + n + rb"\s*:=\s*(?:\[\]|make\(\s*\[\][^()]*?,\s*0\s*\))", before
        ) or re.search(rb"\bvar\s+" + n + rb"\s*(?:\[\]|=)", before):
            return True
    return False


_JUMPS = ("return_statement", "goto_statement", "break_statement", "continue_statement")
_BREAKABLE = (
    "for_statement",
    "expression_switch_statement",
    "type_switch_statement",
    "select_statement",
)


def _leaves_early(loop: Node) -> bool:
    """Whether the loop body can stop before the last element (return, goto, break, continue)."""
    body = loop.child_by_field_name("body")
    stack = list(body.named_children) if body is not None else []
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        if n.type in ("return_statement", "goto_statement"):
            return True
        if n.type in ("break_statement", "continue_statement"):
            labelled = n.named_child_count > 0
            inner = n.parent
            while inner is not None and inner != loop and inner.type not in _BREAKABLE:
                inner = inner.parent
            if labelled or inner == loop:
                return True
            if (
                n.type == "continue_statement"
                and inner is not None
                and inner.type != ("for_statement")
            ):
                return True  # continue inside a switch still skips the rest of our body
        stack.extend(n.named_children)
    return False


@rule(
    "go/prealloc",
    title="Slice grows by append in a loop of known length; preallocate its capacity",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
A slice that starts empty and gets one `append` per iteration of a range loop is
reallocated and copied about log2(n) times as it doubles (then by 1.25x past 256
elements), leaving garbage for the GC each time. When the loop appends on every iteration
the final length is known up front: `make([]T, 0, len(src))` allocates once. Flagged only
when the append is unconditional and the loop cannot exit early, so the capacity is
exact rather than a guess.
""",
    fix="Declare it as `x := make([]T, 0, len(src))`.",
    measure=f"{BENCH}; allocs/op drops to one for the slice; `GODEBUG=gctrace=1` shows less GC.",
    mirrors=["prealloc"],
    bad="""
var names []string
for _, u := range users {
    names = append(names, u.Name)
}
""",
    good="""
var names []string
for _, u := range users {
    if u.Active {
        names = append(names, u.Name)
    }
}
""",
    node_types=["range_clause"],
)
def prealloc(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = self_appends(ctx)
    if not appends:
        return
    for rl in range_loops(ctx):
        if not has_self_append(ctx, rl.body):
            continue
        loop, src = rl.loop, rl.src
        appended = {
            appends[s.id].target for s in rl.stmts if s.id in appends and not appends[s.id].spread
        }
        if not appended or src.type in ("int_literal", "unary_expression"):
            continue
        if not _may_declare_empty(ctx, loop, appended):
            continue
        decl = None
        between: list[Node] = []
        prev = loop.prev_named_sibling
        while prev is not None:
            got = _empty_slice_decl(ctx, prev)
            if got is not None and got[0] in appended:
                decl = (prev, got)
                break
            between.append(prev)
            prev = prev.prev_named_sibling
        if decl is None:
            continue
        node, (name, ty) = decl
        if any(mentions(ctx, b, name) for b in between if b.type != "comment"):
            continue
        if _leaves_early(loop):
            continue
        src_type = type_of(ctx, src)
        if src_type.startswith("chan") or src_type.startswith("<-chan"):
            continue
        cap = (
            f"len({ctx.text(src)})" if src_type not in ("int", "int64", "uint") else (ctx.text(src))
        )
        title = (
            f"`{name}` grows by append on every iteration; `make({ty}, 0, {cap})` avoids regrowth"
        )
        yield ctx.finding(info, node, title=title)


_INDEX_FUNCS = (
    "strings.Index",
    "strings.Contains",
    "strings.HasPrefix",
    "strings.HasSuffix",
    "strings.Count",
)


@rule(
    "go/index-alloc",
    title="string(b) conversion just to search it; use the bytes package",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`strings.Index(string(b), s)` copies the byte slice into a new string (one allocation and a
copy of `len(b)` bytes, unless the compiler can prove it short and non-escaping) only to
search it. The `bytes` package has the same functions working on the slice directly:
`bytes.Index(b, []byte(s))`, or `bytes.Contains`, `bytes.HasPrefix` and so on.
""",
    fix="`bytes.Index(b, []byte(s))` (and the matching `bytes.*` function).",
    measure=f"{BENCH}; B/op drops by about len(b).",
    mirrors=["gocritic:indexAlloc"],
    bad="""
func has(b []byte, word string) bool {
	return strings.Index(string(b), word) >= 0
}
""",
    good="""
func has(b []byte, word string) bool {
	return bytes.Index(b, []byte(word)) >= 0
}
""",
    node_types=[],
    body_examples=False,
)
def index_alloc(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, *_INDEX_FUNCS):
        a = args(call)
        if len(a) != 2 or a[0].type != "call_expression":
            continue
        if ctx.text(a[0].child_by_field_name("function")) != "string":
            continue
        inner = args(a[0])
        if len(inner) != 1:
            continue
        ty = type_of(ctx, inner[0])
        if ty and ty != "[]byte":
            continue
        yield ctx.finding(info, call, confidence=0.9 if ty else 0.7)


@rule(
    "go/decode-rune",
    title="[]rune(s)[0] converts the whole string to read one rune",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`[]rune(s)[0]` decodes every rune of `s` into a freshly allocated slice (4 bytes per rune)
to read the first one: O(len(s)) work and an allocation for an O(1) question.
`utf8.DecodeRuneInString(s)` decodes just the first rune and allocates nothing.
""",
    fix="`r, _ := utf8.DecodeRuneInString(s)`.",
    measure=f"{BENCH}; allocs/op drops to 0 and ns/op no longer grows with len(s).",
    mirrors=["gocritic:preferDecodeRune"],
    bad="""
first := []rune(word)[0]
""",
    good="""
first, _ := utf8.DecodeRuneInString(word)
""",
    node_types=["index_expression"],
)
def decode_rune(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for expr in ctx.nodes("index_expression"):
        operand = expr.child_by_field_name("operand")
        if operand is None or operand.type != "type_conversion_expression":
            continue
        if _squash(ctx.text(operand.child_by_field_name("type"))) != "[]rune":
            continue
        if ctx.text(expr.child_by_field_name("index")) != "0":
            continue
        yield ctx.finding(info, expr)


_ZERO_BYTES = {"0", "'\\x00'", "'\\000'", "0x0", "0x00", "'\\u0000'"}


@rule(
    "go/zero-byte-repeat",
    title="bytes.Repeat of a zero byte; make([]byte, n) is already zeroed",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`bytes.Repeat([]byte{0}, n)` allocates the result and then fills it by repeated copying,
although Go zeroes every new allocation anyway. `make([]byte, n)` gets the same zeroed
slice from the allocator (often straight from pre-zeroed memory) without the fill pass
and without the one-byte temporary.
""",
    fix="`make([]byte, n)`.",
    measure=f"{BENCH}; ns/op falls for large n.",
    mirrors=["gocritic:zeroByteRepeat"],
    bad="""
pad := bytes.Repeat([]byte{0}, size)
""",
    good="""
pad := bytes.Repeat([]byte{' '}, size)
""",
    node_types=[],
    has_fix=True,
)
def zero_byte_repeat(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, "bytes.Repeat"):
        a = args(call)
        if len(a) != 2 or a[0].type != "composite_literal":
            continue
        if _squash(ctx.text(a[0].child_by_field_name("type"))) != "[]byte":
            continue
        body = a[0].child_by_field_name("body")
        elems = [e for e in body.named_children if e.type != "comment"] if body else []
        if len(elems) != 1 or _squash(ctx.text(elems[0])) not in _ZERO_BYTES:
            continue
        fix = ctx.fix(call, f"make([]byte, {ctx.text(a[1])})", "Use make")
        yield ctx.finding(info, call, fix=fix)


_ZERO_VALUES = {"0", '""', "nil", "false", "0.0", "``"}


@rule(
    "go/slice-clear",
    title="Index loop zeroing a slice is not turned into memclr; use range or clear",
    severity=Severity.INFO,
    category="simd",
    explanation="""
The Go compiler recognises `for i := range xs { xs[i] = zero }` and replaces it with a
single memory clear (vectorised, many bytes per cycle). The same loop written with a
three-clause header (`for i := 0; i < len(xs); i++`) is not recognised and zeroes one
element at a time with a bounds check each. On Go 1.21+ `clear(xs)` says it directly.
""",
    fix="`for i := range xs { xs[i] = 0 }` or `clear(xs)`.",
    measure=f"{BENCH} on a large slice; ns/op drops several-fold.",
    mirrors=["gocritic:sliceClear"],
    bad="""
for i := 0; i < len(counts); i++ {
    counts[i] = 0
}
""",
    good="""
for i := 0; i < len(counts); i++ {
    counts[i] = -1
}
""",
    node_types=["for_clause"],
    has_fix=True,
)
def slice_clear(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for clause in ctx.nodes("for_clause"):
        loop = clause.parent
        if loop is None:
            continue
        init = clause.child_by_field_name("initializer")
        cond = clause.child_by_field_name("condition")
        update = clause.child_by_field_name("update")
        if init is None or cond is None or update is None:
            continue
        m = re.fullmatch(r"(\w+):=0", _squash(ctx.text(init)))
        if m is None:
            continue
        i = m.group(1)
        cm = re.fullmatch(rf"{i}<len\(([\w.]+)\)", _squash(ctx.text(cond)))
        if cm is None or _squash(ctx.text(update)) not in (f"{i}++", f"{i}+=1"):
            continue
        xs = cm.group(1)
        stmts = statements(loop.child_by_field_name("body"))
        if len(stmts) != 1 or stmts[0].type != "assignment_statement":
            continue
        op = stmts[0].child_by_field_name("operator")
        if op is None or ctx.text(op) != "=":
            continue
        lhs = _squash(ctx.text(stmts[0].child_by_field_name("left")))
        rhs = _squash(ctx.text(stmts[0].child_by_field_name("right")))
        if lhs != f"{xs}[{i}]" or rhs not in _ZERO_VALUES:
            continue
        fix = ctx.fix(clause, f"{i} := range {xs}", "Range over the slice")
        yield ctx.finding(info, clause, fix=fix)


@rule(
    "go/defer-in-loop",
    title="defer inside a loop runs only when the function returns",
    severity=Severity.WARNING,
    category="memory",
    explanation="""
Deferred calls run when the surrounding function returns, not at the end of the loop
iteration. A `defer f.Close()` (or `defer mu.Unlock()`) in a loop keeps every file, lock
or buffer of every iteration alive until the function ends, and each pending defer is a
heap-allocated record once there is more than one per frame. Long loops run out of file
descriptors or hold memory that should have been freed.
""",
    fix="Move the loop body into a function (or a closure called per iteration) so the "
    "defer runs each time, or release the resource explicitly.",
    measure="`go test -bench . -benchmem`; watch open descriptors or the heap profile "
    "(`go test -memprofile`, `go tool pprof`).",
    mirrors=["gocritic:deferInLoop", "revive:defer"],
    bad="""
for _, path := range paths {
    f, err := os.Open(path)
    if err != nil {
        return err
    }
    defer f.Close()
    total += size(f)
}
""",
    good="""
for _, path := range paths {
    err := func() error {
        f, err := os.Open(path)
        if err != nil {
            return err
        }
        defer f.Close()
        total += size(f)
        return nil
    }()
    if err != nil {
        return err
    }
}
""",
    node_types=["defer_statement"],
)
def defer_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for stmt in ctx.nodes("defer_statement"):
        if in_loop(ctx, stmt):
            yield ctx.finding(info, stmt)


def _may_declare_string(ctx: Context, func: Node, name: str) -> bool:
    """A cheap text test before the exact lookup: could `name` be declared as a string here?

    Most `+=` in loops are numeric sums, and skipping the declaration query for them keeps
    this rule fast on large files.
    """
    n = re.escape(name)
    pattern = (
        rf"\b{n}(?:\s*,\s*\w+)*\s+string\b"  # var s string / (s, t string)
        rf"|\b{n}\s*:?=\s*(?:\"|`|string\()"  # s := "" / var s = `..` / s := string(b)
    )
    source = ctx.source[func.start_byte : func.end_byte]
    return re.search(pattern.encode(), source) is not None


@rule(
    "go/string-concat-loop",
    title="String built with += in a loop; use strings.Builder",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
Go strings are immutable, so `s += x` allocates a new string and copies all of `s` into it
every time. In a loop that is quadratic: building a 10 kB result from 100-byte pieces
copies about 500 kB and makes 100 allocations. A `strings.Builder` (or `bytes.Buffer`)
appends into a growing buffer, amortised O(1) per piece, and `Grow` can size it up front.
Flagged only when the variable is declared as a string in the same function, outside the
loop.
""",
    fix="Use a `strings.Builder`: `b.WriteString(x)` in the loop, `b.String()` after it.",
    measure=f"{BENCH}; allocs/op becomes O(1) instead of one per iteration.",
    mirrors=["perfsprint:concat-loop"],
    bad="""
out := ""
for _, w := range words {
    out += w + " "
}
""",
    good="""
var b strings.Builder
for _, w := range words {
    b.WriteString(w)
    b.WriteByte(' ')
}
out := b.String()
""",
    node_types=["assignment_statement"],
)
def string_concat_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    source = ctx.source
    may_be_string: dict[tuple[int, str], bool] = {}  # sums in one loop repeat the question
    for stmt in ctx.nodes("assignment_statement"):
        if b"+" not in source[stmt.start_byte : stmt.end_byte]:
            continue  # both `s += x` and `s = s + x` spell a plus
        op = stmt.child_by_field_name("operator")
        if op is None or op.type not in ("+=", "="):
            continue
        right = stmt.child_by_field_name("right")
        first = right.named_child(0) if right is not None else None
        if right is None or first is None:
            continue
        if op.type == "=" and first.type != "binary_expression":
            continue
        left = stmt.child_by_field_name("left")
        if left is None or left.named_child_count != 1:
            continue
        target = left.named_children[0]
        if target.type != "identifier":
            continue
        name = ctx.text(target)
        if op.type == "+=":
            pass
        elif op.type == "=" and right.named_child_count == 1:
            # `s = s + a + b` parses as ((s + a) + b): follow the left operands of `+`.
            rhs = right.named_children[0]
            while (
                rhs.type == "binary_expression"
                and ctx.text(rhs.child_by_field_name("operator")) == "+"
            ):
                rhs = rhs.child_by_field_name("left") or rhs
                if rhs.type != "binary_expression":
                    break
            if rhs == right.named_children[0] or ctx.text(rhs) != name:
                continue
        else:
            continue
        loop = up(stmt, _LOOP_SET, _FUNCTION_SET)
        func = enclosing_function(ctx, stmt)
        if loop is None or func is None:
            continue
        key = (func.id, name)
        maybe = may_be_string.get(key)
        if maybe is None:
            maybe = may_be_string[key] = _may_declare_string(ctx, func, name)
        if not maybe:
            continue
        ty, where = declarations(ctx, func).get(name, ("", 0))
        if ty != "string" or where >= loop.start_byte:
            continue
        yield ctx.finding(info, stmt)


@rule(
    "go/time-after-in-loop",
    title="time.After in a select loop makes a new timer on every iteration",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`case <-time.After(d):` inside a `for { select { .. } }` creates a new timer and channel
(a few hundred bytes) each time the select runs, and the timeout restarts whenever another
case fires first. Before Go 1.23 each of those timers also stayed reachable until it
expired, so a busy loop with a long timeout piles up memory. One `time.NewTimer` (or a
`time.Ticker`, or a context deadline) created before the loop and `Reset` when needed
does the same with a single allocation.
""",
    fix="Create `t := time.NewTimer(d)` before the loop, select on `t.C`, and `t.Reset(d)` "
    "after it fires.",
    measure="`go test -bench . -benchmem` on the loop; `go test -memprofile` shows "
    "time.newTimer among the allocations.",
    mirrors=["semgrep-go:leaky-time-after"],
    bad="""
for {
    select {
    case msg := <-in:
        handle(msg)
    case <-time.After(time.Second):
        return
    }
}
""",
    good="""
select {
case msg := <-in:
    handle(msg)
case <-time.After(time.Second):
    return
}
""",
    node_types=[],
)
def time_after_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in calls(ctx, "time.After"):
        case = up(call, _CASE_SET, _FUNCTION_SET | _LOOP_SET)
        comm = case.child_by_field_name("communication") if case is not None else None
        # Only the channel a case waits on; `timeout = time.After(d)` in a case body is the
        # usual way to reset a deadline and is not flagged.
        if comm is None or not comm.start_byte <= call.start_byte < comm.end_byte:
            continue
        if case is not None and in_loop(ctx, case):
            yield ctx.finding(info, call)


# -- sizes of same-file types -------------------------------------------------

_BASIC_SIZES = {
    "bool": 1,
    "int8": 1,
    "uint8": 1,
    "byte": 1,
    "int16": 2,
    "uint16": 2,
    "int32": 4,
    "uint32": 4,
    "rune": 4,
    "float32": 4,
    "int": 8,
    "uint": 8,
    "int64": 8,
    "uint64": 8,
    "uintptr": 8,
    "float64": 8,
    "complex64": 8,
    "complex128": 16,
    "string": 16,
    "error": 16,
    "any": 16,
    "time.Time": 24,
    "time.Duration": 8,
}
_WORD_TYPES = ("pointer_type", "map_type", "channel_type", "function_type")


class _Sizer:
    """Lower bounds of type sizes on 64-bit targets, from types spelled in this file.

    Padding is ignored, so a size is never overstated; a type that mentions anything not
    visible here (other packages' structs, generics) has no size and is never reported.
    """

    def __init__(self, ctx: Context) -> None:
        # A proxy: the sizer lives in the context's own tables, and a strong reference back
        # would make a cycle that only the garbage collector could free, tree and all.
        self.ctx: Context = weakref.proxy(ctx)
        self.specs: dict[str, Node] = {}
        for spec in ctx.nodes("type_spec"):
            name = spec.child_by_field_name("name")
            typ = spec.child_by_field_name("type")
            if (
                name is not None
                and typ is not None
                and spec.child_by_field_name("type_parameters") is None
            ):
                self.specs[ctx.text(name)] = typ
        self.known: dict[str, int | None] = {}
        # Integer constants spelled as literals, for array lengths like [buckets]T.
        self.consts: dict[str, int] = {}
        for spec in ctx.nodes("const_spec"):
            names = spec.children_by_field_name("name")
            value = spec.child_by_field_name("value")
            values = value.named_children if value is not None else []
            if len(names) == len(values):
                for name, v in zip(names, values, strict=True):
                    n = self._int(v)
                    if n is not None:
                        self.consts[ctx.text(name)] = n

    def _int(self, node: Node) -> int | None:
        if node.type == "int_literal":
            try:
                return int(self.ctx.text(node).replace("_", ""), 0)
            except ValueError:
                return None
        if node.type == "identifier":
            return self.consts.get(self.ctx.text(node))
        return None

    def named(self, name: str) -> int | None:
        if name in _BASIC_SIZES:
            return _BASIC_SIZES[name]
        if name in self.known:
            return self.known[name]
        typ = self.specs.get(name)
        self.known[name] = None  # cuts recursive types short
        size = self.size(typ) if typ is not None else None
        self.known[name] = size
        return size

    def size(self, typ: Node) -> int | None:
        t = typ.type
        if t in ("type_identifier", "qualified_type"):
            return self.named(_squash(self.ctx.text(typ)))
        if t in _WORD_TYPES:
            return 8
        if t == "slice_type":
            return 24
        if t == "interface_type":
            return 16
        if t == "array_type":
            length = typ.child_by_field_name("length")
            elem = typ.child_by_field_name("element")
            n = self._int(length) if length is not None else None
            if n is None or elem is None:
                return None
            inner = self.size(elem)
            return None if inner is None else n * inner
        if t == "struct_type":
            total = 0
            fields = next(
                (c for c in typ.named_children if c.type == "field_declaration_list"), None
            )
            for f in fields.named_children if fields is not None else []:
                if f.type != "field_declaration":
                    continue
                ftype = f.child_by_field_name("type")
                if ftype is None:
                    return None
                one = self.size(ftype)
                if one is None:
                    return None
                total += one * max(1, len(f.children_by_field_name("name")))
            return total
        return None


def _sizer(ctx: Context) -> _Sizer:
    facts = _facts(ctx)
    if facts.sizer is None:
        facts.sizer = _Sizer(ctx)
    return facts.sizer


RANGE_COPY_BYTES = 128
PARAM_COPY_BYTES = 80


@rule(
    "go/range-val-copy",
    title="Range value copies a large struct on every iteration",
    severity=Severity.INFO,
    category="copy",
    explanation=f"""
`for _, v := range xs` copies each element into `v`. For an element type of
{RANGE_COPY_BYTES} bytes or more (sized here from the struct's fields as spelled in this
file; the real size with padding is at least this) that is a memmove per iteration which
the compiler usually cannot remove, and it also hides that writes to `v` do not reach the
slice. Indexing avoids the copy.
""",
    fix="`for i := range xs { v := &xs[i]; .. }`.",
    measure=f"{BENCH}; ns/op drops in proportion to the element size.",
    mirrors=["gocritic:rangeValCopy"],
    bad="""
package example

type Sample struct {
	Name   string
	Values [32]float64
}

func total(samples []Sample) (sum float64) {
	for _, s := range samples {
		sum += s.Values[0]
	}
	return sum
}
""",
    good="""
package example

type Sample struct {
	Name   string
	Values [32]float64
}

func total(samples []Sample) (sum float64) {
	for i := range samples {
		sum += samples[i].Values[0]
	}
	return sum
}
""",
    scope="file",  # sizes come from struct declarations anywhere in the file
    node_types=["range_clause", "type_spec", "const_spec"],
    body_examples=False,
    confidence=0.8,
)
def range_val_copy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    if not ctx.nodes("type_spec"):
        return
    sizer = _sizer(ctx)
    # Only a slice or array of one of these types is reported, and its declared type is
    # spelled inside the function, so a function that never names one needs no lookup.
    # (Sizes do not depend on the order they are computed in: a cycle is unsized anyway.)
    big = [n.encode() for n in sizer.specs if (sizer.named(n) or 0) >= RANGE_COPY_BYTES]
    if not big:
        return
    names_big: dict[int, bool] = {}
    for rl in range_loops(ctx):
        if len(rl.names) != 2 or rl.names[1] == "_" or rl.src.type != "identifier":
            continue
        func = enclosing_function(ctx, rl.src)
        if func is None:
            continue
        named = names_big.get(func.id)
        if named is None:
            body = ctx.source[func.start_byte : func.end_byte]
            named = names_big[func.id] = any(n in body for n in big)
        if not named:
            continue
        ty = declarations(ctx, func).get(ctx.text(rl.src), ("", 0))[0]  # type_of, func known
        m = re.fullmatch(r"(?:\[\]|\[\d+\])(\w+)", ty)
        if m is None or m.group(1) not in sizer.specs:
            continue
        size = sizer.named(m.group(1))
        if size is None or size < RANGE_COPY_BYTES:
            continue
        clause = rl.src.parent
        left = clause.child_by_field_name("left") if clause is not None else None
        target = left.named_children[1] if left is not None else rl.src
        title = f"Each iteration copies a {m.group(1)} (at least {size} bytes) into `{rl.names[1]}`"
        yield ctx.finding(info, target, title=title)


@rule(
    "go/huge-param",
    title="Large struct or array passed by value",
    severity=Severity.INFO,
    category="copy",
    explanation=f"""
Go passes arguments by value, so a parameter (or receiver) whose type is a struct or
array of {PARAM_COPY_BYTES} bytes or more is copied on every call, unless the call is
inlined. Sizes are computed from the fields spelled in this file and ignore padding, so
the real copy is at least this large. A pointer costs 8 bytes; it does let the callee
modify the value, which is the trade-off to weigh.
""",
    fix="Take a pointer (`*T`) if the callee does not need its own copy.",
    measure=f"{BENCH}; `go build -gcflags=-m` shows whether the call is inlined anyway.",
    mirrors=["gocritic:hugeParam"],
    bad="""
package example

type Config struct {
	Name    string
	Weights [16]float64
}

func score(c Config, x float64) float64 {
	return c.Weights[0] * x
}
""",
    good="""
package example

type Config struct {
	Name    string
	Weights [16]float64
}

func score(c *Config, x float64) float64 {
	return c.Weights[0] * x
}
""",
    scope="file",  # sizes come from struct declarations anywhere in the file
    node_types=["parameter_declaration", "type_spec", "const_spec"],
    body_examples=False,
    confidence=0.8,
)
def huge_param(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    params = ctx.nodes("parameter_declaration")
    if not params:
        return
    sizer = _sizer(ctx)
    # A named parameter type is reported only when it is one of these, so most parameters
    # (int, string, pointers) are dismissed before the tree is asked about their function.
    big = {n for n in sizer.specs if (sizer.named(n) or 0) >= PARAM_COPY_BYTES}
    for p in params:
        typ = p.child_by_field_name("type")
        if typ is None:
            continue
        if typ.type == "type_identifier":
            if ctx.text(typ) not in big:
                continue
        elif typ.type != "array_type":
            continue
        plist = p.parent
        func = plist.parent if plist is not None else None
        if func is None or func.type not in ("function_declaration", "method_declaration"):
            continue
        if plist != func.child_by_field_name("parameters") and plist != func.child_by_field_name(
            "receiver"
        ):
            continue
        size = sizer.size(typ)
        if size is None or size < PARAM_COPY_BYTES:
            continue
        what = ctx.text(typ)
        for name in p.children_by_field_name("name") or [typ]:
            title = f"`{ctx.text(name)}` copies a {what} (at least {size} bytes) on every call"
            yield ctx.finding(info, name, title=title)


# Listed explicitly for registry.py (in definition order); split into rule families next.
RULES: list[Rule] = [v for v in list(globals().values()) if isinstance(v, Rule)]

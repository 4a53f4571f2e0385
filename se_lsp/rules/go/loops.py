"""Work repeated on every iteration: regexp compiles, defers, timers, string concatenation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.conversions import conversion
from se_lsp.rules.go.model import GoModel, call_args, model
from se_lsp.rules.go.syntax import (
    BENCH,
    FUNCTIONS,
    LOOP,
    breaks_target,
    keyword_statements,
    next_statement,
    range_loops,
    single_assignment,
    statements,
    terminates,
    walk,
)
from se_lsp.rules.go.types import is_basic

_REGEXP_FUNCS = ("Match", "MatchString", "MatchReader")
# Compiling is what the Match functions do inside; done by hand in a loop it costs the same.
_REGEXP_COMPILE = ("Compile", "MustCompile", "CompilePOSIX", "MustCompilePOSIX")


@rule(
    "go/regexp-in-loop",
    title="A constant regexp pattern compiled on every loop iteration",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`regexp.MatchString` (and `Match`, `MatchReader`) compile the pattern each time they are
called, and so does `regexp.MustCompile` (or `Compile`) written inside the loop. Inside a
loop the same constant pattern is then compiled on every iteration; compiling costs far
more than matching (microseconds and several allocations per call).
""",
    fix="Compile once with `regexp.MustCompile` outside the loop (or at package level) and "
    "call the method on the compiled value.",
    measure="`go test -bench . -benchmem` on the enclosing function; allocations per op drop.",
    mirrors=["staticcheck:SA6000"],
    related=["`regexp.MustCompile`/`Compile` of a constant inside a loop: not in SA6000."],
    gaps=[
        "Loops made with `goto` are not recognised (staticcheck finds loops in the control "
        "flow graph; se-lsp looks for `for` statements).",
    ],
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
    scope="body",  # the pattern may be a package-level constant
)
def regexp_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("regexp", *_REGEXP_FUNCS, *_REGEXP_COMPILE):
        a = call_args(call)
        # Only a constant pattern can be compiled once instead (staticcheck's condition).
        if not a or not isinstance(m.const_value(a[0]), str):
            continue
        loop = m.enclosing_loop(call)
        if loop is None:
            continue
        name = m.text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
        if name in _REGEXP_COMPILE and _in_case(m, call, loop):
            continue  # a switch case in the loop, like one key of a config: may run once
        yield ctx.finding(
            info, call, title=f"regexp.{name} compiles its pattern on every iteration"
        )


_CASES = frozenset({"expression_case", "type_case", "communication_case"})


def _in_case(m: GoModel, node: Node, loop: Node) -> bool:
    """Whether `node` sits in a switch or select case inside `loop`."""
    for p in reversed(m.path(node)[:-1]):
        if p == loop:
            return False
        if p.type in _CASES:
            return True
    return False


# -- busy waits ---------------------------------------------------------------------------


@rule(
    "go/busy-wait",
    title="Empty loop spinning until a value changes",
    severity=Severity.WARNING,
    category="concurrency",
    explanation="""
A `for` loop with an empty body that waits for a flag (`for !done {}`,
`for atomic.LoadInt32(&ready) == 0 {}`, or `for {}`) keeps a core at 100 % for as long as
it waits, takes that CPU from the goroutine it is waiting for, and with a plain variable
is a data race the compiler may turn into an endless loop. Go has blocking primitives for
exactly this: a channel that is closed when the value is ready, a `sync.WaitGroup`, or a
`sync.Cond`.
""",
    fix="Wait on a channel (closed when ready), a sync.WaitGroup or a sync.Cond; if a spin "
    "is really wanted, call runtime.Gosched() in the body.",
    measure="CPU time of the process while it waits (`go test -cpuprofile`, or `top`): a "
    "spinning goroutine shows as one busy core.",
    mirrors=["staticcheck:SA5002"],
    related=[
        "A condition reading an atomic (`atomic.Load*`, `x.Load()`) is flagged too; "
        "SA5002 leaves conditions with calls alone."
    ],
    gaps=["`false` redeclared as a variable (`false := true; for false {}`) is not seen."],
    bad="""
for atomic.LoadInt32(&s.ready) == 0 {
}
""",
    good="""
<-s.readyCh // closed by the goroutine that makes s ready
""",
    node_types=[],
    scope="body",  # the sync/atomic import's name
)
def busy_wait(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for loop in keyword_statements(ctx, "for"):
        if loop.type != LOOP or statements(loop.child_by_field_name("body")):
            continue
        body = loop.child_by_field_name("body")
        first = loop.start_point[0]
        if body is None or any(
            c.type == "comment" and c.start_point[0] > first for c in body.named_children
        ):
            continue  # a comment of its own in the body: the author says why it is empty
        clause = [c for c in loop.named_children if c is not body and c.type != "comment"]
        if not clause:
            title = "`for {}` spins a core forever; `select {}` blocks without spinning"
            yield ctx.finding(info, loop, title=title)
            continue
        cond = clause[0]
        if cond.type in ("for_clause", "range_clause") or not _only_reads(m, cond):
            continue
        if m.text(cond) == "false":
            continue  # `for false {}`: a debugging aid that never runs (staticcheck agrees)
        yield ctx.finding(
            info, loop, title=f"Empty loop spins a core until `{m.text(cond)}` changes"
        )


_ATOMIC_LOADS = frozenset(
    {"LoadInt32", "LoadInt64", "LoadUint32", "LoadUint64", "LoadUintptr", "LoadPointer"}
)


def _only_reads(m: GoModel, cond: Node) -> bool:
    """Whether `cond` only reads memory: names, fields, operators, and atomic loads."""
    atomic = m.import_name("sync/atomic")
    for n in walk(cond):
        if n.type == "unary_expression" and m.text(n).startswith("<-"):
            return False  # a receive blocks: no spin
        if n.type != "call_expression":
            continue
        fn = n.child_by_field_name("function")
        args = call_args(n)
        if fn is None or fn.type != "selector_expression":
            return False
        operand = m.text(fn.child_by_field_name("operand"))
        field = m.text(fn.child_by_field_name("field"))
        if operand == atomic and field in _ATOMIC_LOADS:
            continue
        if field == "Load" and not args:  # atomic.Int32 and friends
            continue
        return False
    return True


# -- a lock taken and released on every iteration ------------------------------------------


@rule(
    "go/lock-in-loop",
    title="A mutex locked and unlocked on every iteration around cheap work",
    severity=Severity.INFO,
    category="concurrency",
    explanation="""
Each `Lock`/`Unlock` pair is two atomic operations at least, and under contention a trip
through the scheduler; a loop that takes the lock for every element of a slice or map
pays that per element. When the work under the lock and around it is cheap (map and
slice reads and writes, arithmetic, `append`), taking the lock once around the whole
loop does the same work with one pair. Flagged only for `range` loops whose body calls
nothing but builtins besides the lock: a body that calls out could block while holding
the lock, and then per-element locking is the right choice.
""",
    fix="Lock once before the loop and unlock after it (`mu.Lock(); for ... {}; mu.Unlock()`), "
    "or copy what is needed under one lock and work on the copy.",
    measure=f"{BENCH}, with `-cpu 1,4` and concurrent readers: ns/op and contention "
    "(`go test -mutexprofile`) drop.",
    mirrors=[],
    related=[
        "No linter we know of checks this; staticcheck SA2001 (empty critical section) and "
        "go vet copylocks look at locks for other reasons."
    ],
    bad="""
for _, k := range keys {
    s.mu.Lock()
    v := s.m[k]
    s.mu.Unlock()
    out = append(out, v)
}
""",
    good="""
s.mu.Lock()
for _, k := range keys {
    out = append(out, s.m[k])
}
s.mu.Unlock()
""",
    node_types=[],
    scope="body",  # conversions to types declared elsewhere
)
def lock_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for rl in range_loops(ctx):
        stmts = rl.stmts
        if len(stmts) < 3:
            continue
        first = _lock_call(m, stmts[0], ("Lock", "RLock"))
        if first is None:
            continue
        receiver, kind = first
        root = receiver.split(".", 1)[0].split("[", 1)[0]
        own = {m.text(n) for n in (rl.key, rl.value) if n is not None}
        if root in own or root in _rebound(rl.loop, ctx.source):
            continue  # each element's own mutex (`for _, c := range conns { c.mu.Lock() ... }`)
        unlock = "Unlock" if kind == "Lock" else "RUnlock"
        ends = [i for i, s in enumerate(stmts) if _lock_call(m, s, (unlock,)) == (receiver, unlock)]
        if len(ends) != 1 or ends[0] == 1:
            continue
        rest = [s for i, s in enumerate(stmts) if i not in (0, ends[0])]
        if not all(_cheap(m, s) for s in rest):
            continue
        title = f"`{receiver}.{kind}()` on every iteration around cheap work; lock once outside"
        yield ctx.finding(info, stmts[0], title=title)


def _lock_call(m: GoModel, stmt: Node, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(receiver, method) when `stmt` is `x.Lock()` (or one of `names`) and nothing else."""
    if stmt.type != "expression_statement" or not stmt.named_children:
        return None
    call = stmt.named_children[0]
    if call.type != "call_expression" or call_args(call):
        return None
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return None
    method = m.text(fn.child_by_field_name("field"))
    if method not in names:
        return None
    return m.text(fn.child_by_field_name("operand")), method


def _rebound(loop: Node, source: bytes) -> set[str]:
    """Names the loop declares or assigns as a whole (`c := ...`, `c = ...`)."""
    out: set[str] = set()
    for n in walk(loop):
        if n.type in ("short_var_declaration", "assignment_statement"):
            left = n.child_by_field_name("left")
            for t in left.named_children if left is not None else []:
                if t.type == "identifier":
                    out.add(source[t.start_byte : t.end_byte].decode("utf-8", "replace"))
    return out


_CHEAP_CALLS = frozenset({"append", "len", "cap", "delete", "copy", "min", "max", "clear"})
_BLOCKING = frozenset(
    {"go_statement", "defer_statement", "send_statement", "select_statement", "func_literal"}
)


def _cheap(m: GoModel, stmt: Node) -> bool:
    """Whether `stmt` calls nothing but builtins and cannot block (no send, receive, go)."""
    for n in walk(stmt):
        if n.type in _BLOCKING or n.type in LOOPS_AND_RETURNS:
            return False
        if n.type == "unary_expression" and m.text(n).startswith("<-"):
            return False
        if n.type == "call_expression":
            fn = n.child_by_field_name("function")
            builtin = fn is not None and fn.type == "identifier" and m.text(fn) in _CHEAP_CALLS
            if builtin and fn is not None and m.is_universe(fn):
                continue
            if conversion(m, n) is None:
                return False
    return True


LOOPS_AND_RETURNS = frozenset({"for_statement", "return_statement", "goto_statement"})


# -- defer ----------------------------------------------------------------------------


def _loops_around(m: GoModel, node: Node) -> list[Node]:
    """The `for` statements around `node` in its function, innermost first."""
    out = []
    for p in reversed(m.path(node)[:-1]):
        if p.type in FUNCTIONS:
            break
        if p.type == LOOP:
            out.append(p)
    return out


_LISTS = frozenset({"statement_list", "block"})


def _exits_after(m: GoModel, stmt: Node, loops: list[Node], source: bytes) -> bool:
    """Whether control always leaves every loop (or the function) soon after `stmt`.

    Then the deferred call is registered at most once per call of the function, which is
    what a defer outside the loop would do: `for { f := open(); defer f.Close(); ...; break }`.
    """
    outermost = loops[-1]
    path = m.path(stmt)
    i = len(path) - 1
    node = stmt
    while True:
        sibling = node.next_named_sibling
        while sibling is not None:
            t = sibling.type
            if t == "comment":
                sibling = sibling.next_named_sibling
                continue
            if terminates(sibling):
                return t != "goto_statement"
            if t == "break_statement":
                return breaks_target(m, sibling, source) == outermost
            if t == "continue_statement":
                return False
            for inner in walk(sibling, FUNCTIONS):
                if inner.type in ("continue_statement", "goto_statement"):
                    return False
            sibling = sibling.next_named_sibling
        # Fell off the end of this statement list: go on after the statement holding it
        # (the end of an `if` body or of a `case` continues after the if or switch).
        j = i - 1
        while j > 0:
            a = path[j]
            if a.type == LOOP or a.type in FUNCTIONS:
                return False
            if a.type not in _LISTS and path[j - 1].type in _LISTS:
                break
            j -= 1
        if j <= 0:
            return False
        node, i = path[j], j


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
descriptors or hold memory that should have been freed. Not flagged when the loop is
always left right after the defer (a `return` or a `break` out of the outermost loop),
since the defer then runs once per call as it would outside the loop.
""",
    fix="Move the loop body into a function (or a closure called per iteration) so the "
    "defer runs each time, or release the resource explicitly; to release every element at "
    "return, defer one loop over them instead of one defer per element.",
    measure="`go test -bench . -benchmem`; watch open descriptors or the heap profile "
    "(`go test -memprofile`, `go tool pprof`).",
    mirrors=["gocritic:deferInLoop", "revive:defer"],
    gaps=[
        "A loop that is always left right after the defer (`defer x(); break` or `return`) "
        "is not flagged: the defer runs once per call. go-critic flags it.",
    ],
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
    node_types=[],
    scope="body",  # package names come from the imports
)
def defer_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    for stmt in keyword_statements(ctx, "defer"):
        m = m or model(ctx)
        loops = _loops_around(m, stmt)
        if not loops or _exits_after(m, stmt, loops, ctx.source):
            continue
        if _defers_loop_variable(m, stmt, loops):
            title = (
                "defer in a loop registers one deferred call per element; defer one loop "
                "over them after this loop"
            )
            yield ctx.finding(info, stmt, title=title)
        else:
            yield ctx.finding(info, stmt)


def _defers_loop_variable(m: GoModel, stmt: Node, loops: list[Node]) -> bool:
    """`for _, c := range conns { defer c.Close() }`: nothing is acquired per iteration, the
    loop registers a release for every element. The same runs at return from one deferred
    loop (`defer func() { for _, c := range conns { c.Close() } }()`), with one defer."""
    call = stmt.named_children[0] if stmt.named_children else None
    fn = call.child_by_field_name("function") if call is not None else None
    root = fn
    while root is not None and root.type == "selector_expression":
        root = root.child_by_field_name("operand")
    if root is None or root.type != "identifier":
        return False
    d = m.lookup(root)
    return (
        d is not None
        and d.kind == "range"
        and any(d.owner == loop.named_children[0] for loop in loops)
    )


# -- timers -------------------------------------------------------------------------


@rule(
    "go/time-after-in-loop",
    title="time.After in a select loop makes a new timer on every iteration",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`case <-time.After(d):` inside a loop creates a new timer and channel (about 200 bytes)
each time the select runs, and the timeout restarts whenever another case fires first
(a message pump with a timeout). A loop whose select only waits for the timer or a stop
signal (`<-ctx.Done()`) is a sleep: it is left alone.
Before Go 1.23 each of those timers also stayed reachable until it expired, so a busy loop
with a long timeout piled up memory; since Go 1.23 they are collected, but the allocation
per iteration remains. One `time.NewTimer` (or a `time.Ticker`, or a context deadline)
created before the loop and `Reset` when needed does the same with a single allocation.
""",
    fix="Create `t := time.NewTimer(d)` before the loop, select on `t.C`, and `t.Reset(d)` "
    "after it fires.",
    measure="`go test -bench . -benchmem` on the loop; `go test -memprofile` shows "
    "time.newTimer among the allocations.",
    mirrors=[],
    related=["semgrep-go `leaky-time-after` (dgryski/semgrep-go; it has no test file)"],
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
    scope="body",  # package names come from the imports
)
def time_after_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("time", "After"):
        case = m.up(call, frozenset({"communication_case"}), FUNCTIONS | {LOOP})
        comm = case.child_by_field_name("communication") if case is not None else None
        # Only the channel a case waits on; `timeout = time.After(d)` in a case body is the
        # usual way to reset a deadline and is not flagged.
        if case is None or comm is None or not comm.start_byte <= call.start_byte < comm.end_byte:
            continue
        if m.enclosing_loop(case) is None or _sleep_or_stop(m, case):
            continue
        yield ctx.finding(info, call)


_STOPPING = ("done", "stop", "quit", "clos", "exit", "shutdown", "cancel", "kill", "term")


def _sleep_or_stop(m: GoModel, case: Node) -> bool:
    """A select whose other cases only wait for a stop signal (`<-ctx.Done()`, `<-stopc`):
    the timer is a sleep that fires on nearly every iteration, so timers do not pile up
    and one per iteration is the cost of the sleep itself."""
    select = m.parent(case)
    if select is None or select.type != "select_statement":
        return False
    for other in select.named_children:
        if other.type != "communication_case" or other == case:
            continue
        comm = other.child_by_field_name("communication")
        if comm is None or comm.type != "receive_statement":
            return False
        channel = m.text(comm.child_by_field_name("right")).removeprefix("<-").strip()
        last = channel.rsplit(".", 1)[-1].lower()
        if not any(word in last for word in _STOPPING):
            return False
    return True


# -- string concatenation ------------------------------------------------------------


def _concat_target(stmt: Node, source: bytes) -> str | None:
    """`s` for `s += x` or `s = s + x` (also `s = s + x + y`), else None."""
    if stmt.type != "assignment_statement":
        return None
    op = stmt.child_by_field_name("operator")
    left = stmt.child_by_field_name("left")
    if op is None or left is None or left.named_child_count != 1:
        return None
    target = left.named_children[0]
    if target.type != "identifier":
        return None
    name = source[target.start_byte : target.end_byte]
    if op.type == "+=":
        return name.decode()
    got = single_assignment(stmt)
    if got is None:
        return None
    # `s + x + y` is `(s + x) + y`: follow the left operands of `+` down to the first one.
    rhs: Node | None = got[1]
    steps = 0
    while rhs is not None and rhs.type == "binary_expression":
        operator = rhs.child_by_field_name("operator")
        if operator is None or operator.type != "+":
            return None
        rhs = rhs.child_by_field_name("left")
        steps += 1
    if steps == 0 or rhs is None or rhs.type != "identifier":
        return None
    return name.decode() if source[rhs.start_byte : rhs.end_byte] == name else None


def _loop_statements(loop: Node) -> Iterator[Node]:
    """The loop body's statements, and those of `if`/`else` blocks in it, breadth first."""
    queue = statements(loop.child_by_field_name("body"))
    i = 0
    while i < len(queue):
        s = queue[i]
        i += 1
        yield s
        if s.type == "if_statement":
            queue.extend(statements(s.child_by_field_name("consequence")))
            alt = s.child_by_field_name("alternative")
            if alt is not None and alt.type == "block":
                queue.extend(statements(alt))


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
Flagged only when the string (declared before the loop, of type `string`) is not read
in the loop other than to append to it, so a Builder can replace it as is, and not when
the loop is left right after the append (`s += x; break`): that runs once.
""",
    fix="Use a `strings.Builder`: `b.WriteString(x)` in the loop, `s += b.String()` after it.",
    measure=f"{BENCH}; allocs/op becomes O(1) instead of one per iteration.",
    mirrors=["perfsprint:concat-loop"],
    gaps=[
        "perfsprint's `loop-other-ops` option (report even when the string is read in the "
        "loop) is not offered: the Builder would not be a drop-in replacement there.",
    ],
    related=["`s = s + x + y` is flagged too; perfsprint only matches `s = s + x`."],
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
    node_types=[],
    scope="body",  # the string may be a package-level variable
)
def string_concat_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    source = ctx.source
    loops: dict[int, Node] = {}
    m = model(ctx)
    for stmt in _concat_candidates(ctx, m):
        loop = _collecting_loop(m, stmt)
        if loop is not None:
            loops.setdefault(loop.id, loop)
    for loop in sorted(loops.values(), key=lambda n: n.start_byte):
        adds = _concatenations(ctx, loop)
        if not adds or _read_elsewhere(loop, adds, source):
            continue  # perfsprint leaves loops that also read the string
        first = sorted(adds)[0]
        title = f"`{first}` grows by concatenation on every iteration; use a strings.Builder"
        yield ctx.finding(info, adds[first][0], title=title)


# Two patterns rather than an alternation: `re` finds a leading literal fast.
_CONCAT = (re.compile(rb"\+="), re.compile(rb"=[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\+(?![+=])"))


def _concat_candidates(ctx: Context, m: GoModel) -> Iterator[Node]:
    """Statements `s += x` and `s = s + x`, found from their spelling."""
    lo, hi = ctx.scan_range
    root = ctx.root
    src = ctx.source
    hits = sorted(h.start() for r in _CONCAT for h in r.finditer(src, lo, hi))
    for pos in hits:
        node = root.descendant_for_byte_range(pos, pos + 1)
        stmt = m.up(node, frozenset({"assignment_statement"}), _STOP_AT) if node else None
        if stmt is not None and _concat_target(stmt, ctx.source) is not None:
            yield stmt


_STOP_AT = frozenset({"block", "source_file"})


def _collecting_loop(m: GoModel, stmt: Node) -> Node | None:
    """The loop whose statements perfsprint looks at for `stmt`: its body, and `if`/`else`
    blocks in it, but not nested loops, switches, closures or bare blocks."""
    path = m.path(stmt)
    i = len(path) - 1
    while i >= 3:
        holder, block, owner = path[i - 1], path[i - 2], path[i - 3]
        if holder.type != "statement_list" or block.type != "block":
            return None
        if owner.type == LOOP and owner.child_by_field_name("body") == block:
            return owner
        if owner.type != "if_statement" or path[i - 4].type == "if_statement":
            return None  # not an if, or an `else if` (perfsprint does not follow those)
        i -= 3
    return None


def _concatenations(ctx: Context, loop: Node) -> dict[str, list[Node]]:
    """Strings declared outside `loop` that its statements extend, with those statements."""
    source = ctx.source
    local: set[str] = set()
    adds: dict[str, list[Node]] = {}
    for s in _loop_statements(loop):
        if s.type == "short_var_declaration":
            left = s.child_by_field_name("left")
            names = left.named_children if left is not None else []
            local.update(source[n.start_byte : n.end_byte].decode() for n in names)
            continue
        if s.type == "var_declaration":
            for spec in walk(s):
                if spec.type == "var_spec":
                    for n in spec.children_by_field_name("name"):
                        local.add(source[n.start_byte : n.end_byte].decode())
            continue
        name = _concat_target(s, source)
        if name is None or name in local:
            continue
        target = s.child_by_field_name("left").named_children[0]  # type: ignore[union-attr]
        t = model(ctx).type_of(target)
        if t is None or t.untyped or not is_basic(t, "string"):
            continue
        if _leaves_after(model(ctx), s, loop, source):
            continue  # runs once per loop at most: nothing quadratic
        adds.setdefault(name, []).append(s)
    return adds


def _leaves_after(m: GoModel, stmt: Node, loop: Node, source: bytes) -> bool:
    """Whether the statement after `stmt` leaves `loop` (break, return, goto, panic)."""
    after = next_statement(stmt)
    if after is None:
        return False
    if after.type == "break_statement":
        return breaks_target(m, after, source) == loop
    return terminates(after)


def _read_elsewhere(loop: Node, adds: dict[str, list[Node]], source: bytes) -> bool:
    spans = [(s.start_byte, s.end_byte) for stmts in adds.values() for s in stmts]
    for n in walk(loop):
        if n.type != "identifier" or source[n.start_byte : n.end_byte].decode() not in adds:
            continue
        if not any(a <= n.start_byte < b for a, b in spans):
            return True
    return False

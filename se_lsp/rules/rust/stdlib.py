"""What the Rust standard library's types are, and what their common methods return.

The semantic model (model.py) uses this table to give expressions a type as far as the file
says. Only what the rules ask about is here; anything else stays unknown, and a rule that
needs a type it does not get stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Ty:
    """A type as far as the file says.

    `name` is a primitive (`u8`, `str`, `bool`), a standard type's short name (`Vec`,
    `HashMap`; `std` is then True), a type declared in this file (`local`), another named
    type, or one of the shapes `&` (reference; `mutable`), `[]` (slice), `array`
    (`length` when it is a literal), `tuple`, `Iter` (an iterator, `exact` when its length
    is known before it runs), `Range`, `impl`, `dyn`, `fn`, `closure`, `?` (unknown).
    """

    name: str
    args: tuple[Ty, ...] = ()
    std: bool = False
    local: bool = False
    mutable: bool = False
    length: int | None = None
    exact: bool = False

    @property
    def is_ref(self) -> bool:
        return self.name == "&"

    def deref(self) -> Ty:
        """The type behind any number of references (`&&str` -> `str`)."""
        t = self
        while t.name == "&" and t.args:
            t = t.args[0]
        return t

    def auto_deref(self) -> Ty:
        """What method calls see: behind references and `Box`/`Rc`/`Arc`, `String` as `str`."""
        t = self.deref()
        for _ in range(4):
            if t.std and t.name in ("Box", "Rc", "Arc") and t.args:
                t = t.args[0].deref()
            else:
                break
        return t

    def arg(self, i: int = 0) -> Ty | None:
        return self.args[i] if len(self.args) > i else None

    def is_std(self, *names: str) -> bool:
        return self.std and self.name in names

    @property
    def known(self) -> bool:
        return self.name != "?"

    def text(self) -> str:
        """The type written as Rust (for fixes and messages)."""
        if self.name == "&":
            inner = self.args[0].text() if self.args else "_"
            return f"&{'mut ' if self.mutable else ''}{inner}"
        if self.name == "[]":
            return f"[{self.args[0].text() if self.args else '_'}]"
        if self.name == "array":
            inner = self.args[0].text() if self.args else "_"
            return f"[{inner}; {self.length if self.length is not None else '_'}]"
        if self.name == "tuple":
            return "(" + ", ".join(a.text() for a in self.args) + ")"
        if self.name == "?":
            return "_"
        if self.args:
            return f"{self.name}<{', '.join(a.text() for a in self.args)}>"
        return self.name


UNKNOWN = Ty("?")

INTEGERS = ("u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize")
FLOATS = ("f32", "f64")
PRIMITIVES = frozenset({*INTEGERS, *FLOATS, "bool", "char", "str", "{integer}", "{float}"})
# Types whose elements sort the same stably and unstably (equal elements are indistinguishable).
SIZES = {
    "u8": 1,
    "i8": 1,
    "bool": 1,
    "u16": 2,
    "i16": 2,
    "u32": 4,
    "i32": 4,
    "f32": 4,
    "char": 4,
    "u64": 8,
    "i64": 8,
    "f64": 8,
    "usize": 8,
    "isize": 8,
    "u128": 16,
    "i128": 16,
    "{integer}": 4,
    "{float}": 8,
}


def prim(name: str) -> Ty:
    return Ty(name, std=True)


STR = prim("str")
REF_STR = Ty("&", (STR,))
STRING = Ty("String", std=True)
USIZE = prim("usize")
BOOL = prim("bool")
CHAR = prim("char")
INT = prim("{integer}")

# Where standard types live, for `use std::collections::*` and for telling std's
# `LinkedList` from a project's own.
STD_MODULES = {
    "collections": (
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "VecDeque",
        "BinaryHeap",
        "LinkedList",
    ),
    "sync": ("Mutex", "RwLock", "Arc", "Condvar", "Barrier", "OnceLock", "LazyLock", "Weak"),
    "sync::atomic": (
        "AtomicBool",
        "AtomicU8",
        "AtomicU16",
        "AtomicU32",
        "AtomicU64",
        "AtomicUsize",
        "AtomicI8",
        "AtomicI16",
        "AtomicI32",
        "AtomicI64",
        "AtomicIsize",
        "AtomicPtr",
        "Ordering",
    ),
    "rc": ("Rc",),
    "cell": ("RefCell", "Cell", "OnceCell", "LazyCell"),
    "path": ("Path", "PathBuf"),
    "ffi": ("OsStr", "OsString", "CStr", "CString"),
    "borrow": ("Cow", "Borrow", "ToOwned"),
    "string": ("String",),
    "vec": ("Vec",),
    "boxed": ("Box",),
    "iter": ("repeat", "once", "empty"),
}
# In scope everywhere without a `use` (the 2021 prelude, the parts the rules ask about).
PRELUDE = frozenset(
    {
        "Vec",
        "String",
        "Box",
        "Option",
        "Result",
        "Some",
        "None",
        "Ok",
        "Err",
        "ToString",
        "ToOwned",
        "Clone",
        "Copy",
        "Iterator",
        "IntoIterator",
        "Default",
        "Drop",
        "PartialEq",
        "Eq",
        "PartialOrd",
        "Ord",
        "AsRef",
        "AsMut",
        "Into",
        "From",
        "Send",
        "Sync",
        "Extend",
        "FromIterator",
    }
)
COLLECTIONS = frozenset(STD_MODULES["collections"]) | {"Vec", "String"}
SEQUENCES = frozenset({"Vec", "VecDeque", "LinkedList", "BinaryHeap"})
MAPS = frozenset({"HashMap", "BTreeMap"})
SETS = frozenset({"HashSet", "BTreeSet"})
# Owned types with a borrowed form (`String` -> `str`), as `ToOwned` pairs them.
OWNED_OF = {"str": "String", "[]": "Vec", "Path": "PathBuf", "OsStr": "OsString", "CStr": "CString"}
BORROWED_OF = {v: k for k, v in OWNED_OF.items()}
# Heap-owning standard types: cloning one allocates.
HEAP_OWNING = frozenset({"String", "Vec", "PathBuf", "OsString", "CString", "Box", *COLLECTIONS})


def is_copy(t: Ty | None) -> bool:
    """Copy as far as the types say: primitives (not `str`), shared references, tuples and
    arrays of Copy types. User types are decided by the model (their derives)."""
    if t is None:
        return False
    if t.name in PRIMITIVES:
        return t.name != "str"
    if t.name == "&":
        return not t.mutable
    if t.name in ("tuple", "array"):
        return all(is_copy(a) for a in t.args)
    return False


def size_of(t: Ty | None) -> int | None:
    """The size in bytes on a 64-bit target, for the types whose size the name gives."""
    if t is None:
        return None
    if t.name in SIZES:
        return SIZES[t.name]
    if t.name in ("&", "ptr") or (t.std and t.name in ("Box", "Rc", "Arc")):
        inner = t.arg()
        fat = inner is not None and (inner.name in ("str", "[]", "dyn") or inner.is_std("str"))
        return 16 if fat else 8
    if t.std and t.name in ("String", "Vec", "PathBuf", "OsString", "BTreeMap", "BTreeSet"):
        return 24
    if t.std and t.name in ("VecDeque",):
        return 32
    if t.std and t.name in ("HashMap", "HashSet"):
        return 48
    if t.name == "array" and t.length is not None:
        elem_size = size_of(t.arg())
        return None if elem_size is None else elem_size * t.length
    if t.name == "tuple":
        total = 0
        for a in t.args:
            s = size_of(a)
            if s is None:
                return None
            total += s
        return total
    return None


def with_args(t: Ty, *args: Ty) -> Ty:
    return replace(t, args=tuple(args))


def std(name: str, *args: Ty) -> Ty:
    return Ty(name, tuple(args), std=True)


def ref(t: Ty, mutable: bool = False) -> Ty:
    return Ty("&", (t,), mutable=mutable)


def iterator(item: Ty | None, exact: bool) -> Ty:
    return Ty("Iter", (item or UNKNOWN,), exact=exact)


def element(t: Ty | None) -> Ty | None:
    """The element type of a collection, slice or array (`(K, V)` for maps)."""
    if t is None:
        return None
    t = t.auto_deref()
    if t.name in ("[]", "array") or (t.std and t.name in SEQUENCES | SETS):
        return t.arg()
    if t.std and t.name in MAPS:
        k, v = t.arg(0), t.arg(1)
        return Ty("tuple", (k or UNKNOWN, v or UNKNOWN))
    return None


def is_sized_collection(t: Ty | None) -> bool:
    """A collection whose length is known before it is iterated (Vec, slice, map...)."""
    if t is None:
        return False
    t = t.auto_deref()
    return t.name in ("[]", "array") or (t.std and t.name in COLLECTIONS and t.name != "String")


# Iterator adapters: name -> (keeps a known length, what the item becomes: "same", "enum"
# for enumerate's `(usize, T)`, "deref" for cloned/copied, None for unknown).
ADAPTERS: dict[str, tuple[bool, str | None]] = {
    "map": (True, None),
    "enumerate": (True, "enum"),
    "rev": (True, "same"),
    "skip": (True, "same"),
    "take": (True, "same"),
    "step_by": (True, "same"),
    "zip": (True, None),
    "chain": (True, "same"),
    "cloned": (True, "deref"),
    "copied": (True, "deref"),
    "peekable": (True, "same"),
    "inspect": (True, "same"),
    "fuse": (True, "same"),
    "by_ref": (True, "same"),
    "filter": (False, "same"),
    "filter_map": (False, None),
    "flat_map": (False, None),
    "flatten": (False, None),
    "take_while": (False, "same"),
    "skip_while": (False, "same"),
    "map_while": (False, None),
    "scan": (False, None),
    "dedup": (False, "same"),
}
# Methods that give a bool / usize whatever the receiver is (among the ones rules ask about).
BOOL_METHODS = frozenset(
    {
        "is_empty",
        "contains",
        "contains_key",
        "starts_with",
        "ends_with",
        "is_some",
        "is_none",
        "is_ok",
        "is_err",
        "any",
        "all",
        "eq",
        "ne",
        "eq_ignore_ascii_case",
        "is_ascii",
        "exists",
        "is_file",
        "is_dir",
    }
)
USIZE_METHODS = frozenset({"len", "count", "capacity"})
STRING_METHODS = frozenset(
    {
        "to_string",
        "to_lowercase",
        "to_uppercase",
        "to_ascii_lowercase",
        "to_ascii_uppercase",
        "replace",
        "replacen",
        "repeat",
        "to_string_lossy_owned",
        "into_string",
    }
)
STR_METHODS = frozenset(
    {
        "as_str",
        "trim",
        "trim_start",
        "trim_end",
        "trim_matches",
        "trim_start_matches",
        "trim_end_matches",
        "as_ref_str",
    }
)

# Methods of the standard types that take `&self` and only read (or copy out) the value:
# a value used only through these is never moved or changed.
READ_ONLY_METHODS = frozenset(
    {
        "len",
        "is_empty",
        "starts_with",
        "ends_with",
        "contains",
        "contains_key",
        "as_str",
        "as_bytes",
        "as_path",
        "chars",
        "bytes",
        "iter",
        "trim",
        "eq",
        "first",
        "last",
        "get",
        "is_some",
        "is_none",
        "to_string",
        "to_owned",
        "clone",
        "as_ref",
        "display",
        "to_lowercase",
        "to_uppercase",
        "split",
        "lines",
        "find",
        "keys",
        "values",
    }
)

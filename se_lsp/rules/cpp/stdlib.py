"""What the C++ standard library's types cost to copy and what their members do.

The semantic model (model.py) asks this table about every `std::` type a file names:
whether copying it allocates (a string, a container, a `std::function`), bumps a shared
count (`shared_ptr`), is a plain copy of bytes (`string_view`, scalars) or is not
allowed at all (`unique_ptr`, `mutex`). clang-tidy's checks call a type "expensive to
copy" when it is not trivially copyable; that is the line drawn here too.

A few types from Abseil are listed as well: projects that use them spell them like
`std::` types, and their costs are documented the same way.
"""

from __future__ import annotations

from enum import IntEnum


class Cost(IntEnum):
    """How expensive a copy is. Ordered so that combining members takes the max."""

    TRIVIAL = 0  # trivially copyable: a copy is a memcpy of a few bytes
    UNKNOWN = 1  # the file does not say
    EXPENSIVE = 2  # not trivially copyable: allocates, counts references, or runs user code
    NONCOPYABLE = 3  # the copy constructor is deleted


def combine(costs: list[Cost]) -> Cost:
    """The cost of a type holding all of these (members, bases, template arguments)."""
    return max(costs, default=Cost.TRIVIAL)


# Owning strings and containers: copying allocates and copies every element.
_ALLOCATING = frozenset(
    """string wstring u8string u16string u32string basic_string vector deque list forward_list
    map multimap set multiset unordered_map unordered_set unordered_multimap unordered_multiset
    priority_queue queue stack valarray function move_only_function any regex basic_regex
    locale filesystem::path path""".split()
)
# Shared ownership: copying is an atomic increment (and a decrement when the copy dies).
_REFCOUNTED = frozenset({"shared_ptr", "weak_ptr", "exception_ptr"})
# Copies of a few bytes.
_CHEAP = frozenset(
    """string_view wstring_view u8string_view u16string_view u32string_view basic_string_view span
    byte size_t ptrdiff_t nullptr_t max_align_t int8_t int16_t int32_t int64_t uint8_t uint16_t
    uint32_t uint64_t intptr_t uintptr_t intmax_t uintmax_t reference_wrapper initializer_list
    type_index error_code errc bitset complex hash less greater equal_to plus minus
    chrono::duration chrono::time_point chrono::seconds chrono::milliseconds
    chrono::microseconds chrono::nanoseconds chrono::minutes chrono::hours
    chrono::steady_clock::time_point chrono::system_clock::time_point
    chrono::high_resolution_clock::time_point thread::id memory_order endian strong_ordering
    weak_ordering partial_ordering in_place_t nullopt_t monostate source_location""".split()
)
_NONCOPYABLE = frozenset(
    """unique_ptr mutex recursive_mutex timed_mutex recursive_timed_mutex shared_mutex
    shared_timed_mutex condition_variable condition_variable_any thread jthread atomic
    atomic_flag future promise packaged_task ifstream ofstream fstream istringstream
    ostringstream stringstream basic_ifstream basic_ofstream basic_fstream basic_stringstream
    basic_istringstream basic_ostringstream lock_guard unique_lock scoped_lock shared_lock
    counting_semaphore binary_semaphore latch barrier stop_source""".split()
)
# Types whose cost is the cost of what they hold.
_WRAPPERS = frozenset({"pair", "tuple", "array", "optional", "variant"})

# Abseil and other widely used libraries that document the same costs.
_OTHER_EXPENSIVE = frozenset(
    """absl::flat_hash_map absl::flat_hash_set absl::node_hash_map absl::node_hash_set
    absl::btree_map absl::btree_set absl::btree_multimap absl::btree_multiset
    absl::InlinedVector absl::FixedArray absl::Cord absl::Status""".split()
)
_OTHER_CHEAP = frozenset(
    "absl::string_view absl::Span absl::Duration absl::Time absl::uint128 absl::int128".split()
)
_OTHER_WRAPPERS = frozenset({"absl::StatusOr", "absl::optional", "absl::variant"})
_OTHER_NONCOPYABLE = frozenset({"absl::Mutex", "absl::Notification", "absl::CondVar"})

PRIMITIVES = frozenset(
    """bool char signed unsigned short int long float double wchar_t char8_t char16_t char32_t
    size_t ssize_t ptrdiff_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t
    intptr_t uintptr_t off_t time_t void""".split()
)

# Names a file may use unqualified after `using namespace std;`.
STD_NAMES = frozenset(
    {n for n in _ALLOCATING | _REFCOUNTED | _CHEAP | _NONCOPYABLE | _WRAPPERS if "::" not in n}
)

SEQUENCES = frozenset({"std::vector", "std::deque", "std::list", "std::forward_list"})
STRINGS = frozenset(
    {
        "std::string",
        "std::wstring",
        "std::u8string",
        "std::u16string",
        "std::u32string",
        "std::basic_string",
    }
)
STRING_VIEWS = frozenset(
    {
        "std::string_view",
        "std::wstring_view",
        "std::u8string_view",
        "std::u16string_view",
        "std::u32string_view",
        "std::basic_string_view",
        "absl::string_view",
    }
)
SETS = frozenset(
    {
        "std::set",
        "std::multiset",
        "std::unordered_set",
        "std::unordered_multiset",
        "absl::flat_hash_set",
        "absl::node_hash_set",
        "absl::btree_set",
        "absl::btree_multiset",
    }
)
MAPS = frozenset(
    {
        "std::map",
        "std::multimap",
        "std::unordered_map",
        "std::unordered_multimap",
        "absl::flat_hash_map",
        "absl::node_hash_map",
        "absl::btree_map",
        "absl::btree_multimap",
    }
)
# Containers whose size() is O(1) and that have empty(): the ones a loop's length or an
# emptiness test can be read from.
SIZED = (
    SEQUENCES - {"std::forward_list"}
    | SETS
    | MAPS
    | STRINGS
    | STRING_VIEWS
    | {
        "std::array",
        "std::span",
        "std::valarray",
        "std::initializer_list",
        "absl::InlinedVector",
        "absl::FixedArray",
        "absl::Span",
    }
)
# Sized containers that also have empty() (std::valarray has size() but no empty()).
HAS_EMPTY = SIZED - {"std::valarray"}
# Moving these never throws with the default allocator (libstdc++ and libc++ agree; a
# std::deque may allocate in its move constructor, so it is left out).
_NOTHROW_MOVE = frozenset(
    """std::string std::wstring std::u8string std::u16string std::u32string std::basic_string
    std::vector std::list std::forward_list std::map std::multimap std::set std::multiset
    std::unordered_map std::unordered_set std::unordered_multimap std::unordered_multiset
    std::unique_ptr std::shared_ptr std::weak_ptr std::function std::any std::exception_ptr
    std::promise std::future std::thread std::jthread std::unique_lock""".split()
)


def std_cost(base: str, args: list[Cost]) -> Cost:
    """The copy cost of a library type `base` (qualified, e.g. `std::vector`) with the costs
    of its template arguments; UNKNOWN when the table does not know it."""
    if base.startswith("std::"):
        name = base[5:]
        if name in _ALLOCATING or name in _REFCOUNTED:
            return Cost.EXPENSIVE
        if name in _NONCOPYABLE:
            return Cost.NONCOPYABLE
        if name in _CHEAP or name in PRIMITIVES:
            return Cost.TRIVIAL
        if name in _WRAPPERS:
            if name == "array":
                args = args[:1]
            return combine(args) if args else Cost.UNKNOWN
        return Cost.UNKNOWN
    if base in _OTHER_EXPENSIVE:
        return Cost.EXPENSIVE
    if base in _OTHER_CHEAP:
        return Cost.TRIVIAL
    if base in _OTHER_NONCOPYABLE:
        return Cost.NONCOPYABLE
    if base in _OTHER_WRAPPERS:
        # StatusOr holds a Status as well as the value: never trivially copyable.
        inner = combine(args) if args else Cost.UNKNOWN
        return max(inner, Cost.EXPENSIVE) if base == "absl::StatusOr" else inner
    return Cost.UNKNOWN


def is_library(base: str) -> bool:
    return base.startswith(("std::", "absl::"))


def nothrow_move(base: str) -> bool | None:
    """Whether moving a library type cannot throw (None: the table does not know)."""
    if base in _NOTHROW_MOVE or base in STRING_VIEWS:
        return True
    if base.startswith("std::") and base[5:] in _CHEAP:
        return True
    if base == "std::deque":
        return False
    return None


def has_move(base: str) -> bool:
    """Whether moving is cheaper than copying (a move steals the buffer or the count)."""
    return (
        base.startswith("std::") and (base[5:] in _ALLOCATING or base[5:] in _REFCOUNTED)
    ) or base in _OTHER_EXPENSIVE


def element_type(base: str, args: list[str]) -> str | None:
    """What iterating over a container yields: `vector<T>` -> T, `map<K,V>` -> pair<const K,V>."""
    if not args:
        if base in STRINGS or base in STRING_VIEWS:
            return "char" if base in ("std::string", "std::string_view") else None
        return None
    if base in MAPS:
        if len(args) < 2:
            return None
        key = args[0] if args[0].startswith("const ") else f"const {args[0]}"
        return f"std::pair<{key},{args[1]}>"
    if (
        base in SEQUENCES
        or base in SETS
        or base
        in (
            "std::array",
            "std::span",
            "std::valarray",
            "std::initializer_list",
            "absl::InlinedVector",
            "absl::FixedArray",
            "absl::Span",
        )
    ):
        return args[0]
    return None


def mapped_type(base: str, args: list[str]) -> str | None:
    if base in MAPS and len(args) >= 2:
        return args[1]
    return None


# Members that leave a string or container unchanged (called on any object).
CONST_METHODS = frozenset(
    """size length empty c_str cbegin cend crbegin crend rfind find_first_of find_last_of
    find_first_not_of find_last_not_of substr compare starts_with ends_with contains count
    capacity max_size get_allocator key_comp value_comp hash_function bucket_count load_factor
    str use_count has_value value_or index what get_id max_load_factor bucket""".split()
)
# Members that hand out access to the elements: a read when their result is only read.
ELEMENT_METHODS = frozenset(
    """data begin end rbegin rend at front back find lower_bound upper_bound equal_range
    value get""".split()
)
# Members of a container that take their argument by value or const reference.
READING_METHODS = frozenset(
    """push_back push_front insert emplace emplace_back emplace_front emplace_hint append
    assign find count contains at erase lower_bound upper_bound equal_range starts_with
    ends_with compare replace operator= write add_value""".split()
)
# Standard algorithms that write through the iterators they are given.
MUTATING_ALGORITHMS = frozenset(
    """sort stable_sort partial_sort partial_sort_copy nth_element reverse rotate shuffle fill
    fill_n generate generate_n iota transform copy copy_n copy_if copy_backward move
    move_backward remove remove_if unique replace replace_if partition stable_partition make_heap
    push_heap pop_heap sort_heap next_permutation prev_permutation inplace_merge swap_ranges
    iter_swap for_each for_each_n uninitialized_copy uninitialized_move destroy""".split()
)
# Calls that take their argument by non-const reference or consume it.
MOVERS = frozenset(
    """std::move std::swap std::forward std::exchange std::getline std::ranges::sort std::sort
    std::ranges::swap std::iter_swap std::tie std::ref std::launder std::destroy_at
    std::construct_at std::from_chars""".split()
)

# Calls that cannot throw (when their arguments are plain values).
NOTHROW_CALLS = frozenset(
    """std::move std::forward std::addressof std::launder std::memcpy std::memmove std::memset
    memcpy memmove memset std::move_if_noexcept std::as_const std::to_underlying std::abs
    abs assert static_assert std::min std::max std::unreachable __builtin_unreachable
    __builtin_expect std::is_constant_evaluated""".split()
)
# Members of standard types that are noexcept.
NOTHROW_METHODS = frozenset(
    """swap clear size length empty data begin end cbegin cend get release reset capacity c_str
    has_value use_count joinable get_id native_handle""".split()
)

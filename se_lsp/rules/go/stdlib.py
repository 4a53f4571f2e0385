"""What the rules know about Go's standard library: results, method sets, sizes.

Types are written in Go syntax with the usual package names (`*bytes.Buffer`,
`time.Duration`); model.py parses them with the Go grammar. Only what the rules ask
about is here; anything missing is "unknown", and a rule that needs it stays silent.
Sizes are gc's on 64-bit targets (checked with `unsafe.Sizeof` against Go 1.19-1.24).
"""

from __future__ import annotations

from dataclasses import dataclass

# Package name as written -> import path, for the types written in these tables.
PACKAGES = {
    "atomic": "sync/atomic",
    "base64": "encoding/base64",
    "big": "math/big",
    "binary": "encoding/binary",
    "bufio": "bufio",
    "bytes": "bytes",
    "context": "context",
    "errors": "errors",
    "filepath": "path/filepath",
    "fmt": "fmt",
    "fs": "io/fs",
    "hex": "encoding/hex",
    "http": "net/http",
    "io": "io",
    "iter": "iter",
    "json": "encoding/json",
    "maps": "maps",
    "math": "math",
    "net": "net",
    "os": "os",
    "path": "path",
    "rand": "math/rand",
    "reflect": "reflect",
    "regexp": "regexp",
    "slices": "slices",
    "sort": "sort",
    "strconv": "strconv",
    "strings": "strings",
    "sync": "sync",
    "tabwriter": "text/tabwriter",
    "time": "time",
    "unicode": "unicode",
    "unsafe": "unsafe",
    "url": "net/url",
    "utf8": "unicode/utf8",
}

# Package-level functions: "import/path.Name" -> result types.
FUNCS: dict[str, tuple[str, ...]] = {}


def _funcs(pkg: str, results: tuple[str, ...], *names: str) -> None:
    for n in names:
        FUNCS[f"{pkg}.{n}"] = results


_S, _B, _I, _BOOL, _ERR = ("string",), ("[]byte",), ("int",), ("bool",), ("error",)
_funcs(
    "strings", ("[]string",), "Split", "SplitN", "SplitAfter", "SplitAfterN", "Fields", "FieldsFunc"
)
_funcs(
    "strings",
    _S,
    "Join",
    "Repeat",
    "ToLower",
    "ToUpper",
    "ToTitle",
    "Title",
    "TrimSpace",
    "Trim",
    "TrimLeft",
    "TrimRight",
    "TrimPrefix",
    "TrimSuffix",
    "TrimFunc",
    "Replace",
    "ReplaceAll",
    "Map",
    "Clone",
    "ToValidUTF8",
)
_funcs(
    "strings", _I, "Index", "IndexByte", "IndexRune", "IndexAny", "LastIndex", "Count", "Compare"
)
_funcs(
    "strings",
    _BOOL,
    "Contains",
    "ContainsAny",
    "ContainsRune",
    "HasPrefix",
    "HasSuffix",
    "EqualFold",
)
_funcs("strings", ("*strings.Reader",), "NewReader")
_funcs("strings", ("*strings.Replacer",), "NewReplacer")
_funcs("strings", ("string", "string", "bool"), "Cut")
_funcs("strings", ("string", "bool"), "CutPrefix", "CutSuffix")
_funcs("bytes", ("[][]byte",), "Split", "SplitN", "Fields", "FieldsFunc")
_funcs(
    "bytes",
    _B,
    "Join",
    "Repeat",
    "ToLower",
    "ToUpper",
    "TrimSpace",
    "Trim",
    "TrimLeft",
    "TrimRight",
    "TrimPrefix",
    "TrimSuffix",
    "Replace",
    "ReplaceAll",
    "Clone",
    "Title",
    "Map",
    "Runes",
)
_funcs("bytes", _I, "Index", "IndexByte", "IndexRune", "LastIndex", "Count", "Compare")
_funcs("bytes", _BOOL, "Equal", "EqualFold", "Contains", "HasPrefix", "HasSuffix")
_funcs("bytes", ("*bytes.Buffer",), "NewBuffer", "NewBufferString")
_funcs("bytes", ("*bytes.Reader",), "NewReader")
_funcs(
    "strconv",
    _S,
    "Itoa",
    "FormatInt",
    "FormatUint",
    "FormatBool",
    "FormatFloat",
    "Quote",
    "QuoteRune",
)
_funcs("strconv", ("int", "error"), "Atoi")
_funcs("strconv", ("int64", "error"), "ParseInt")
_funcs("strconv", ("uint64", "error"), "ParseUint")
_funcs("strconv", ("float64", "error"), "ParseFloat")
_funcs("strconv", ("bool", "error"), "ParseBool")
_funcs("strconv", ("string", "error"), "Unquote")
_funcs("strconv", _B, "AppendInt", "AppendUint", "AppendQuote", "AppendFloat", "AppendBool")
_funcs("fmt", _S, "Sprintf", "Sprint", "Sprintln")
_funcs("fmt", _ERR, "Errorf")
_funcs("fmt", ("int", "error"), "Printf", "Println", "Print", "Fprintf", "Fprintln", "Fprint")
_funcs("fmt", _B, "Appendf", "Append", "Appendln")
_funcs("errors", _ERR, "New", "Join", "Unwrap")
_funcs("errors", _BOOL, "Is", "As")
_funcs("os", ("[]byte", "error"), "ReadFile")
_funcs("os", ("*os.File", "error"), "Open", "Create", "OpenFile", "CreateTemp")
_funcs("os", _S, "Getenv", "TempDir", "Expand", "ExpandEnv")
_funcs("os", ("string", "error"), "Getwd", "Hostname", "Executable", "UserHomeDir", "MkdirTemp")
_funcs("os", ("[]os.DirEntry", "error"), "ReadDir")
_funcs("os", ("[]string",), "Environ")
_funcs("os", _ERR, "WriteFile", "Remove", "RemoveAll", "Mkdir", "MkdirAll", "Rename", "Chdir")
_funcs("io", ("[]byte", "error"), "ReadAll")
_funcs("io", ("int", "error"), "WriteString", "ReadFull", "ReadAtLeast")
_funcs("io", ("int64", "error"), "Copy", "CopyN", "CopyBuffer")
_funcs("bufio", ("*bufio.Writer",), "NewWriter", "NewWriterSize")
_funcs("bufio", ("*bufio.Reader",), "NewReader", "NewReaderSize")
_funcs("bufio", ("*bufio.Scanner",), "NewScanner")
_funcs("time", ("time.Time",), "Now", "Unix", "UnixMilli", "UnixMicro", "Date")
_funcs("time", ("time.Duration",), "Since", "Until")
_funcs("time", ("<-chan time.Time",), "After", "Tick")
_funcs("time", ("*time.Timer",), "NewTimer", "AfterFunc")
_funcs("time", ("*time.Ticker",), "NewTicker")
_funcs("time", ("time.Time", "error"), "Parse", "ParseInLocation")
_funcs("time", ("time.Duration", "error"), "ParseDuration")
_funcs("regexp", ("*regexp.Regexp",), "MustCompile", "MustCompilePOSIX")
_funcs("regexp", ("*regexp.Regexp", "error"), "Compile", "CompilePOSIX")
_funcs("regexp", ("bool", "error"), "Match", "MatchString", "MatchReader")
_funcs("regexp", _S, "QuoteMeta")
_funcs("sort", _I, "SearchInts", "SearchStrings", "Search")
_funcs("path/filepath", _S, "Join", "Base", "Dir", "Ext", "Clean", "ToSlash", "FromSlash")
_funcs("path/filepath", ("string", "error"), "Abs", "Rel", "EvalSymlinks")
_funcs("path/filepath", ("[]string", "error"), "Glob")
_funcs("path", _S, "Join", "Base", "Dir", "Ext", "Clean")
_funcs("encoding/json", ("[]byte", "error"), "Marshal", "MarshalIndent")
_funcs("encoding/json", _ERR, "Unmarshal")
_funcs("encoding/json", ("*json.Encoder",), "NewEncoder")
_funcs("encoding/json", ("*json.Decoder",), "NewDecoder")
_funcs("encoding/hex", _S, "EncodeToString")
_funcs("encoding/hex", ("[]byte", "error"), "DecodeString")
_funcs("unicode/utf8", _I, "RuneCountInString", "RuneCount", "RuneLen", "EncodeRune")
_funcs(
    "unicode/utf8", ("rune", "int"), "DecodeRuneInString", "DecodeRune", "DecodeLastRuneInString"
)
_funcs("unicode/utf8", _BOOL, "ValidString", "Valid", "ValidRune")
_funcs("unicode", _BOOL, "IsUpper", "IsLower", "IsLetter", "IsDigit", "IsSpace", "IsPunct")
_funcs("unicode", ("rune",), "ToUpper", "ToLower", "ToTitle")
_funcs(
    "math",
    ("float64",),
    "Sqrt",
    "Abs",
    "Floor",
    "Ceil",
    "Max",
    "Min",
    "Pow",
    "Log",
    "Exp",
    "Round",
    "Trunc",
    "Mod",
    "Inf",
    "NaN",
)
_funcs("context", ("context.Context",), "Background", "TODO")
_funcs(
    "context",
    ("context.Context", "context.CancelFunc"),
    "WithCancel",
    "WithTimeout",
    "WithDeadline",
)
_funcs("net/http", ("*http.Request", "error"), "NewRequest", "NewRequestWithContext")
_funcs("net/http", ("*http.Response", "error"), "Get", "Post", "Head")
_funcs("net/url", ("*url.URL", "error"), "Parse", "ParseRequestURI")
_funcs("net/url", _S, "QueryEscape", "PathEscape")
# Iterators (Go 1.23): ranging over them is not ranging over a collection of known length.
_funcs("maps", ("iter.Seq[any]",), "Keys", "Values")
_funcs("maps", ("iter.Seq2[any, any]",), "All")
_funcs("slices", ("iter.Seq2[int, any]",), "All", "Backward")
_funcs("slices", ("iter.Seq[any]",), "Values")
_funcs("strings", ("iter.Seq[string]",), "Lines", "SplitSeq", "FieldsSeq", "FieldsFuncSeq")
_funcs("bytes", ("iter.Seq[[]byte]",), "Lines", "SplitSeq", "FieldsSeq", "FieldsFuncSeq")
_funcs("math/big", ("*big.Int",), "NewInt")

# Package-level variables and typed constants.
VARS: dict[str, str] = {
    "os.Stdout": "*os.File",
    "os.Stderr": "*os.File",
    "os.Stdin": "*os.File",
    "os.Args": "[]string",
    "io.EOF": "error",
    "io.ErrUnexpectedEOF": "error",
    "io.Discard": "io.Writer",
    "net/http.ErrServerClosed": "error",
    "context.Canceled": "error",
    "context.DeadlineExceeded": "error",
    **{
        f"time.{u}": "time.Duration"
        for u in ("Nanosecond", "Microsecond", "Millisecond", "Second", "Minute", "Hour")
    },
}


@dataclass(frozen=True, slots=True)
class StdType:
    """A standard-library named type: its underlying type, or its layout when opaque."""

    underlying: str | None = None  # Go syntax; None for a struct whose fields do not matter
    size: int | None = None
    align: int = 8
    # Methods and their results; `pointer` says they need a pointer (or addressable) receiver.
    methods: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pointer: bool = True
    interface: bool = False


def _m(**methods: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(methods.items())


_WRITE = ("int", "error")
_BUFFER_METHODS = _m(
    Write=_WRITE,
    WriteString=_WRITE,
    WriteRune=_WRITE,
    WriteByte=_ERR,
    String=_S,
    Len=_I,
    Cap=_I,
    Grow=(),
    Reset=(),
)

TYPES: dict[str, StdType] = {
    "error": StdType(interface=True, methods=_m(Error=_S), size=16),
    "bytes.Buffer": StdType(
        size=40,
        methods=_BUFFER_METHODS
        + _m(
            Bytes=_B,
            Truncate=(),
            ReadString=("string", "error"),
            ReadBytes=("[]byte", "error"),
            Read=_WRITE,
            ReadByte=("byte", "error"),
            ReadFrom=("int64", "error"),
            WriteTo=("int64", "error"),
            Next=_B,
            Available=_I,
        ),
    ),
    "strings.Builder": StdType(size=32, methods=_BUFFER_METHODS),
    "strings.Reader": StdType(
        size=32, methods=_m(Len=_I, Read=_WRITE, ReadString=("string", "error"))
    ),
    "strings.Replacer": StdType(methods=_m(Replace=_S, WriteString=_WRITE)),
    "bufio.Writer": StdType(
        size=64,
        methods=_m(
            Write=_WRITE,
            WriteString=_WRITE,
            WriteRune=_WRITE,
            WriteByte=_ERR,
            Flush=_ERR,
            Buffered=_I,
            Available=_I,
            Size=_I,
            Reset=(),
        ),
    ),
    "bufio.Reader": StdType(
        methods=_m(
            ReadString=("string", "error"),
            ReadBytes=("[]byte", "error"),
            ReadLine=("[]byte", "bool", "error"),
            ReadRune=("rune", "int", "error"),
            ReadByte=("byte", "error"),
            Read=_WRITE,
        )
    ),
    "bufio.Scanner": StdType(
        methods=_m(Scan=_BOOL, Text=_S, Bytes=_B, Err=_ERR, Buffer=(), Split=())
    ),
    "os.File": StdType(
        methods=_m(
            Write=_WRITE,
            WriteString=_WRITE,
            Read=_WRITE,
            Close=_ERR,
            Name=_S,
            Sync=_ERR,
            ReadAt=_WRITE,
            WriteAt=_WRITE,
            Fd=("uintptr",),
        )
    ),
    "regexp.Regexp": StdType(
        methods=_m(
            Match=_BOOL,
            MatchString=_BOOL,
            MatchReader=_BOOL,
            FindString=_S,
            FindStringIndex=("[]int",),
            FindIndex=("[]int",),
            Find=_B,
            FindAll=("[][]byte",),
            FindAllString=("[]string",),
            FindAllStringIndex=("[][]int",),
            FindAllIndex=("[][]int",),
            FindStringSubmatch=("[]string",),
            FindAllStringSubmatch=("[][]string",),
            FindSubmatch=("[][]byte",),
            ReplaceAllString=_S,
            ReplaceAllLiteralString=_S,
            ReplaceAll=_B,
            Split=("[]string",),
            String=_S,
            NumSubexp=_I,
            SubexpNames=("[]string",),
        )
    ),
    "time.Time": StdType(
        size=24,
        pointer=False,
        methods=_m(
            Unix=("int64",),
            UnixNano=("int64",),
            UnixMilli=("int64",),
            UnixMicro=("int64",),
            Format=_S,
            String=_S,
            Sub=("time.Duration",),
            Add=("time.Time",),
            AddDate=("time.Time",),
            UTC=("time.Time",),
            Local=("time.Time",),
            Truncate=("time.Time",),
            Round=("time.Time",),
            In=("time.Time",),
            Year=_I,
            Day=_I,
            Hour=_I,
            Minute=_I,
            Second=_I,
            Nanosecond=_I,
            YearDay=_I,
            Month=("time.Month",),
            Weekday=("time.Weekday",),
            Before=_BOOL,
            After=_BOOL,
            Equal=_BOOL,
            IsZero=_BOOL,
        ),
    ),
    "time.Duration": StdType(
        underlying="int64",
        pointer=False,
        methods=_m(
            Seconds=("float64",),
            Minutes=("float64",),
            Hours=("float64",),
            Milliseconds=("int64",),
            Microseconds=("int64",),
            Nanoseconds=("int64",),
            String=_S,
            Round=("time.Duration",),
            Truncate=("time.Duration",),
            Abs=("time.Duration",),
        ),
    ),
    "time.Month": StdType(underlying="int", pointer=False, methods=_m(String=_S)),
    "time.Weekday": StdType(underlying="int", pointer=False, methods=_m(String=_S)),
    "time.Timer": StdType(methods=_m(Stop=_BOOL, Reset=_BOOL)),
    "time.Ticker": StdType(methods=_m(Stop=(), Reset=())),
    "time.Location": StdType(methods=_m(String=_S)),
    "sync.Mutex": StdType(size=8, align=4, methods=_m(Lock=(), Unlock=(), TryLock=_BOOL)),
    "sync.RWMutex": StdType(
        size=24, align=4, methods=_m(Lock=(), Unlock=(), RLock=(), RUnlock=(), TryLock=_BOOL)
    ),
    "sync.WaitGroup": StdType(size=16, methods=_m(Add=(), Done=(), Wait=())),
    "sync.Once": StdType(size=12, align=4, methods=_m(Do=())),
    "sync.Pool": StdType(size=40, methods=_m(Get=("any",), Put=())),
    "sync.Map": StdType(methods=_m(Load=("any", "bool"), Store=(), Delete=())),
    "sync/atomic.Int32": StdType(size=4, align=4, methods=_m(Load=("int32",), Add=("int32",))),
    "sync/atomic.Uint32": StdType(size=4, align=4, methods=_m(Load=("uint32",), Add=("uint32",))),
    "sync/atomic.Int64": StdType(size=8, methods=_m(Load=("int64",), Add=("int64",))),
    "sync/atomic.Uint64": StdType(size=8, methods=_m(Load=("uint64",), Add=("uint64",))),
    "sync/atomic.Bool": StdType(size=4, align=4, methods=_m(Load=_BOOL)),
    "sync/atomic.Value": StdType(size=16, methods=_m(Load=("any",), Store=())),
    "math/big.Int": StdType(size=32, methods=_m(String=_S, Int64=("int64",))),
    "io.Writer": StdType(interface=True, size=16, methods=_m(Write=_WRITE)),
    "io.StringWriter": StdType(interface=True, size=16, methods=_m(WriteString=_WRITE)),
    "io.ByteWriter": StdType(interface=True, size=16, methods=_m(WriteByte=_ERR)),
    "io.Reader": StdType(interface=True, size=16, methods=_m(Read=_WRITE)),
    "io.Closer": StdType(interface=True, size=16, methods=_m(Close=_ERR)),
    "io.ReadWriter": StdType(interface=True, size=16, methods=_m(Read=_WRITE, Write=_WRITE)),
    "io.WriteCloser": StdType(interface=True, size=16, methods=_m(Write=_WRITE, Close=_ERR)),
    "io.ReadCloser": StdType(interface=True, size=16, methods=_m(Read=_WRITE, Close=_ERR)),
    "io.ReadWriteCloser": StdType(
        interface=True, size=16, methods=_m(Read=_WRITE, Write=_WRITE, Close=_ERR)
    ),
    "net/http.ResponseWriter": StdType(
        interface=True,
        size=16,
        methods=_m(Write=_WRITE, WriteHeader=(), Header=("http.Header",)),
    ),
    "net/http.Header": StdType(
        underlying="map[string][]string", pointer=False, methods=_m(Get=_S, Values=("[]string",))
    ),
    "net/url.Values": StdType(
        underlying="map[string][]string", pointer=False, methods=_m(Get=_S, Encode=_S)
    ),
    "net/http.Request": StdType(methods=_m(Context=("context.Context",), FormValue=_S)),
    "net/url.URL": StdType(methods=_m(String=_S, Query=("url.Values",))),
    "fmt.Stringer": StdType(interface=True, size=16, methods=_m(String=_S)),
    "fmt.State": StdType(interface=True, size=16, methods=_m(Write=_WRITE, Width=("int", "bool"))),
    "context.Context": StdType(
        interface=True, size=16, methods=_m(Done=("<-chan struct{}",), Err=_ERR, Value=("any",))
    ),
    "context.CancelFunc": StdType(underlying="func()", pointer=False),
    "encoding/json.Encoder": StdType(methods=_m(Encode=_ERR)),
    "encoding/json.Decoder": StdType(methods=_m(Decode=_ERR)),
    "encoding/json.RawMessage": StdType(underlying="[]byte", pointer=False),
    "net.IP": StdType(underlying="[]byte", pointer=False, methods=_m(String=_S)),
    "os.FileMode": StdType(underlying="uint32", pointer=False, methods=_m(String=_S)),
    "io/fs.FileMode": StdType(underlying="uint32", pointer=False, methods=_m(String=_S)),
    "os.DirEntry": StdType(interface=True, size=16, methods=_m(Name=_S, IsDir=_BOOL)),
    "sort.StringSlice": StdType(underlying="[]string", pointer=False),
    "sort.IntSlice": StdType(underlying="[]int", pointer=False),
    "iter.Seq": StdType(underlying="func(yield func(any) bool)", pointer=False),
    "iter.Seq2": StdType(underlying="func(yield func(any, any) bool)", pointer=False),
    "reflect.Value": StdType(size=24, pointer=False, methods=_m(String=_S, Interface=("any",))),
    "text/tabwriter.Writer": StdType(methods=_m(Write=_WRITE, Flush=_ERR)),
    "strings.Lines": StdType(),
}

# Interfaces the rules ask about, by the methods that make them.
WRITER = ("Write",)
STRING_WRITER = ("WriteString",)
BYTE_WRITER = ("WriteByte",)
STRINGER = ("String",)

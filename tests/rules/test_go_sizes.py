"""Type sizes the Go model computes are the ones the Go compiler uses (`unsafe.Sizeof`).

The model decides go/range-val-copy, go/range-expr-copy and go/huge-param from sizes it
works out from field types, with Go's alignment and padding. Here a Go program prints the
real sizes of the same types. Skipped without a Go toolchain.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from se_lsp.core.positions import LineIndex
from se_lsp.rules.engine import Context, parse
from se_lsp.rules.go.model import GoModel
from se_lsp.rules.go.types import named

GO = shutil.which("go")

TYPES = """
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

type bigObject struct {
	body [1024]byte
	x    int32
	y    int32
}

type padded struct {
	flag  bool
	count int64
	small [28]int32
	tiny  bool
}

type mixed struct {
	a byte
	b int16
	c byte
	d complex64
	e [3]bool
}

type endsEmpty struct {
	n int64
	z struct{}
}

type guarded struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	wg    sync.WaitGroup
	once  sync.Once
	when  time.Time
	d     time.Duration
	buf   bytes.Buffer
	sb    strings.Builder
	w     bufio.Writer
	r     strings.Reader
	n     big.Int
	pool  sync.Pool
	a32   atomic.Int32
	a64   atomic.Int64
	flag  atomic.Bool
	value atomic.Value
}

type nested struct {
	inner [3]mixed
	p     *guarded
	s     []string
	m     map[string]int
	f     func()
	i     interface{ M() }
	e     error
	c     chan int
}

type embeds struct {
	mixed
	*padded
	tail uint8
}

func main() {
	fmt.Println(unsafe.Sizeof(bigObject{}), unsafe.Sizeof(padded{}), unsafe.Sizeof(mixed{}),
		unsafe.Sizeof(endsEmpty{}), unsafe.Sizeof(guarded{}), unsafe.Sizeof(nested{}),
		unsafe.Sizeof(embeds{}))
}
"""

NAMES = ["bigObject", "padded", "mixed", "endsEmpty", "guarded", "nested", "embeds"]


def model_sizes() -> list[int | None]:
    source = TYPES.encode()
    ctx = Context("go", source, parse("go", source), LineIndex(TYPES))
    m = GoModel(ctx)
    return [m.size_of(named("", n)) for n in NAMES]


def test_model_sizes_match_hand_computed_layouts() -> None:
    # Worked out by hand from the field types (64-bit targets); the toolchain test below
    # checks the same numbers against the compiler when one is installed.
    assert model_sizes() == [1032, 136, 20, 16, 376, 152, 40]


@pytest.mark.skipif(GO is None, reason="no Go toolchain installed")
def test_model_sizes_match_the_compiler(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module sizes\n\ngo 1.19\n", encoding="utf-8")
    (tmp_path / "main.go").write_text(TYPES, encoding="utf-8")
    assert GO is not None
    done = subprocess.run(
        [GO, "run", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={
            "GOCACHE": str(tmp_path / ".cache"),
            "HOME": str(tmp_path),
            "GOPATH": str(tmp_path / ".gopath"),
            "PATH": str(Path(GO).parent),
        },
    )
    real = [int(x) for x in done.stdout.split()]
    assert model_sizes() == real

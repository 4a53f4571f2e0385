"""Position conversion against a reference built from Python's own codecs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from se_lsp.core.positions import ENCODINGS, LineIndex, Pos, col_to_units, units_to_col

ALPHABET = st.sampled_from([*list("ab \t;{}é"), "́", "😀", "𝄞", "中", "\r\n", "\n", "\r"])
TEXT = st.lists(ALPHABET, max_size=40).map("".join)


def reference_units(s: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    return len(s)


@given(TEXT, st.sampled_from(ENCODINGS), st.data())
def test_round_trip(text, encoding, data):
    index = LineIndex(text)
    line = data.draw(st.integers(0, index.line_count - 1))
    col = data.draw(st.integers(0, len(index.lines[line])))
    lsp_line, character = index.to_client(Pos(line, col), encoding)
    assert character == reference_units(index.lines[line][:col], encoding)
    assert index.from_client(lsp_line, character, encoding) == Pos(line, col)


@given(TEXT, st.sampled_from(ENCODINGS), st.integers(-3, 60), st.integers(-3, 200))
def test_any_client_position_lands_inside_the_text(text, encoding, line, character):
    index = LineIndex(text)
    pos = index.from_client(line, character, encoding)
    assert 0 <= pos.line < index.line_count
    assert 0 <= pos.col <= len(index.lines[pos.line])
    assert 0 <= index.offset(pos) <= len(text)


@given(TEXT)
def test_byte_offsets_map_to_code_points(text):
    index = LineIndex(text)
    data = text.encode("utf-8")
    for cp_offset in range(len(text) + 1):
        byte_offset = len(text[:cp_offset].encode("utf-8"))
        assert index.offset(index.pos_at_byte(byte_offset)) == index.offset(index.pos_at(cp_offset))
    assert index.pos_at_byte(len(data)) == index.pos_at(len(text))


def test_lines_split_only_on_lsp_newlines():
    index = LineIndex("a\fb\u2028c\r\nd\re\nf")
    assert index.lines == ["a\fb\u2028c", "d", "e", "f"]


def test_middle_of_a_surrogate_pair_rounds_down():
    assert units_to_col("😀x", 1, "utf-16") == 0
    assert units_to_col("😀x", 2, "utf-16") == 1
    assert units_to_col("é", 1, "utf-8") == 0
    assert col_to_units("😀x", 2, "utf-8") == 5


def test_past_end_of_last_line_clamps_to_its_length():
    index = LineIndex("let x = 1;")
    assert index.from_client(0, 99, "utf-16") == Pos(0, 10)
    assert index.from_client(5, 0, "utf-16") == Pos(0, 10)
    # pygls 2.1.1 maps this to an offset past the end of the document.
    astral = LineIndex("fn main() {} // 😋\n")
    assert astral.offset(astral.from_client(1, 0, "utf-16")) == len(astral.text)


@given(TEXT, TEXT, st.data())
def test_edited_index_equals_a_fresh_one(text, new_text, data):
    index = LineIndex(text)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    start, end = index.pos_at(a), index.pos_at(b)
    edited = index.edited(start, end, new_text)
    fresh = LineIndex(edited.text)
    assert edited.text == text[: index.offset(start)] + new_text + text[index.offset(end) :]
    assert edited.lines == fresh.lines
    assert edited.line_starts == fresh.line_starts


@given(TEXT, TEXT, st.data())
def test_byte_offsets_after_an_edit_equal_a_fresh_index(text, new_text, data):
    """The byte offsets are spliced too once known (files with non-ASCII text): every
    byte offset maps to the same row and position as in an index built from scratch."""
    index = LineIndex(text)
    index.pos_at_byte(0)  # the byte starts are now known, so the edit splices them
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    edited = index.edited(index.pos_at(a), index.pos_at(b), new_text)
    fresh = LineIndex(edited.text)
    size = len(edited.text.encode("utf-8", "surrogatepass"))
    for offset in range(size + 1):
        assert edited.row_at_byte(offset) == fresh.row_at_byte(offset)
        assert edited.pos_at_byte(offset) == fresh.pos_at_byte(offset)


@given(TEXT)
def test_line_starts_are_the_offsets_after_each_line_ending(text):
    """Both ways of building the index (with and without CR in the text) agree with a
    plain reading of the text."""
    index = LineIndex(text)
    expected = [0]
    i = 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1 : i + 2] == "\n":
            i += 2
            expected.append(i)
            continue
        if text[i] in "\r\n":
            expected.append(i + 1)
        i += 1
    assert index.line_starts == expected
    assert len(index.lines) == len(expected)
    assert "".join(index.lines) == text.replace("\r\n", "").replace("\r", "").replace("\n", "")

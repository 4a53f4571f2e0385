// Package frames encodes and decodes a simple length-prefixed wire format.
package frames

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

const headerSize = 8

var errShort = errors.New("frame too short")

// Frame is one message on the wire.
type Frame struct {
	Kind    uint32
	Payload []byte
}

// Encode writes the frames into one buffer, each padded to a multiple of align.
func Encode(frames []Frame, align int) []byte {
	var out []byte
	for _, f := range frames {
		var hdr [headerSize]byte
		binary.BigEndian.PutUint32(hdr[0:4], f.Kind)
		binary.BigEndian.PutUint32(hdr[4:8], uint32(len(f.Payload)))
		out = append(out, hdr[:]...)
		out = append(out, f.Payload...)
		if pad := len(f.Payload) % align; pad != 0 {
			out = append(out, bytes.Repeat([]byte{0}, align-pad)...) // expect: go/zero-byte-repeat
		}
	}
	return out
}

// Decode splits a buffer back into frames.
func Decode(buf []byte) ([]Frame, error) {
	var frames []Frame
	for len(buf) > 0 {
		if len(buf) < headerSize {
			return nil, errShort
		}
		kind := binary.BigEndian.Uint32(buf[0:4])
		n := int(binary.BigEndian.Uint32(buf[4:8]))
		if len(buf) < headerSize+n {
			return nil, fmt.Errorf("frame of %d bytes truncated", n)
		}
		payload := make([]byte, n)
		src := buf[headerSize : headerSize+n]
		for i, b := range src { // expect: go/copy-loop
			payload[i] = b
		}
		frames = append(frames, Frame{Kind: kind, Payload: payload})
		buf = buf[headerSize+n:]
	}
	return frames, nil
}

// Reset zeroes a scratch buffer before reuse.
func Reset(scratch []byte) {
	for i := 0; i < len(scratch); i++ { // expect: go/slice-clear
		scratch[i] = 0
	}
}

// Fill sets every byte to a marker; not a clear, so the loop is fine.
func Fill(scratch []byte, marker byte) {
	for i := 0; i < len(scratch); i++ {
		scratch[i] = marker
	}
}

// Concat joins payloads of the given frames.
func Concat(dst []byte, parts [][]byte) []byte {
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

// Kinds collects the kinds of frames with a payload.
func Kinds(dst []uint32, kinds []uint32) []uint32 {
	for _, k := range kinds { // expect: go/append-loop
		dst = append(dst, k)
	}
	return dst
}

// IsText reports whether the payload mentions a text marker.
func IsText(f Frame) bool {
	return strings.Contains(string(f.Payload), "text/") // expect: go/index-alloc
}

// IsJSON already searches the bytes directly.
func IsJSON(f Frame) bool {
	return bytes.HasPrefix(f.Payload, []byte("{"))
}

// Describe gives a short label for logs.
func Describe(f Frame) string {
	if len(f.Payload) == 0 {
		return fmt.Sprintf("empty frame") // expect: go/sprint-literal
	}
	return fmt.Sprintf("frame kind=%d len=%d", f.Kind, len(f.Payload))
}

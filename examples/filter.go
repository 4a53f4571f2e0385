// Package filter keeps the log lines a user asked for and summarises them.
package filter

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

var idPattern = regexp.MustCompile(`^\d+$`)

// IDs returns the lines that are all digits.
func IDs(lines []string) []string {
	var out []string
	for _, s := range lines {
		if ok, _ := regexp.MatchString(`^\d+$`, s); ok {
			out = append(out, s)
		}
	}
	return out
}

// CountIDs uses the pattern compiled once at package level.
func CountIDs(lines []string) int {
	n := 0
	for _, s := range lines {
		if idPattern.MatchString(s) {
			n++
		}
	}
	return n
}

// ByLevel keeps the lines whose level matches, ignoring case ("WARN", "warn", "Warn").
func ByLevel(lines []string, level string) []string {
	var kept []string
	for _, s := range lines {
		fields := strings.Fields(s)
		if len(fields) > 1 && strings.ToLower(fields[1]) == strings.ToLower(level) {
			kept = append(kept, s)
		}
	}
	return kept
}

// Trimmed returns every line without surrounding blanks.
func Trimmed(lines []string) []string {
	var trimmed []string
	for _, s := range lines {
		trimmed = append(trimmed, strings.TrimSpace(s))
	}
	return trimmed
}

// Summary writes one line per kept entry.
func Summary(w io.Writer, kept []string) {
	for i, s := range kept {
		w.Write([]byte(fmt.Sprintf("%3d %s\n", i+1, s)))
	}
	fmt.Fprintf(w, "%d lines\n", len(kept))
}

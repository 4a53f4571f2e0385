// Package logscan summarises access logs: per-user counts, slow requests and a report.
package logscan

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var linePattern = regexp.MustCompile(`^(\S+) (\S+) (\d+)ms (.*)$`)

// Entry is one parsed access-log line.
type Entry struct {
	User     string
	Method   string
	Millis   int
	Path     string
	Severity string
}

// ParseFiles reads every file and returns the entries it could parse.
func ParseFiles(paths []string) ([]Entry, error) {
	var entries []Entry
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close() // expect: go/defer-in-loop
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if e, ok := parse(sc.Text()); ok {
				entries = append(entries, e)
			}
		}
	}
	return entries, nil
}

func parse(line string) (Entry, bool) {
	m := linePattern.FindStringSubmatch(line)
	if m == nil {
		return Entry{}, false
	}
	var ms int
	fmt.Sscanf(m[3], "%d", &ms)
	return Entry{User: m[1], Method: m[2], Millis: ms, Path: m[4]}, true
}

// IsAdmin reports whether the entry was made by the admin account.
func IsAdmin(e Entry) bool {
	return strings.ToLower(e.User) == strings.ToLower("Admin") // expect: go/equal-fold
}

// IsGet uses the allocation-free comparison already.
func IsGet(e Entry) bool {
	return strings.EqualFold(e.Method, "get")
}

// Initials returns the upper-case letters of a user name (e.g. "Zoë Ångström" -> "ZÅ").
func Initials(name string) string {
	var b strings.Builder
	for _, r := range []rune(name) { // expect: go/range-rune-conversion
		if unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FirstLetter returns the first rune of the user name.
func FirstLetter(name string) rune {
	if name == "" {
		return 0
	}
	return []rune(name)[0] // expect: go/decode-rune
}

// LastLetter decodes only what it needs.
func LastLetter(name string) rune {
	r, _ := utf8.DecodeLastRuneInString(name)
	return r
}

// Paths lists the path of every entry.
func Paths(entries []Entry) []string {
	paths := []string{} // expect: go/prealloc
	for _, e := range entries {
		paths = append(paths, e.Path)
	}
	return paths
}

// Slow lists the slow entries; the length is not known in advance.
func Slow(entries []Entry, limit int) []Entry {
	var slow []Entry
	for _, e := range entries {
		if e.Millis > limit {
			slow = append(slow, e)
		}
	}
	return slow
}

// Report renders a plain-text report, one line per user.
func Report(entries []Entry) string {
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.User]++
	}
	users := make([]string, 0, len(counts))
	for u := range counts {
		users = append(users, u)
	}
	sort.Strings(users)
	out := "user\tcount\n"
	for _, u := range users {
		out += fmt.Sprintf("%s\t%d\n", u, counts[u]) // expect: go/string-concat-loop
	}
	return out
}

// Tally sums the durations; += on an int is fine.
func Tally(entries []Entry) (total int) {
	for _, e := range entries {
		total += e.Millis
	}
	return total
}

// Package filter keeps the lines that look like IDs.
package filter

import "regexp"

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

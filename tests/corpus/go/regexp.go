package corpus

import "regexp"

var ids = regexp.MustCompile(`^\d+$`)

func count(lines []string) int {
	n := 0
	for _, s := range lines {
		if ok, _ := regexp.MatchString(`^x`, s); ok { // expect: go/regexp-in-loop
			n++
		}
		if ids.MatchString(s) {
			n++
		}
	}
	return n
}

func once(s string) bool {
	ok, _ := regexp.MatchString(`^y`, s)
	return ok
}

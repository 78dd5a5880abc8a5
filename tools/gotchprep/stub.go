package main

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// generatedHeader is the file of generated atg_* wrappers that torch_api.cpp
// includes; gotch generates it for one libtorch version, and some of its
// wrappers call ops that other versions lack or spell differently.
const generatedHeader = "torch_api_generated.cpp.h"

// diagLine matches a g++ diagnostic located in the generated header: an error
// there, or the "required from here" line that ends a template instantiation
// chain whose error is reported inside a system header.
var diagLine = regexp.MustCompile(`^(?:.*/)?` + regexp.QuoteMeta(generatedHeader) + `:(\d+):\d+:\s+(error: .*|required from here)$`)

// errorLine matches any compiler error line.
var errorLine = regexp.MustCompile(`^\S+:\d+:\d+: (?:fatal )?error: `)

// wrapperStart matches the first line of a generated wrapper definition.
var wrapperStart = regexp.MustCompile(`^\S.*\b(atg_\w+)\(.*\{\s*$`)

// Wrapper is one generated function: its name and the half-open range of
// lines (0-based) from its signature line to its closing brace.
type Wrapper struct {
	Name       string
	Start, End int
}

// FindWrappers lists the wrapper definitions in the generated header.
func FindWrappers(lines []string) []Wrapper {
	var out []Wrapper
	for i := 0; i < len(lines); i++ {
		m := wrapperStart.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "}" {
			end++
		}
		if end == len(lines) {
			break // unterminated: leave it to the compiler to complain
		}
		out = append(out, Wrapper{Name: m[1], Start: i, End: end + 1})
		i = end
	}
	return out
}

// Diagnostics is what one compiler run said about the wrappers.
type Diagnostics struct {
	// Failing maps a wrapper line number (1-based) to the first error message
	// seen for it ("" when only a "required from here" pointed there).
	Failing map[int]string
	// Errors holds every error line, wherever it is located, to show the user
	// when no wrapper explains them.
	Errors []string
}

// ParseDiagnostics reads g++ stderr. An error reported inside a system header
// is preceded by its instantiation chain, which ends at the wrapper line that
// caused it ("required from here"); that line marks the wrapper as failing.
func ParseDiagnostics(stderr string) Diagnostics {
	d := Diagnostics{Failing: map[int]string{}}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if errorLine.MatchString(line) {
			d.Errors = append(d.Errors, line)
		}
		m := diagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		msg := strings.TrimPrefix(m[2], "error: ")
		if m[2] == "required from here" {
			msg = ""
		}
		if prev, seen := d.Failing[n]; !seen || prev == "" {
			d.Failing[n] = msg
		}
	}
	return d
}

// Disabled records a wrapper whose body was replaced.
type Disabled struct {
	Name   string
	Reason string
}

// StubFailing replaces the body of every wrapper that contains a failing
// line with a runtime error naming the op. It returns the new header lines,
// what it disabled, and the failing lines no wrapper contains.
func StubFailing(lines []string, failing map[int]string) ([]string, []Disabled, []int) {
	wrappers := FindWrappers(lines)
	hit := map[int]string{} // wrapper index -> reason
	var orphans []int
	for line, msg := range failing {
		i := sort.Search(len(wrappers), func(i int) bool { return wrappers[i].End > line-1 })
		if i == len(wrappers) || wrappers[i].Start > line-1 {
			orphans = append(orphans, line)
			continue
		}
		if prev, ok := hit[i]; !ok || prev == "" {
			hit[i] = msg
		}
	}
	sort.Ints(orphans)
	if len(hit) == 0 {
		return lines, nil, orphans
	}
	idx := make([]int, 0, len(hit))
	for i := range hit {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var out []string
	var disabled []Disabled
	next := 0
	for _, i := range idx {
		w := wrappers[i]
		out = append(out, lines[next:w.Start+1]...)
		out = append(out, fmt.Sprintf(`  PROTECT(throw std::runtime_error("%s is not available in this libtorch");)`, w.Name), "}")
		next = w.End
		reason := hit[i]
		if reason == "" {
			reason = "template instantiation failed"
		}
		disabled = append(disabled, Disabled{Name: w.Name, Reason: reason})
	}
	out = append(out, lines[next:]...)
	return out, disabled, orphans
}

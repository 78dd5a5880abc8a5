package corpus_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
)

// dataset returns the path of a file under the shared datasets folder
// (rel is slash-separated); the test skips without it, or fails under CI.
func dataset(tb testing.TB, rel string) string {
	tb.Helper()
	return shareddata.Path(tb, append([]string{"datasets"}, strings.Split(rel, "/")...)...)
}

// readDataset reads a dataset file with zero ReadOptions.
func readDataset(tb testing.TB, rel string) *corpus.Corpus {
	tb.Helper()
	c, err := corpus.ReadFile(dataset(tb, rel), corpus.ReadOptions{})
	if err != nil {
		tb.Fatalf("ReadFile %s: %v", rel, err)
	}
	return c
}

// parse parses inline test text with zero options and fails on error.
func parse(tb testing.TB, text string) *corpus.Corpus {
	tb.Helper()
	c, err := corpus.Parse([]byte(text), "inline.conll", corpus.ReadOptions{})
	if err != nil {
		tb.Fatalf("Parse(%q): %v", text, err)
	}
	return c
}

// parseErr parses text expecting a *ParseError; it returns it.
func parseErr(tb testing.TB, text, name string, opt corpus.ReadOptions) *corpus.ParseError {
	tb.Helper()
	c, err := corpus.Parse([]byte(text), name, opt)
	if err == nil {
		tb.Fatalf("Parse(%q) = %d sentences, want an error", text, len(c.Sentences))
	}
	var pe *corpus.ParseError
	if !errors.As(err, &pe) {
		tb.Fatalf("Parse(%q) error %T %v, want *corpus.ParseError", text, err, err)
	}
	return pe
}

// tags splits a space-separated tag sequence ("" gives none).
func tags(s string) []string { return strings.Fields(s) }

// sameSentences reports the first difference between two sentence lists
// (all columns and Meta; Line is ignored), or "".
func sameSentences(a, b []corpus.Sentence) string {
	if len(a) != len(b) {
		return fmt.Sprintf("sentence counts differ: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i].Columns, b[i].Columns) {
			return fmt.Sprintf("sentence %d: columns differ: %q vs %q", i+1, a[i].Columns, b[i].Columns)
		}
		if !slices.Equal(a[i].Meta, b[i].Meta) {
			return fmt.Sprintf("sentence %d: meta differs: %q vs %q", i+1, a[i].Meta, b[i].Meta)
		}
	}
	return ""
}

// sameDocs compares document markers by Fields and Before (not Line).
func sameDocs(a, b []corpus.DocStart) string {
	if len(a) != len(b) {
		return fmt.Sprintf("document counts differ: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if !slices.Equal(a[i].Fields, b[i].Fields) || a[i].Before != b[i].Before {
			return fmt.Sprintf("document %d differs: %q before %d vs %q before %d", i+1, a[i].Fields, a[i].Before, b[i].Fields, b[i].Before)
		}
	}
	return ""
}

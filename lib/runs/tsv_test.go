package runs

import (
	"slices"
	"testing"
)

// TestEvalColumnsReadBack: every column the trainer names reads back as
// its split, view and measure. The trainer once wrote DEV_CONTEXT_F1 while
// the reader knew only CONTEXT_DEV_F1, and a loss.tsv read without
// metrics.jsonl lost its context view.
func TestEvalColumnsReadBack(t *testing.T) {
	if got := EvalColumns("dev", "context"); !slices.Equal(got, []string{"DEV_CONTEXT_LOSS",
		"DEV_CONTEXT_PRECISION", "DEV_CONTEXT_RECALL", "DEV_CONTEXT_F1", "DEV_CONTEXT_ACCURACY"}) {
		t.Errorf("context dev columns %v", got)
	}
	if got := EvalColumns("test", ""); !slices.Equal(got, []string{"TEST_LOSS", "TEST_PRECISION", "TEST_RECALL", "TEST_F1", "TEST_ACCURACY"}) {
		t.Errorf("first view's test columns %v; want flair's names", got)
	}
	for _, split := range []string{"dev", "test"} {
		for _, c := range []struct{ write, read string }{{"", Plain}, {Context, Context}, {"ctx2", "ctx2"}} {
			for i, name := range EvalColumns(split, c.write) {
				s, v, m, ok := parseEvalColumn(name)
				if !ok || s != split || v != c.read || m != i {
					t.Errorf("%s reads as %q %q %d %v; want %q %q %d", name, s, v, m, ok, split, c.read, i)
				}
			}
		}
	}
	for _, name := range append(slices.Clone(LossColumns), "DEV_SCORE", "TRAIN_DEV_F1", "DEV_", "DEV__F1") {
		if s, v, _, ok := parseEvalColumn(name); ok {
			t.Errorf("%s reads as an evaluation (%s, %s)", name, s, v)
		}
	}
}

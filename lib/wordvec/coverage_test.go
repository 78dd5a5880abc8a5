package wordvec

import (
	"strings"
	"testing"
)

func TestCoverageCountsByHand(t *testing.T) {
	vecs := &Vectors{Dim: 1, Words: []string{"the", "paris", "0000"}, Values: []float32{1, 2, 3}}
	counts := map[string]int{"the": 10, "Paris": 3, "1999": 2, "zzz": 1, "The": 4}
	got := MeasureCoverage(counts, vecs, true)
	want := Coverage{Tokens: 20, Types: 5, ExactTokens: 10, ExactTypes: 1, FallbackTokens: 9, FallbackTypes: 3, MissingTokens: 1, MissingTypes: 1}
	if got != want {
		t.Fatalf("with fallback: %+v, want %+v", got, want)
	}
	s := got.String()
	for _, part := range []string{"cover 95.00% of 20 tokens", "exact 50.00%, fallback 45.00%, missing 5.00%", "80.00% of 5 types"} {
		if !strings.Contains(s, part) {
			t.Errorf("String() = %q, missing %q", s, part)
		}
	}
	got = MeasureCoverage(counts, vecs, false)
	want = Coverage{Tokens: 20, Types: 5, ExactTokens: 10, ExactTypes: 1, MissingTokens: 10, MissingTypes: 4}
	if got != want {
		t.Fatalf("without fallback: %+v, want %+v", got, want)
	}
	if c := MeasureCoverage(counts, nil, true); c != (Coverage{}) {
		t.Errorf("nil vectors: %+v, want zero", c)
	}
	if s := (Coverage{}).String(); !strings.Contains(s, "- of 0 tokens") {
		t.Errorf("empty coverage: %q", s)
	}
}

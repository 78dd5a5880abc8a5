package retrieve

import (
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

// batchByLength scores a passage by its length in bytes, all at once, and
// counts how it was asked.
type batchByLength struct{ batches, singles, seen int }

func (b *batchByLength) Name() string { return "length" }

func (b *batchByLength) Score(_ []string, h Hit) float64 {
	b.singles++
	return float64(len(h.Text))
}

func (b *batchByLength) ScoreAll(_ []string, hits []Hit) ([]float64, error) {
	b.batches++
	b.seen += len(hits)
	out := make([]float64, len(hits))
	for i, h := range hits {
		out[i] = float64(len(h.Text))
	}
	return out, nil
}

// TestRetrieveScoresABatchScorerOnce: a re-ranker with ScoreAll (an
// encoder's) gets all of a query's candidates in one call, and its scores
// order them.
func TestRetrieveScoresABatchScorerOnce(t *testing.T) {
	idx := testIndex(t, strings.Join([]string{
		`{"id": 1, "title": "A", "text": "Razaerholm is a town."}`,
		`{"id": 2, "title": "B", "text": "Razaerholm has a long harbour wall along the northern sea."}`,
		`{"id": 3, "title": "C", "text": "Painters of Razaerholm meet at the harbour."}`,
	}, "\n")+"\n")
	b := &batchByLength{}
	got, err := Retrieve(idx, corpus.Tokenize("Razaerholm harbour"), RetrieveOptions{Keep: 3, Rerank: b})
	if err != nil {
		t.Fatal(err)
	}
	if b.batches != 1 || b.singles != 0 || b.seen != len(got) || len(got) != 3 {
		t.Fatalf("%d ScoreAll calls for %d candidates, %d Score calls; %d kept", b.batches, b.seen, b.singles, len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Rerank < got[i].Rerank || got[i].Rerank != float64(len(got[i].Text)) {
			t.Errorf("order or scores wrong: %+v", got)
		}
	}
}

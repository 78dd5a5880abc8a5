package train

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
)

// lengthOnly is an example that is only its length.
type lengthOnly int

func (n lengthOnly) Len() int     { return int(n) }
func (lengthOnly) Gold() []string { return nil }

// TestEpochBatches checks the batch order a resumed run relies on: a
// function of (seed, epoch) only, every sentence once per epoch, and with
// sort_by_length batches of similar lengths.
func TestEpochBatches(t *testing.T) {
	exp := config.Default()
	exp.Train.MiniBatchSize = 4
	tr := &trainer{exp: &exp, data: &data{views: []view{{name: "plain"}}}}
	train := &tr.data.views[0].train
	for i := 0; i < 37; i++ {
		*train = append(*train, lengthOnly(1+(i*7)%23))
	}
	a, b := tr.epochBatches(3), tr.epochBatches(3)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same seed and epoch gave different batches")
	}
	if fmt.Sprint(a) == fmt.Sprint(tr.epochBatches(4)) {
		t.Error("two epochs gave the same shuffled batches")
	}
	var seen []int
	for _, batch := range a {
		seen = append(seen, batch.ids...)
	}
	slices.Sort(seen)
	for i, v := range seen {
		if v != i {
			t.Fatalf("epoch covers %v, want each of 0..36 once", seen)
		}
	}
	exp.Train.SortByLength = true
	for _, batch := range tr.epochBatches(3) {
		lo, hi := 1<<30, 0
		for _, j := range batch.ids {
			n := (*train)[j].Len()
			lo, hi = min(lo, n), max(hi, n)
		}
		// 37 sentences over lengths 1..23: a sorted batch of 4 spans at
		// most 2 adjacent length values.
		if hi-lo > 2 {
			t.Errorf("length-sorted batch spans lengths %d..%d", lo, hi)
		}
	}
}

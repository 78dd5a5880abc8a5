package samplegen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed sample must be exactly what the generator writes, so that
// nobody edits it by hand and the generator stays deterministic.
func TestCommittedSampleIsUpToDate(t *testing.T) {
	sents := Generate(DefaultSeed, DefaultSentences)
	train, dev, test := Splits(DefaultSeed)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"sample.conll":      func(b *bytes.Buffer) error { return WriteGold(b, sents) },
		"sample.pred.conll": func(b *bytes.Buffer) error { return WritePredictions(b, sents) },
		"train.conll":       func(b *bytes.Buffer) error { return WriteGold(b, train) },
		"dev.conll":         func(b *bytes.Buffer) error { return WriteGold(b, dev) },
		"test.conll":        func(b *bytes.Buffer) error { return WriteGold(b, test) },
	} {
		var want bytes.Buffer
		if err := write(&want); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "sample", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("data/sample/%s differs from the generator's output; run make sample", name)
		}
	}
}

func TestPredictionsDifferButKeepShape(t *testing.T) {
	sents := Generate(7, 200)
	if len(sents) != 200 {
		t.Fatalf("%d sentences", len(sents))
	}
	diff, tokens := 0, 0
	for _, s := range sents {
		for _, tok := range s {
			tokens++
			if tok.Gold != tok.Pred {
				diff++
			}
			if tok.Text == "" || tok.Gold == "" || tok.Pred == "" {
				t.Fatalf("empty field in %+v", tok)
			}
		}
	}
	// The noise model changes a few percent of tags, never all or none.
	if rate := float64(diff) / float64(tokens); rate < 0.01 || rate > 0.15 {
		t.Errorf("prediction differs on %.3f of tokens", rate)
	}
}

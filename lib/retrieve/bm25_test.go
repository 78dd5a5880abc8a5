package retrieve

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// TestBleveQueryScoresAsBleve checks the score computed outside bleve
// against the scores BleveIndex gives: an index of shared knowledge
// passages, WNUT-17 dev sentences as queries, every hit's score. The
// statistics are counted here from the passages, independently of bleve.
func TestBleveQueryScoresAsBleve(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	if _, err := Build(context.Background(), dir, BuildOptions{Corpora: knowledgeSample(t, 300)}); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	fields, df := passageFields(t, b)
	stats := CollectionStats{Docs: uint64(len(fields))}
	for f := range df {
		stats.Vocabulary[f] = uint64(len(df[f]))
	}
	t.Logf("%d passages, dictionaries of %v terms", stats.Docs, stats.Vocabulary)

	checked := 0
	for _, q := range wnutQueries(t, 200) {
		text := strings.Join(q, " ")
		terms := strings.Fields(analyse(text))
		if len(terms) == 0 {
			continue
		}
		bq := newBleveQuery(terms, stats, func(f int, term string) uint64 { return df[f][term] })
		hits, err := b.Search(text, 30)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			got := bq.score(fields[h.ID])
			if math.Abs(got-h.Score) > 1e-9*h.Score {
				t.Fatalf("query %q, passage %s: score %.12g, bleve's %.12g", text, h.ID, got, h.Score)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d scores compared", checked)
	}
	t.Logf("%d scores agree with bleve's", checked)
}

// passageFields reads every passage of a bleve index and returns its
// analysed fields by passage id, and each field's document frequencies,
// counted here.
func passageFields(t *testing.T, b *BleveIndex) (map[string][numFields][]string, [numFields]map[string]uint64) {
	t.Helper()
	fields := map[string][numFields][]string{}
	df := [numFields]map[string]uint64{{}, {}}
	all := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1<<30, 0, false)
	all.Fields = []string{"text", "title"}
	res, err := b.idx.Search(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		text, _ := h.Fields["text"].(string)
		title, _ := h.Fields["title"].(string)
		fs := analysedFields(analyse(text), analyse(title))
		fields[h.ID] = fs
		for f := range fs {
			seen := map[string]bool{}
			for _, term := range fs[f] {
				if !seen[term] {
					seen[term] = true
					df[f][term]++
				}
			}
		}
	}
	return fields, df
}

package weaviate

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/nerlab/nerlab/lib/retrieve"
)

// TestBleveQueryScoresAsBleve checks the score computed outside bleve
// against the scores BleveIndex gives: an index of shared knowledge
// passages, WNUT-17 dev sentences as queries, every hit's score. The
// statistics are counted here from the passages, independently of bleve,
// and the index is in many segments, so that they are the same only when
// BleveIndex counts each term once.
func TestBleveQueryScoresAsBleve(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	// Small batches leave the index in many segments, where bleve's own
	// statistics would count a term once per segment (BleveIndex.Search).
	if _, err := retrieve.Build(context.Background(), dir, retrieve.BuildOptions{Corpora: knowledgeSample(t, 300), BatchSize: 50}); err != nil {
		t.Fatal(err)
	}
	fields, counts := passageFields(t, dir)
	b, err := retrieve.OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	stats := counts.stats(uint64(len(fields)))
	t.Logf("%d passages, dictionaries of %v terms", stats.Docs, stats.Vocabulary)

	checked := 0
	for _, q := range wnutQueries(t, 200) {
		text := strings.Join(q, " ")
		terms := strings.Fields(analyse(text))
		if len(terms) == 0 {
			continue
		}
		bq := newBleveQuery(terms, stats, counts.df)
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

// passageFields reads every passage of the bleve index in folder dir
// (its "bleve" sub-folder, opened here directly, before BleveIndex holds
// it) and returns its analysed fields by passage id, and the passages'
// term counts.
func passageFields(t *testing.T, dir string) (map[string][numFields][]string, termCounts) {
	t.Helper()
	fields := map[string][numFields][]string{}
	counts := newTermCounts()
	idx, err := bleve.Open(filepath.Join(dir, "bleve"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	all := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1<<30, 0, false)
	all.Fields = []string{"text", "title"}
	res, err := idx.Search(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		text, _ := h.Fields["text"].(string)
		title, _ := h.Fields["title"].(string)
		fs := analysedFields(analyse(text), analyse(title))
		fields[h.ID] = fs
		counts.add(fs)
	}
	return fields, counts
}

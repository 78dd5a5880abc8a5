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
// statistics are counted here from the passages, independently of bleve,
// and the index is in many segments, so that they are the same only when
// BleveIndex counts each term once.
func TestBleveQueryScoresAsBleve(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	// Small batches leave the index in many segments, where bleve's own
	// statistics would count a term once per segment (BleveIndex.Search).
	if _, err := Build(context.Background(), dir, BuildOptions{Corpora: knowledgeSample(t, 300), BatchSize: 50}); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	fields, counts := passageFields(t, b)
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

// passageFields reads every passage of a bleve index and returns its
// analysed fields by passage id, and the passages' term counts.
func passageFields(t *testing.T, b *BleveIndex) (map[string][numFields][]string, termCounts) {
	t.Helper()
	fields := map[string][numFields][]string{}
	counts := newTermCounts()
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
		counts.add(fs)
	}
	return fields, counts
}

// The statistics BleveIndex gives bleve are counted again after Add.
func TestBleveStatisticsFollowAdd(t *testing.T) {
	b, err := CreateBleve(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Add([]Passage{{ID: "a", Title: "Cats", Text: "Cats purr."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Search("cats", 5); err != nil {
		t.Fatal(err)
	}
	if err := b.Add([]Passage{{ID: "b", Title: "Dogs", Text: "Dogs bark loudly."}}); err != nil {
		t.Fatal(err)
	}
	hits, err := b.Search("dogs", 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search after Add: %v, %v", hits, err)
	}
	st, err := b.bm25Stats()
	if err != nil || st.DocCount != 2 || st.FieldCardinality["text"] != 5 || st.FieldCardinality["title"] != 2 {
		t.Errorf("statistics after Add: %+v, %v; want 2 passages, 5 text terms (cat purr dog bark loudli), 2 title terms", st, err)
	}
}

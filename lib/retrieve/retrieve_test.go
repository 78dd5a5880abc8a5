package retrieve

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/wordvec"
)

func testIndex(t *testing.T, body string) *BleveIndex {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "idx")
	if _, err := Build(context.Background(), dir, BuildOptions{Corpora: []string{write(t, "k.jsonl", body)}, Passages: PassageOptions{Sentences: 2}}); err != nil {
		t.Fatal(err)
	}
	idx, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func TestRetrieveDedupesDropsLeaksAndKeeps(t *testing.T) {
	idx := testIndex(t, strings.Join([]string{
		`{"id": 1, "title": "Razaerholm", "text": "Razaerholm is a harbour town in the north. Its guild of painters is famous."}`,
		`{"id": 2, "title": "Razaerholm (copy)", "text": "Razaerholm is a harbour town in the north. Its guild of painters is famous."}`,
		`{"id": 3, "title": "Stedian Restous", "text": "Stedian Restous is a painter. He lives in Razaerholm."}`,
		`{"id": 4, "title": "News", "text": "Stedian Restous visited Razaerholm yesterday . Crowds came."}`,
		`{"id": 5, "title": "Salt", "text": "Salt is mined in the south. It is cheap."}`,
	}, "\n")+"\n")
	query := corpus.Tokenize("Stedian Restous visited Razaerholm yesterday.")
	got, err := Retrieve(idx, query, RetrieveOptions{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("kept %d: %+v", len(got), got)
	}
	texts := map[string]int{}
	for _, r := range got {
		texts[r.Text]++
		if strings.Contains(r.Text, "visited Razaerholm yesterday") {
			t.Errorf("the sentence itself was retrieved: %q", r.Text)
		}
		if r.Title == "Salt" {
			t.Errorf("an unrelated passage ranked in the top 2")
		}
	}
	for text, n := range texts {
		if n > 1 {
			t.Errorf("%q kept %d times", text, n)
		}
	}
	all, _ := Retrieve(idx, query, RetrieveOptions{Keep: 10})
	seen := map[string]bool{}
	for _, r := range all {
		if seen[r.Text] {
			t.Errorf("duplicate text %q", r.Text)
		}
		seen[r.Text] = true
	}
}

func TestRetrievePerArticle(t *testing.T) {
	// Passages of two sentences: the painter's article makes three, all
	// about him; the town's article one.
	idx := testIndex(t, `{"id": 1, "title": "Stedian Restous", "text": "Stedian Restous is a painter. Stedian Restous was born in 1901. Stedian Restous paints ships. Stedian Restous sells them. Stedian Restous lives alone. Stedian Restous is old."}
{"id": 2, "title": "Razaerholm", "text": "Razaerholm is a harbour town where Stedian Restous lives."}
`)
	query := corpus.Tokenize("Stedian Restous left")
	titles := func(per int) []string {
		got, err := Retrieve(idx, query, RetrieveOptions{Keep: 3, PerArticle: per})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range got {
			out = append(out, r.Title)
		}
		return out
	}
	if got := titles(0); strings.Join(got, "|") != "Stedian Restous|Stedian Restous|Stedian Restous" {
		t.Errorf("no limit: %q", got)
	}
	if got := titles(1); strings.Join(got, "|") != "Stedian Restous|Razaerholm" {
		t.Errorf("one per article: %q", got)
	}
	if got := titles(2); len(got) != 3 || got[2] != "Razaerholm" {
		t.Errorf("two per article: %q", got)
	}
	// Articles count by id, not title: untitled passages of different
	// articles are all kept.
	untitled := testIndex(t, `{"id": 1, "text": "Stedian Restous is a painter."}
{"id": 2, "text": "Stedian Restous paints ships."}
`)
	got, err := Retrieve(untitled, query, RetrieveOptions{Keep: 3, PerArticle: 1})
	if err != nil || len(got) != 2 {
		t.Errorf("untitled articles, one each: %v %+v", err, got)
	}
}

func TestScorers(t *testing.T) {
	q := []string{"Stedian", "Restous", "paints"}
	near := Hit{Passage: Passage{Text: "Stedian Restous paints ships"}, Score: 1}
	far := Hit{Passage: Passage{Text: "Salt is cheap"}, Score: 5}
	ov, _ := NewScorer("overlap", nil)
	if s := ov.Score(q, near); s < 0.85 || s > 0.86 { // 3 common of 4 and 3: P .75 R 1
		t.Errorf("overlap F1 %v", s)
	}
	if ov.Score(q, far) != 0 {
		t.Error("overlap with nothing in common is not 0")
	}
	bm, _ := NewScorer("bm25", nil)
	if bm.Score(q, far) != 5 {
		t.Error("bm25 order does not keep the search score")
	}
	vecs := &wordvec.Vectors{Dim: 2, Words: []string{"paints", "draws", "salt"}, Values: []float32{1, 0, 0.9, 0.1, 0, 1}}
	bs, err := NewScorer("bertscore", vecs)
	if err != nil {
		t.Fatal(err)
	}
	similar := Hit{Passage: Passage{Text: "Stedian Restous draws"}}
	if a, b := bs.Score(q, similar), bs.Score(q, far); a <= b || a > 1 || a < 0.9 {
		t.Errorf("bertscore: similar %v, unrelated %v", a, b)
	}
	if _, err := NewScorer("bertscore", nil); err == nil {
		t.Error("bertscore without vectors accepted")
	}
	if _, err := NewScorer("cosine", nil); err == nil || !strings.Contains(err.Error(), "bm25, overlap, bertscore") {
		t.Errorf("unknown scorer: %v", err)
	}
}

func TestSubQueries(t *testing.T) {
	toks := strings.Fields("a b c , d e f g h i j k l , m n")
	got := SubQueries(toks, 8)
	var parts []string
	for _, q := range got {
		parts = append(parts, strings.Join(q, " "))
		if len(q) > 8 {
			t.Errorf("sub-query of %d tokens", len(q))
		}
	}
	if strings.Join(parts, "|") != "a b c ,|d e f g h i j k|l , m n" {
		t.Errorf("%q", parts)
	}
	if got := SubQueries(toks[:5], 8); len(got) != 1 {
		t.Errorf("short sentence split: %v", got)
	}
	if normalize("Paris , France!") != normalize("paris, france") {
		t.Error("normalize differs on punctuation and case")
	}
}

// TestRetrieveMergesSubQueries: with one candidate per query, a sentence
// searched whole finds one article, and searched in two pieces finds the
// article of each piece, merged.
func TestRetrieveMergesSubQueries(t *testing.T) {
	idx := testIndex(t, `{"id": 1, "title": "Stedian Restous", "text": "Stedian Restous paints ships."}
{"id": 2, "title": "Razaerholm", "text": "Razaerholm exports salt."}
{"id": 3, "title": "Other", "text": "A quiet village far away."}`)
	sentence := strings.Fields("Stedian Restous paints ships , and Razaerholm exports salt .")
	whole, err := Retrieve(idx, sentence, RetrieveOptions{K: 1, SubQueryLen: 100})
	if err != nil || len(whole) != 1 {
		t.Fatalf("one query: %+v %v", whole, err)
	}
	pieces, err := Retrieve(idx, sentence, RetrieveOptions{K: 1, SubQueryLen: 6})
	var titles []string
	for _, r := range pieces {
		titles = append(titles, r.Title)
	}
	sort.Strings(titles)
	if err != nil || strings.Join(titles, "|") != "Razaerholm|Stedian Restous" {
		t.Errorf("two sub-queries found %v (%v); want both articles", titles, err)
	}
}

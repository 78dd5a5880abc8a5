package retrieve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// worldCorpus writes a small JSONL corpus: n articles of three sentences.
func worldCorpus(t *testing.T, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"id": %d, "title": "Place %d", "text": "Place %d is a harbour town. It exports salt number %d. Its guild is old."}`+"\n", i, i, i, i)
	}
	fmt.Fprintf(&b, `{"id": %d, "title": "Stedian Restous", "text": "Stedian Restous is a painter born in Razaerholm. He founded a guild."}`+"\n", n)
	return write(t, "world.jsonl", b.String())
}

func TestBuildSearchAndResume(t *testing.T) {
	corpus := worldCorpus(t, 40)
	dir := filepath.Join(t.TempDir(), "idx")
	opt := BuildOptions{Corpora: []string{corpus}, Passages: PassageOptions{Sentences: 2}, BatchSize: 10}

	// Interrupt after the first batch, then resume.
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(BuildProgress) { cancel() }
	if _, err := Build(ctx, dir, opt); !errors.Is(err, ErrBuildInterrupted) {
		t.Fatalf("interrupted build: %v", err)
	}
	opt.Progress = nil
	// An unfinished index is searched with a warning, and says so.
	var warned []string
	part, err := OpenIndex(context.Background(), dir, OpenOptions{Warn: func(m string) { warned = append(warned, m) }})
	if err != nil {
		t.Fatal(err)
	}
	part.Close()
	if len(warned) != 1 || !strings.Contains(warned[0], "unfinished") || !strings.Contains(warned[0], "world.jsonl") {
		t.Errorf("opening an unfinished index warned %q", warned)
	}
	if msg, err := Unfinished(dir); err != nil || !strings.Contains(msg, "unfinished") {
		t.Errorf("Unfinished: %q %v", msg, err)
	}
	n, err := Build(context.Background(), dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	warned = nil
	if whole, err := OpenIndex(context.Background(), dir, OpenOptions{Warn: func(m string) { warned = append(warned, m) }}); err != nil || len(warned) > 0 {
		t.Errorf("a finished index: %v, warnings %q", err, warned)
	} else {
		whole.Close()
	}
	if msg, err := Unfinished(dir); err != nil || msg != "" {
		t.Errorf("Unfinished of a finished index: %q %v", msg, err)
	}
	if n != 40*2+1 { // two passages per place, one for the painter; none twice
		t.Errorf("%d passages after resuming, want 81", n)
	}
	// A finished build is a no-op.
	if n2, err := Build(context.Background(), dir, opt); err != nil || n2 != n {
		t.Errorf("rerun: %d %v", n2, err)
	}

	idx, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	hits, err := idx.Search("Stedian Restous painter", 3)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v %v", hits, err)
	}
	top := hits[0]
	prefix := filepath.Base(filepath.Dir(corpus)) + "/world:"
	if top.Title != "Stedian Restous" || top.ID != prefix+"40-0" || top.ArticleID != prefix+"40" ||
		!strings.Contains(top.Text, "painter born in Razaerholm") || top.Score <= 0 {
		t.Errorf("top hit %+v", top)
	}
	if hits, _ := idx.Search("salt number 17", 1); len(hits) != 1 || hits[0].Title != "Place 17" {
		t.Errorf("salt number 17: %+v", hits)
	}
}

func TestBuildAndOpenErrors(t *testing.T) {
	corpus := worldCorpus(t, 3)
	dir := filepath.Join(t.TempDir(), "idx")
	if _, err := OpenBleve(dir); !errors.Is(err, ErrNoIndex) || !strings.Contains(err.Error(), "index build") {
		t.Errorf("missing index: %v", err)
	}
	opt := BuildOptions{Corpora: []string{corpus}}
	if _, err := Build(context.Background(), dir, opt); err != nil {
		t.Fatal(err)
	}
	other := BuildOptions{Corpora: []string{corpus}, Passages: PassageOptions{Sentences: 5}}
	if _, err := Build(context.Background(), dir, other); err == nil || !strings.Contains(err.Error(), "--fresh") {
		t.Errorf("other options: %v", err)
	}
	if _, err := Build(context.Background(), dir, BuildOptions{Corpora: []string{worldCorpus(t, 4)}}); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("other corpus: %v", err)
	}
	other.Fresh = true
	if _, err := Build(context.Background(), dir, other); err != nil {
		t.Errorf("fresh rebuild: %v", err)
	}
	notIndex := t.TempDir()
	os.WriteFile(filepath.Join(notIndex, "x"), []byte("x"), 0o644)
	if _, err := Build(context.Background(), notIndex, opt); err == nil || !strings.Contains(err.Error(), "not a nerlab index") || strings.Contains(err.Error(), "--fresh") {
		t.Errorf("non-empty folder (the error must not suggest --fresh): %v", err)
	}
	// --fresh replaces only an index nerlab made: a folder of the user's is
	// refused and left as it was, and so is a file of the user's inside an index.
	fresh := opt
	fresh.Fresh = true
	if _, err := Build(context.Background(), notIndex, fresh); err == nil || !strings.Contains(err.Error(), "not a nerlab index") {
		t.Errorf("--fresh on a folder of the user's: %v", err)
	}
	if _, err := os.Stat(filepath.Join(notIndex, "x")); err != nil {
		t.Errorf("--fresh removed a file it did not make: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Build(context.Background(), dir, fresh); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("--fresh on an index holding notes.txt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("--fresh removed notes.txt: %v", err)
	}
	os.Remove(filepath.Join(dir, "notes.txt"))
	if _, err := Build(context.Background(), dir, fresh); err != nil {
		t.Errorf("--fresh on an index: %v", err)
	}
	// A corrupt index is named with a way out.
	corrupt := filepath.Join(t.TempDir(), "corrupt")
	os.MkdirAll(filepath.Join(corrupt, bleveSub), 0o755)
	os.WriteFile(filepath.Join(corrupt, bleveSub, "index_meta.json"), []byte("{garbage"), 0o644)
	if _, err := OpenBleve(corrupt); err == nil || !strings.Contains(err.Error(), "cannot be opened") {
		t.Errorf("corrupt index: %v", err)
	}
	if _, err := Build(context.Background(), dir, BuildOptions{}); err == nil {
		t.Error("no corpora accepted")
	}
}

func TestSearchOrdersTiesByID(t *testing.T) {
	var b strings.Builder
	for i := 9; i >= 0; i-- { // written in reverse id order
		fmt.Fprintf(&b, `{"id": "a%d", "title": "T", "text": "Razaerholm exports salt."}`+"\n", i)
	}
	idx := testIndex(t, b.String())
	hits, err := idx.Search("salt", 4)
	if err != nil || len(hits) != 4 {
		t.Fatalf("%v %v", hits, err)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score != hits[0].Score || hits[i].ID < hits[i-1].ID {
			t.Errorf("ties not in id order: %v", hits)
		}
	}
	if !strings.HasSuffix(hits[0].ID, ":a0-0") {
		t.Errorf("first of the tie is %s, want the smallest id", hits[0].ID)
	}
}

// TestBuildKeepsCorporaWithOneStemApart: two corpora whose ids would
// share a prefix (same folder name and stem) keep all their passages, and
// a corpus given twice is refused.
func TestBuildKeepsCorporaWithOneStemApart(t *testing.T) {
	a := worldCorpus(t, 5) // .../world.jsonl
	sibling := filepath.Join(filepath.Dir(a), "world.txt")
	os.WriteFile(sibling, []byte("Place 0 is a harbour town.\nStedian Restous paints ships.\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "idx")
	n, err := Build(context.Background(), dir, BuildOptions{Corpora: []string{a, sibling}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 6+2 {
		t.Errorf("%d passages, want the 6 of world.jsonl and the 2 of world.txt", n)
	}
	idx, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := idx.Search("Stedian Restous paints ships", 1)
	idx.Close()
	stem := filepath.Base(filepath.Dir(a)) + "/world"
	if err != nil || len(hits) != 1 || !strings.HasPrefix(hits[0].ID, stem+"~2:") {
		t.Errorf("the second corpus's passage: %+v %v; want an id starting %s~2:", hits, err, stem)
	}
	if _, err := Build(context.Background(), filepath.Join(t.TempDir(), "x"), BuildOptions{Corpora: []string{a, filepath.Join(filepath.Dir(a), ".", "world.jsonl")}}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("a corpus given twice: %v", err)
	}
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

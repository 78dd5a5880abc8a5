package weaviate

import (
	"bufio"
	"context"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/weaviatelocal"
)

// These tests run real Weaviate servers on 127.0.0.1 (built by `make
// weaviate`): one node, and three nodes with three shards of two replicas.
// Without the server they skip, except under CI, where they fail.

// startWeaviate starts a cluster of n nodes for the test.
func startWeaviate(t *testing.T, n int) *weaviatelocal.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no Weaviate servers")
	}
	server, err := weaviatelocal.ServerPath()
	if err != nil {
		shareddata.Missing(t, "%v", err)
	}
	c, err := weaviatelocal.Start(context.Background(), weaviatelocal.Config{Server: server, Dir: t.TempDir(), Nodes: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// knowledgeSample copies the first articles of each shared knowledge
// corpus (WikiExtractor <doc> files) into the test's folder: enough for
// retrieval to mean something, small enough for a test.
func knowledgeSample(t *testing.T, articles int) []string {
	t.Helper()
	var out []string
	for _, part := range []string{"enwiki2015_early", "enwiki2021_new2018"} {
		src := shareddata.Path(t, "datasets", "knowledge", part, "part-00.txt")
		in, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), part, "part-00.txt")
		os.MkdirAll(filepath.Dir(dst), 0o755)
		f, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		w := bufio.NewWriter(f)
		for n := 0; n < articles && sc.Scan(); {
			w.WriteString(sc.Text() + "\n")
			if sc.Text() == "</doc>" {
				n++
			}
		}
		w.Flush()
		f.Close()
		in.Close()
		out = append(out, dst)
	}
	return out
}

// wnutQueries returns the first n sentences of WNUT-17's dev split.
func wnutQueries(t *testing.T, n int) [][]string {
	t.Helper()
	c, err := corpus.ReadFile(shareddata.Path(t, "datasets", "wnut17", "dev.txt"), corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var qs [][]string
	for i := 0; i < n && i < len(c.Sentences); i++ {
		qs = append(qs, c.Sentences[i].Columns[0])
	}
	return qs
}

// overlapAt is the mean share of a's top-k passage ids that b's top k hold.
func overlapAt(a, b [][]retrieve.Ranked, k int) float64 {
	var sum float64
	n := 0
	for i := range a {
		if len(a[i]) == 0 && len(b[i]) == 0 {
			continue
		}
		ids := map[string]bool{}
		for _, r := range b[i][:min(k, len(b[i]))] {
			ids[r.ID] = true
		}
		common := 0
		for _, r := range a[i][:min(k, len(a[i]))] {
			if ids[r.ID] {
				common++
			}
		}
		sum += float64(common) / float64(max(min(k, len(a[i])), min(k, len(b[i]))))
		n++
	}
	return sum / float64(max(n, 1))
}

func retrieveAll(t *testing.T, idx retrieve.Index, qs [][]string) [][]retrieve.Ranked {
	t.Helper()
	out := make([][]retrieve.Ranked, len(qs))
	for i, q := range qs {
		r, err := retrieve.Retrieve(idx, q, retrieve.RetrieveOptions{Keep: 6})
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		out[i] = r
	}
	return out
}

func TestWeaviateSingleNodeAgreesWithBleve(t *testing.T) {
	c := startWeaviate(t, 1)
	corpora := knowledgeSample(t, 1500)
	ctx := context.Background()
	dir := t.TempDir()
	bleveDir, wvDir := filepath.Join(dir, "bleve"), filepath.Join(dir, "wv")
	nb, err := retrieve.Build(ctx, bleveDir, retrieve.BuildOptions{Corpora: corpora})
	if err != nil {
		t.Fatal(err)
	}
	backend := Backend(Options{URLs: c.URLs(), Class: "Knowledge"})
	counted := -1 // passages the term statistics have read, as retrieve.Build reports them
	nw, err := retrieve.Build(ctx, wvDir, retrieve.BuildOptions{Corpora: corpora, Backend: backend, Progress: func(p retrieve.BuildProgress) {
		if p.Stage == retrieve.StageStatistics {
			counted = p.Passages
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if nb != nw || nw == 0 {
		t.Fatalf("bleve holds %d passages, weaviate %d", nb, nw)
	}
	if counted != int(nw) {
		t.Errorf("the term statistics stage reported %d passages read; want %d", counted, nw)
	}
	// A second build finds the first finished; indexing passages again
	// replaces them.
	if n, err := retrieve.Build(ctx, wvDir, retrieve.BuildOptions{Corpora: corpora, Backend: backend}); err != nil || n != nw {
		t.Fatalf("rebuild: %d passages, %v", n, err)
	}
	wv, err := retrieve.OpenIndex(ctx, wvDir, retrieve.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wv.Close()
	if !strings.Contains(retrieve.Describe(wv), "Weaviate class Knowledge") {
		t.Errorf("retrieve.Describe = %q", retrieve.Describe(wv))
	}
	hits, err := wv.Search("football club", 50)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %d hits, %v", len(hits), err)
	}
	ps := make([]retrieve.Passage, len(hits))
	for i, h := range hits {
		ps[i] = h.Passage
	}
	if err := wv.Add(ps); err != nil {
		t.Fatal(err)
	}
	if n, _ := wv.Count(); n != nw {
		t.Errorf("re-adding %d passages changed the count from %d to %d", len(ps), nw, n)
	}

	fields, counts := passageFields(t, bleveDir) // before OpenIndex holds the bleve index
	bl, err := retrieve.OpenIndex(ctx, bleveDir, retrieve.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	qs := wnutQueries(t, 150)
	overlap := overlapAt(retrieveAll(t, bl, qs), retrieveAll(t, wv, qs), 6)
	t.Logf("%d passages; overlap@6 of Weaviate's retrieval with bleve's over %d WNUT-17 dev sentences: %.3f", nw, len(qs), overlap)
	// Weaviate's candidates are ranked by bleve's formula with the class's
	// term statistics; they differ from the bleve index's own only where
	// bleve's "average length" counts a term once per segment.
	if overlap < 0.9 {
		t.Errorf("overlap@6 = %.3f; want the backends to agree", overlap)
	}
	checkStatsScores(t, wv.(*Index), fields, counts, qs)

	// Without statistics Weaviate's own BM25 ranks, and a warning says so;
	// a build writes them again. A statistics class with other properties
	// (another version's) counts as none, and the build replaces it.
	w := wv.(*Index)
	if _, err := w.do(ctx, http.MethodDelete, "/v1/schema/"+w.StatsClass(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.postClass(ctx, map[string]any{"class": w.StatsClass(), "vectorizer": "none",
		"properties": []map[string]any{{"name": "term", "dataType": []string{"text"}}, {"name": "text", "dataType": []string{"int"}}}}); err != nil {
		t.Fatal(err)
	}
	var warned []string
	bare, err := retrieve.OpenIndex(ctx, wvDir, retrieve.OpenOptions{Warn: func(m string) { warned = append(warned, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if hits, err := bare.Search("football club", 5); err != nil || len(hits) != 5 {
		t.Errorf("search without statistics: %d hits, %v", len(hits), err)
	}
	bare.Search("football", 5)
	if len(warned) != 1 || !strings.Contains(warned[0], "no term statistics") {
		t.Errorf("warnings without statistics: %q", warned)
	}
	if _, err := retrieve.Build(ctx, wvDir, retrieve.BuildOptions{Corpora: corpora, Backend: backend}); err != nil {
		t.Fatal(err)
	}
	if docs, err := w.StatsDocs(ctx); err != nil || docs != nw {
		t.Errorf("statistics after the rebuild describe %d passages (%v); want %d", docs, err, nw)
	}
}

// checkStatsScores checks a Weaviate index's scores against bleve's
// formula computed here, over statistics counted here from the passages
// (read from the bleve index of the same corpora, see passageFields), and
// its top 10 against the formula's top 10 over every passage.
func checkStatsScores(t *testing.T, w *Index, fields map[string][numFields][]string, counts termCounts, qs [][]string) {
	t.Helper()
	stats := counts.stats(uint64(len(fields)))
	var same, n int
	for _, q := range qs {
		text := strings.Join(q, " ")
		terms := strings.Fields(analyse(text))
		if len(terms) == 0 {
			continue
		}
		bq := newBleveQuery(terms, stats, counts.df)
		hits, err := w.Search(text, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if want := bq.score(fields[h.ID]); math.Abs(h.Score-want) > 1e-9*want {
				t.Fatalf("query %q, passage %s: Weaviate's score %.12g, the formula's %.12g", text, h.ID, h.Score, want)
			}
		}
		var all []retrieve.Hit
		for id, fs := range fields {
			if s := bq.score(fs); s > 0 {
				all = append(all, retrieve.Hit{Passage: retrieve.Passage{ID: id}, Score: s})
			}
		}
		retrieve.SortHits(all)
		top := map[string]bool{}
		for _, h := range all[:min(10, len(all))] {
			top[h.ID] = true
		}
		for _, h := range hits {
			if top[h.ID] {
				same++
			}
		}
		n += min(10, len(all))
	}
	t.Logf("Weaviate's top 10 holds %d of the %d passages the formula ranks top 10 over every passage", same, n)
	if same < n*95/100 {
		t.Errorf("Weaviate's candidates miss %d of %d top-10 passages", n-same, n)
	}
}

func TestWeaviateThreeNodesSurviveALostNode(t *testing.T) {
	c := startWeaviate(t, 3)
	corpora := knowledgeSample(t, 600)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "wv")
	backend := Backend(Options{URLs: c.URLs(), Shards: 3, Replicas: 2})
	total, err := retrieve.Build(ctx, dir, retrieve.BuildOptions{Corpora: corpora, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var warnings []string
	idx, err := retrieve.OpenIndex(ctx, dir, retrieve.OpenOptions{Warn: func(m string) {
		mu.Lock()
		warnings = append(warnings, m)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if n, err := idx.Count(); err != nil || n != total {
		t.Errorf("count: %d, %v; want %d", n, err, total)
	}
	qs := wnutQueries(t, 30)
	before := retrieveAll(t, idx, qs)

	// Write the context views of 120 WNUT-17 dev sentences and kill a node
	// once 40 are done: the run must finish, every sentence with its view.
	dev, err := corpus.ReadFile(shareddata.Path(t, "datasets", "wnut17", "dev.txt"), corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dev.Sentences = dev.Sentences[:120]
	in := filepath.Join(t.TempDir(), "dev.txt")
	if err := corpus.WriteFile(in, dev); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "views", "dev.txt")
	os.MkdirAll(filepath.Dir(out), 0o755)
	var killOnce sync.Once
	done, err := retrieve.WriteViews(ctx, idx, in, out, retrieve.ViewOptions{Retrieve: retrieve.RetrieveOptions{Keep: 6}, Budget: 64, Workers: 2,
		Progress: func(d, _ int) {
			if d >= 40 {
				killOnce.Do(func() {
					if err := c.Kill(2); err != nil {
						t.Error(err)
					}
				})
			}
		}})
	if err != nil || done != 120 {
		t.Fatalf("views with a node killed mid-run: %d sentences, %v", done, err)
	}
	vf, err := retrieve.OpenViewFile(out, nil)
	if err != nil {
		t.Fatalf("the view file written through the outage: %v", err)
	}
	if vf.Len() != 120 {
		t.Errorf("%d sentences in the view file", vf.Len())
	}
	w := idx.(*Index)
	if w.Consistency() != "ONE" {
		t.Errorf("consistency %s after losing a node; want the fallback to ONE", w.Consistency())
	}
	mu.Lock()
	said := strings.Join(warnings, "\n")
	mu.Unlock()
	if !strings.Contains(said, "continuing with consistency ONE") {
		t.Errorf("the fallback was not reported; warnings:\n%s", said)
	}
	// Every shard keeps a replica, so every query still finds the same
	// passages. (When Weaviate's own per-shard scores ranked them, the top 6
	// changed under load, to an overlap of 0.63 right after the kill: the
	// surviving replicas score with their own segments' statistics. The
	// candidates are now scored from the class-wide term statistics.)
	for deadline := time.Now().Add(time.Minute); !strings.HasPrefix(weaviatelocal.Health(c.URLs()[0]), "ready, 2 of "); {
		if time.Now().After(deadline) {
			t.Fatalf("the cluster did not notice the lost node: %s", weaviatelocal.Health(c.URLs()[0]))
		}
		time.Sleep(500 * time.Millisecond)
	}
	after := retrieveAll(t, idx, qs)
	for i := range before {
		if len(before[i]) > 0 && len(after[i]) == 0 {
			t.Errorf("query %d found %d passages before losing a node, none after", i, len(before[i]))
		}
	}
	overlap := overlapAt(before, after, 6)
	t.Logf("overlap@6 of the results before and after losing a node: %.3f", overlap)
	if overlap < 0.9 {
		t.Errorf("overlap@6 of the results before and after losing a node = %.3f; the replicas should give the same", overlap)
	}
}

func TestWeaviateMisconfiguredClusterIsAClearError(t *testing.T) {
	c := startWeaviate(t, 1)
	ctx := context.Background()
	// A class that is not there.
	if _, err := Open(ctx, Options{URLs: c.URLs(), Class: "Missing"}, false); err == nil || !strings.Contains(err.Error(), "no class Missing") {
		t.Errorf("missing class: err = %v", err)
	}
	// A build that continues into a class removed since stops, instead of
	// taking the empty class for the finished index.
	kb := filepath.Join(t.TempDir(), "kb.jsonl")
	os.WriteFile(kb, []byte(`{"title": "A", "text": "One sentence. Another one."}`+"\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "idx")
	gone := Options{URLs: c.URLs(), Class: "Gone"}
	backend := Backend(gone)
	if _, err := retrieve.Build(ctx, dir, retrieve.BuildOptions{Corpora: []string{kb}, Backend: backend}); err != nil {
		t.Fatal(err)
	}
	w, err := Open(ctx, gone, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteClass(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := retrieve.Build(ctx, dir, retrieve.BuildOptions{Corpora: []string{kb}, Backend: backend}); err == nil || !strings.Contains(err.Error(), "no class Gone") {
		t.Errorf("continuing into a removed class: err = %v", err)
	}
	if n, err := retrieve.Build(ctx, dir, retrieve.BuildOptions{Corpora: []string{kb}, Backend: backend, Fresh: true}); err != nil || n == 0 {
		t.Errorf("--fresh after the class was removed: %d passages, %v", n, err)
	}
	// More replicas than nodes.
	_, err = Open(ctx, Options{URLs: c.URLs(), Class: "TooMany", Replicas: 3}, true)
	if err == nil || !strings.Contains(err.Error(), "creating class TooMany") {
		t.Errorf("3 replicas on 1 node: err = %v", err)
	}
}

// TestWeaviateHybridFindsByVector indexes passages with vectors and asks
// for a word no passage contains: BM25 finds nothing, the vector of
// "kitten" finds the passage about the cat.
func TestWeaviateHybridFindsByVector(t *testing.T) {
	c := startWeaviate(t, 1)
	vecs := filepath.Join(t.TempDir(), "tiny.vec")
	os.WriteFile(vecs, []byte("cat 1 0\nkitten 0.95 0.05\ndogs 0 1\nbark 0.1 0.9\n"), 0o644)
	ctx := context.Background()
	w, err := Open(ctx, Options{URLs: c.URLs(), Class: "Hybrid", Vectors: vecs}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add([]retrieve.Passage{{ID: "k:1-0", Title: "Pets", Text: "The cat sat on the mat."}, {ID: "k:2-0", Title: "Noise", Text: "Dogs bark at night."}}); err != nil {
		t.Fatal(err)
	}
	hits, err := w.Search("kitten", 2)
	if err != nil || len(hits) == 0 || hits[0].ID != "k:1-0" || hits[0].Score <= 0 {
		t.Fatalf("hybrid search for a word only the vectors know: %+v, %v", hits, err)
	}
	if len(hits) == 2 && hits[1].Score >= hits[0].Score {
		t.Errorf("the dog passage scores %v, the cat passage %v", hits[1].Score, hits[0].Score)
	}
}

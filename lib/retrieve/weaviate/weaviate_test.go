package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// These tests cover the client's handling of failures with small HTTP
// servers that answer as Weaviate does; weaviate_cluster_test.go runs the
// real server.

func TestPassageUUIDIsStableAndValid(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := PassageUUID("wiki/part-00:12-3"), PassageUUID("wiki/part-00:12-4")
	if !uuid.MatchString(a) || !uuid.MatchString(b) {
		t.Fatalf("not version-5 UUIDs: %s %s", a, b)
	}
	if a == b {
		t.Error("two passages got one id")
	}
	if PassageUUID("wiki/part-00:12-3") != a {
		t.Error("the id of a passage changed between calls")
	}
}

func TestWeaviateOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{}, "no URL"},
		{Options{URLs: []string{"127.0.0.1:8080"}}, "expected http://"},
		{Options{URLs: []string{"http://x"}, Class: "passage"}, "capital letter"},
		{Options{URLs: []string{"http://x"}, Consistency: "MOST"}, "ONE, QUORUM or ALL"},
		{Options{URLs: []string{"http://x"}, Alpha: 2}, "between 0 and 1"},
	} {
		err := c.opt.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to say %q", c.opt, err, c.want)
		}
	}
	if err := (Options{URLs: []string{"http://127.0.0.1:8080"}, Consistency: "one"}).Validate(); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

func TestGraphQLStringEscapes(t *testing.T) {
	got := graphQLString("say \"hi\" \\ <b>\n\tend")
	if got != `"say \"hi\" \\ <b>\n\tend"` {
		t.Errorf("graphQLString = %s", got)
	}
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestWeaviateDownIsAClearErrorNotAHang(t *testing.T) {
	start := time.Now()
	_, err := Open(context.Background(), Options{URLs: []string{closedURL(t)}, Retries: 2, Backoff: 10 * time.Millisecond}, true)
	if err == nil || !strings.Contains(err.Error(), "not reachable") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want a clear 'not reachable' error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

func TestWeaviateHangingServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := Open(context.Background(), Options{URLs: []string{srv.URL}, Timeout: 200 * time.Millisecond, Retries: 1, Backoff: 10 * time.Millisecond}, true)
	if err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v; the timeout is 200ms a try", d)
	}
}

// fakeWeaviate answers the requests Index makes, from passages in
// memory; search returns every passage whose text contains the query.
type fakeWeaviate struct {
	mu        sync.Mutex
	classes   map[string]bool
	passages  map[string]map[string]any // by object id
	failLevel string                    // GraphQL reads at this consistency fail as with a node down
	batchErr  string                    // every batch object fails with this
	// replicasBusy is how many more batch requests fail, every object, as
	// when replicas cannot be reached.
	replicasBusy int
	requests     []string
}

func newFakeWeaviate() *fakeWeaviate {
	return &fakeWeaviate{classes: map[string]bool{}, passages: map[string]map[string]any{}}
}

func (f *fakeWeaviate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.URL.Path == "/v1/.well-known/ready":
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/schema/"):
		if !f.classes[strings.TrimPrefix(r.URL.Path, "/v1/schema/")] {
			http.Error(w, `{"error":[{"message":"not found"}]}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `{"replicationConfig":{"factor":2}}`)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/schema":
		var c struct{ Class string }
		json.Unmarshal(body, &c)
		f.classes[c.Class] = true
	case r.URL.Path == "/v1/batch/objects":
		var req struct {
			Objects []struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"objects"`
		}
		json.Unmarshal(body, &req)
		var out []map[string]any
		busy := f.replicasBusy > 0
		f.replicasBusy--
		for _, o := range req.Objects {
			res := map[string]any{}
			if busy {
				res["errors"] = map[string]any{"error": []map[string]string{{"message": "broadcast: cannot reach enough replicas"}}}
			} else if f.batchErr != "" {
				res["errors"] = map[string]any{"error": []map[string]string{{"message": f.batchErr}}}
			} else {
				f.passages[o.ID] = o.Properties
			}
			out = append(out, map[string]any{"id": o.ID, "result": res})
		}
		json.NewEncoder(w).Encode(out)
	case r.URL.Path == "/v1/graphql":
		var req struct{ Query string }
		json.Unmarshal(body, &req)
		if strings.Contains(req.Query, "Aggregate") {
			fmt.Fprintf(w, `{"data":{"Aggregate":{"Passage":[{"meta":{"count":%d}}]}}}`, len(f.passages))
			return
		}
		if f.failLevel != "" && strings.Contains(req.Query, "consistencyLevel: "+f.failLevel) {
			fmt.Fprintf(w, `{"errors":[{"message":"cannot achieve consistency level %s: read repair: one or more nodes are unavailable"}]}`, f.failLevel)
			return
		}
		// The text query and the title query (aliases text and title) get
		// the same query terms; only the text one matches here.
		q := regexp.MustCompile(`query: "([^"]*)"`).FindStringSubmatch(req.Query)[1]
		var hits []map[string]any
		for _, p := range f.passages {
			if strings.Contains(p["text"].(string), q) {
				h := map[string]any{}
				for k, v := range p {
					h[k] = v
				}
				h["_additional"] = map[string]any{"score": "1.5"}
				hits = append(hits, h)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"Get": map[string]any{"text": hits, "title": []any{}}}})
	default:
		http.Error(w, "unexpected "+r.URL.Path, http.StatusBadRequest)
	}
}

func TestWeaviateIndexAgainstAFakeServer(t *testing.T) {
	fake := newFakeWeaviate()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var warnings []string
	opt := Options{URLs: []string{closedURL(t), srv.URL}, Backoff: time.Millisecond,
		Warn: func(m string) { warnings = append(warnings, m) }}
	if _, err := Open(context.Background(), opt, false); err == nil || !strings.Contains(err.Error(), "no class Passage") {
		t.Fatalf("opening a missing class: err = %v", err)
	}
	w, err := Open(context.Background(), opt, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) == 0 || !strings.Contains(warnings[0], "connection refused") {
		t.Errorf("skipping the dead node was not reported: %q", warnings)
	}
	ps := make([]retrieve.Passage, 600) // more than one batch request
	for i := range ps {
		ps[i] = retrieve.Passage{ID: fmt.Sprintf("c/f:%d-0", i), ArticleID: fmt.Sprintf("c/f:%d", i), Title: "T", Text: fmt.Sprintf("text number %d", i)}
	}
	if err := w.Add(ps); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ps[:10]); err != nil { // again: replaced, not added
		t.Fatal(err)
	}
	if n, err := w.Count(); err != nil || n != 600 {
		t.Errorf("count = %d, %v; want 600", n, err)
	}
	hits, err := w.Search("number 42", 5)
	// The server scores 42 and 420-429 alike (1.5, on the text only). As
	// in bleve, a field's score is scaled by the share of query terms it
	// holds ("number 42": both for 42, one for 420) and by the share of
	// fields matched (1 of 2): 0.75 and 0.375. Ties go by passage id.
	if err != nil || len(hits) != 5 || hits[0].ID != "c/f:42-0" || hits[1].ID != "c/f:420-0" || hits[0].Score != 0.75 || hits[1].Score != 0.375 || hits[0].ArticleID != "c/f:42" {
		t.Fatalf("search: %+v, %v", hits, err)
	}

	// A node down: QUORUM reads fail, the index carries on at ONE and says so.
	fake.failLevel = "QUORUM"
	warnings = nil
	hits, err = w.Search("number 59", 50)
	if err != nil || len(hits) != 11 {
		t.Fatalf("search after the outage: %d hits, %v", len(hits), err)
	}
	if w.Consistency() != "ONE" || len(warnings) != 1 || !strings.Contains(warnings[0], "continuing with consistency ONE") {
		t.Errorf("consistency %s, warnings %q", w.Consistency(), warnings)
	}

	// Objects refused for want of replicas are sent again.
	fake.replicasBusy = 2
	if err := w.Add([]retrieve.Passage{{ID: "c/f:busy-0", ArticleID: "c/f:busy", Title: "T", Text: "sent while replicas were busy"}}); err != nil {
		t.Errorf("objects refused twice for want of replicas: %v", err)
	}
	if n, _ := w.Count(); n != 601 {
		t.Errorf("count = %d after the retried batch; want 601", n)
	}
	fake.replicasBusy = 10 // more than the retries
	if err := w.Add(ps[:3]); err == nil || !strings.Contains(err.Error(), "cannot reach enough replicas") {
		t.Errorf("objects refused every time: err = %v", err)
	}
	fake.replicasBusy = 0

	fake.batchErr = "no space left"
	if err := w.Add(ps[:3]); err == nil || !strings.Contains(err.Error(), "3 of 3 passages were not indexed") || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("object errors: err = %v", err)
	}
}

func TestWeaviateRejectionIsNotRetried(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, `{"error":[{"message":"anonymous access not enabled"}]}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	_, err := Open(context.Background(), Options{URLs: []string{srv.URL}, Backoff: time.Millisecond}, true)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "anonymous access") {
		t.Errorf("err = %v", err)
	}
	if calls != 1 {
		t.Errorf("a 401 was tried %d times", calls)
	}
}

func TestWordVectorEncoder(t *testing.T) {
	e := retrieve.NewWordVectorEncoder(&wordvec.Vectors{Dim: 2, Words: []string{"cat", "dog"}, Values: []float32{3, 0, 0, 2}})
	// Unit vectors (1,0) and (0,1), averaged and scaled to unit length;
	// "Cat" through its lower-case form, "zebra" has no vector.
	got := e.Encode("Cat dog zebra")
	want := float32(1 / math.Sqrt(2))
	if math.Abs(float64(got[0]-want)) > 1e-6 || math.Abs(float64(got[1]-want)) > 1e-6 {
		t.Errorf("Encode = %v, want [%v %v]", got, want, want)
	}
	if z := e.Encode("zebra"); z[0] != 0 || z[1] != 0 {
		t.Errorf("a text without vectors: %v, want zeros", z)
	}
}

// Term statistics stored in a cluster are found again by the bucket of
// each term: the hash must not change between nerlab versions.
func TestStatsBucketsAreStable(t *testing.T) {
	// FNV-1a, 32 bits, mod 1000, as Python computes it.
	for term, want := range map[string]int{"footbal": 412, "club": 189, "": 261} {
		if got := bucketOf(term, 1000); got != want {
			t.Errorf("bucketOf(%q, 1000) = %d; stored statistics put it in %d", term, got, want)
		}
	}
	w := &Index{opt: Options{Class: "Passage"}}
	w.setTotals(&statsObject{Bucket: totalsBucket, Docs: 10, Buckets: 4, Text: []uint64{7}, Title: []uint64{3}})
	missing, ok := w.missingBuckets([]string{"a", "b", "a"})
	if !ok || len(missing) == 0 || len(missing) > 2 {
		t.Fatalf("missing buckets %v, %v", missing, ok)
	}
	bad := []statsObject{{Bucket: missing[0], Terms: []string{"a", "b"}, Text: []uint64{1}, Title: []uint64{1, 1}}}
	if err := w.keepBuckets(missing, bad); err == nil || !strings.Contains(err.Error(), "PassageTermStats bucket") {
		t.Errorf("a bucket with fewer counts than terms: err = %v", err)
	}
	good := []statsObject{{Bucket: bucketOf("a", 4), Terms: []string{"a"}, Text: []uint64{5}, Title: []uint64{2}}}
	if err := w.keepBuckets(missing, good); err != nil {
		t.Fatal(err)
	}
	if m, _ := w.missingBuckets([]string{"a", "b"}); len(m) != 0 {
		t.Errorf("buckets read are asked again: %v", m)
	}
	q := w.bleveScorer([]string{"a", "zzz"})
	if q == nil || q.idf[textField][0] == q.idf[textField][1] {
		t.Errorf("the scorer does not tell a term held by 5 passages from one held by none: %+v", q)
	}
}

package weaviate

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// Options say which Weaviate cluster holds an index's passages and
// how nerlab talks to it. They are recorded in the index folder's manifest,
// so `retrieve --index DIR` finds the cluster again.
type Options struct {
	// URLs are the REST endpoints of the cluster's nodes
	// (http://127.0.0.1:8080, ...). Requests go to them in turn; a node
	// that does not answer is skipped.
	URLs []string `json:"urls"`
	// Class is the collection of passages (default "Passage"). Weaviate
	// class names start with a capital letter.
	Class string `json:"class"`
	// Shards and Replicas size a class that does not exist yet (defaults:
	// one shard per node, factor 1). An existing class keeps its own.
	Shards   int `json:"shards,omitempty"`
	Replicas int `json:"replicas,omitempty"`
	// Consistency is how many replicas must answer a read or acknowledge a
	// write: ONE, QUORUM (the default) or ALL. When a read at QUORUM or ALL
	// cannot be served because replicas are down, the index falls back to
	// ONE for the rest of its life and says so through Warn.
	Consistency string `json:"consistency,omitempty"`
	// Timeout bounds one HTTP request (default 30s); Retries is how many
	// more tries a failed request gets, on the next node, after Backoff
	// (doubling; defaults 3 and 250ms).
	Timeout time.Duration `json:"timeout,omitempty"`
	Retries int           `json:"retries,omitempty"`
	Backoff time.Duration `json:"backoff,omitempty"`
	// Alpha weighs a hybrid query's vector score against BM25 (0: BM25
	// only, 1: vector only; default 0.5); used when the passages carry
	// vectors (see Encoder).
	Alpha float64 `json:"alpha,omitempty"`
	// Vectors is a word-vector file (.vec, .vec.gz): when set, passages and
	// queries are encoded with WordVectorEncoder over it and searches are
	// hybrid. The same file must be given at build and at retrieval; the
	// index folder's manifest records it.
	Vectors string `json:"vectors,omitempty"`
	// Workers is how many batch requests Add keeps in flight (default 4).
	Workers int `json:"-"`

	// Warn is told when the index degrades (a node skipped, consistency
	// lowered); nil discards the messages.
	Warn func(msg string) `json:"-"`
	// Encoder gives every passage and query a vector, and searches become
	// hybrid (BM25 and vector similarity); Open makes one from
	// Vectors when it is nil.
	Encoder TextEncoder `json:"-"`
}

// TextEncoder turns a text into a fixed-size vector (see WordVectorEncoder).
type TextEncoder interface {
	Encode(text string) []float32
}

// Consistency levels Weaviate accepts.
var ConsistencyLevels = []string{"ONE", "QUORUM", "ALL"}

var className = regexp.MustCompile(`^[A-Z][_0-9A-Za-z]*$`)

func (o Options) withDefaults() Options {
	if o.Class == "" {
		o.Class = "Passage"
	}
	if o.Consistency == "" {
		o.Consistency = "QUORUM"
	}
	o.Consistency = strings.ToUpper(o.Consistency)
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 250 * time.Millisecond
	}
	if o.Alpha == 0 {
		o.Alpha = 0.5
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	return o
}

// Validate reports options no cluster could accept.
func (o Options) Validate() error {
	o = o.withDefaults()
	if len(o.URLs) == 0 {
		return errors.New("weaviate: no URL; give the REST endpoint of at least one node (--url http://127.0.0.1:8080)")
	}
	for _, u := range o.URLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("weaviate: URL %q: expected http://HOST:PORT", u)
		}
	}
	if !className.MatchString(o.Class) {
		return fmt.Errorf("weaviate: class %q: expected a capital letter then letters, digits or _", o.Class)
	}
	if !slices.Contains(ConsistencyLevels, o.Consistency) {
		return fmt.Errorf("weaviate: consistency %q: expected ONE, QUORUM or ALL", o.Consistency)
	}
	if o.Shards < 0 || o.Replicas < 0 {
		return errors.New("weaviate: shards and replicas must not be negative")
	}
	if o.Alpha < 0 || o.Alpha > 1 {
		return fmt.Errorf("weaviate: alpha %v: expected a weight between 0 and 1", o.Alpha)
	}
	return nil
}

// Index is a retrieve.Index in a Weaviate class: one object per passage,
// with the passage id, article id, title and text as properties, searched
// with Weaviate's BM25 (or hybrid search when the passages carry vectors).
// It is safe for concurrent use.
type Index struct {
	opt    Options
	client *http.Client
	next   atomic.Uint64 // round-robin over opt.URLs

	// factor is the class's replication factor: Weaviate takes a read
	// consistency level only for a replicated class.
	factor int

	mu          sync.Mutex
	consistency string            // may drop to ONE
	downUntil   map[int]time.Time // nodes skipped after a failure, until then

	stats   termStats // the class's term statistics, as far as read
	noStats sync.Once // warns once that there are none
}

// nodeRest is how long a node that failed is left out before it is tried
// again.
const nodeRest = 30 * time.Second

// pickNode returns the next node in turn that is not resting, or the next
// one at all when every node rests.
func (w *Index) pickNode() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.opt.URLs)
	first := int(w.next.Add(1)-1) % n
	for k := 0; k < n; k++ {
		i := (first + k) % n
		if time.Now().After(w.downUntil[i]) {
			if k > 0 {
				w.next.Add(uint64(k))
			}
			return i
		}
	}
	return first
}

// rest leaves node i out for a while after err; it reports the first
// failure of a healthy node through Warn.
func (w *Index) rest(i int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.downUntil == nil {
		w.downUntil = map[int]time.Time{}
	}
	if time.Now().After(w.downUntil[i]) {
		if len(w.opt.URLs) > 1 {
			w.warn("weaviate: node %s failed (%v); using the other nodes for %v", w.opt.URLs[i], err, nodeRest)
		} else {
			w.warn("weaviate: %s failed (%v); trying again", w.opt.URLs[i], err)
		}
	}
	w.downUntil[i] = time.Now().Add(nodeRest)
}

// Open connects to the cluster and checks it is ready. With create
// set it makes the class when it is missing; otherwise a missing class is
// an error.
func Open(ctx context.Context, opt Options, create bool) (*Index, error) {
	w, err := connect(ctx, opt)
	if err != nil {
		return nil, err
	}
	exists, err := w.readClass(ctx)
	if err != nil {
		return nil, err
	}
	if !exists {
		if !create {
			return nil, fmt.Errorf("weaviate %s: no class %s (build the index with %s)", w.opt.URLs[0], w.opt.Class, hint.Command("index build --backend weaviate"))
		}
		if err := w.createClass(ctx); err != nil {
			return nil, err
		}
		if _, err := w.readClass(ctx); err != nil {
			return nil, err
		}
	}
	if err := w.readStatsTotals(ctx); err != nil {
		return nil, err
	}
	if w.opt.Encoder == nil && w.opt.Vectors != "" {
		v, err := wordvec.ReadVectors(w.opt.Vectors, 0)
		if err != nil {
			return nil, err
		}
		w.opt.Encoder = retrieve.NewWordVectorEncoder(v)
	}
	return w, nil
}

// connect checks the options and that a node is ready; it does not
// look at the class.
func connect(ctx context.Context, opt Options) (*Index, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	w := &Index{opt: opt, client: &http.Client{Timeout: opt.Timeout}, consistency: opt.Consistency}
	if err := w.ready(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// Consistency returns the consistency level reads use now: the configured
// one, or ONE after a fallback.
func (w *Index) Consistency() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.consistency
}

func (w *Index) warn(format string, args ...any) {
	if w.opt.Warn != nil {
		w.opt.Warn(fmt.Sprintf(format, args...))
	}
}

// ready waits for one node to answer /v1/.well-known/ready, within the
// retry budget.
func (w *Index) ready(ctx context.Context) error {
	_, err := w.do(ctx, http.MethodGet, "/v1/.well-known/ready", nil, nil)
	if err != nil {
		return fmt.Errorf("weaviate is not reachable at %s: %w (is the server running? %s runs a local one)", strings.Join(w.opt.URLs, ", "), err, hint.Command("weaviate start"))
	}
	return nil
}

// readClass reports whether the class exists and reads its replication
// factor.
func (w *Index) readClass(ctx context.Context) (bool, error) {
	var class struct {
		ReplicationConfig struct {
			Factor int `json:"factor"`
		} `json:"replicationConfig"`
	}
	exists, err := w.getClass(ctx, w.opt.Class, &class)
	if exists {
		w.factor = max(class.ReplicationConfig.Factor, 1)
	}
	return exists, err
}

// getClass reads a class's definition into out; a missing class is not
// an error.
func (w *Index) getClass(ctx context.Context, name string, out any) (exists bool, err error) {
	status, err := w.do(ctx, http.MethodGet, "/v1/schema/"+name, nil, out)
	if status == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

// deleteClass removes a class and its objects; a missing class is not an
// error.
func (w *Index) deleteClass(ctx context.Context, name string) error {
	status, err := w.do(ctx, http.MethodDelete, "/v1/schema/"+name, nil, nil)
	if status == http.StatusNotFound {
		return nil
	}
	return err
}

// passageProperties are the class's properties. The passage id, article
// id, title and text are kept as they are (not searched). What BM25 searches
// is titleTerms and textTerms: the title and text as bleve's English
// analyser (the bleve backend's) splits, lowercases, filters and stems them,
// joined by spaces and tokenized on whitespace. Weaviate's own tokenizers do
// not stem, and with them a query would match other words than with bleve.
func passageProperties() []map[string]any {
	kept := func(name string, filterable bool) map[string]any {
		return map[string]any{"name": name, "dataType": []string{"text"}, "tokenization": "field",
			"indexFilterable": filterable, "indexSearchable": false}
	}
	terms := func(name string) map[string]any {
		return map[string]any{"name": name, "dataType": []string{"text"}, "tokenization": "whitespace",
			"indexFilterable": false, "indexSearchable": true}
	}
	return []map[string]any{kept("passageId", true), kept("articleId", true), kept("title", false), kept("text", false),
		terms("titleTerms"), terms("textTerms")}
}

// analyse returns text as the bleve backend indexes it: its English
// analyser's terms, space-separated.
func analyse(text string) string { return strings.Join(retrieve.Terms(text), " ") }

func (w *Index) createClass(ctx context.Context) error {
	shards := w.opt.Shards
	if shards == 0 {
		shards = len(w.opt.URLs)
	}
	replicas := max(w.opt.Replicas, 1)
	class := map[string]any{
		"class":       w.opt.Class,
		"description": "nerlab retrieval passages",
		"vectorizer":  "none",
		"properties":  passageProperties(),
		// The terms are analysed already (stop words out), and BM25 takes
		// bleve's parameters.
		"invertedIndexConfig": map[string]any{
			"stopwords": map[string]any{"preset": "none"},
			"bm25":      map[string]any{"k1": bm25K1, "b": bm25B},
		},
		"shardingConfig": map[string]any{
			"desiredCount": shards,
		},
		// Asynchronous replication repairs replicas that missed writes
		// while their node was down; without it they drift.
		"replicationConfig": map[string]any{"factor": replicas, "asyncEnabled": replicas > 1},
	}
	if err := w.postClass(ctx, class); err != nil {
		return fmt.Errorf("weaviate: creating class %s (%d shards, %d replicas): %w", w.opt.Class, shards, replicas, err)
	}
	return nil
}

// postClass creates a class; one that exists already is left as it is.
func (w *Index) postClass(ctx context.Context, class map[string]any) error {
	_, err := w.do(ctx, http.MethodPost, "/v1/schema", class, nil)
	if err != nil && strings.Contains(err.Error(), "already exists") {
		return nil // another process created it first
	}
	return err
}

// DeleteClass removes the class, every passage in it, and its term
// statistics.
func (w *Index) DeleteClass(ctx context.Context) error {
	for _, class := range []string{w.StatsClass(), w.opt.Class} {
		if err := w.deleteClass(ctx, class); err != nil {
			return err
		}
	}
	w.setTotals(nil)
	return nil
}

// PassageUUID is the object id of a passage: a name-based (version 5
// style) UUID of its id, so that indexing a passage again replaces it
// instead of adding a copy.
func PassageUUID(passageID string) string { return nameUUID("nerlab-passage", passageID) }

// nameUUID is a version-5-style UUID of a name in a namespace.
func nameUUID(namespace, name string) string {
	h := sha1.Sum([]byte(namespace + "\x00" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// addChunk is the number of passages in one batch request.
const addChunk = 250

// Add stores passages, in batch requests of a few hundred with Workers of
// them in flight; a passage whose id is already stored is replaced.
func (w *Index) Add(ps []retrieve.Passage) error {
	return w.AddContext(context.Background(), ps)
}

// AddContext is Add with a context.
func (w *Index) AddContext(ctx context.Context, ps []retrieve.Passage) error {
	return w.inBatches(ctx, len(ps), addChunk, func(ctx context.Context, start, end int) error { return w.addBatch(ctx, ps[start:end]) })
}

// inBatches calls post for consecutive ranges of n items, chunk long,
// with Workers calls in flight, and returns the first error (after which
// no further range starts, and those under way are cancelled).
func (w *Index) inBatches(ctx context.Context, n, chunk int, post func(ctx context.Context, start, end int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.opt.Workers)
	for start := 0; start < n && gctx.Err() == nil; start += chunk {
		g.Go(func() error { return post(gctx, start, min(start+chunk, n)) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// addBatch stores passages with one batch request.
func (w *Index) addBatch(ctx context.Context, ps []retrieve.Passage) error {
	if len(ps) == 0 {
		return nil
	}
	objects := make([]map[string]any, len(ps))
	ids := make([]string, len(ps))
	for i, p := range ps {
		o := map[string]any{
			"class": w.opt.Class,
			"id":    PassageUUID(p.ID),
			"properties": map[string]any{
				"passageId": p.ID, "articleId": p.ArticleID, "title": p.Title, "text": p.Text,
				"titleTerms": analyse(p.Title), "textTerms": analyse(p.Text),
			},
		}
		if w.opt.Encoder != nil {
			o["vector"] = w.opt.Encoder.Encode(p.Title + " " + p.Text)
		}
		objects[i] = o
		ids[i] = p.ID
	}
	return w.postObjects(ctx, objects, ids, "passages")
}

// postObjects stores objects with one batch request; ids name them in
// errors, what says what they are. Objects that fail because replicas
// could not be reached (a class created a moment ago, a node busy or
// restarting) are sent again, Retries times at most, after a doubling
// Backoff.
func (w *Index) postObjects(ctx context.Context, objects []map[string]any, ids []string, what string) error {
	wait := w.opt.Backoff
	for try := 0; ; try++ {
		var results []struct {
			Result struct {
				Errors *struct {
					Error []struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"errors"`
			} `json:"result"`
		}
		path := "/v1/batch/objects?consistency_level=" + w.opt.Consistency
		if _, err := w.do(ctx, http.MethodPost, path, map[string]any{"objects": objects}, &results); err != nil {
			return fmt.Errorf("weaviate: indexing %d %s: %w", len(objects), what, err)
		}
		// A batch request succeeds as a whole even when objects fail.
		var failed []int
		var first string
		transient := true
		for i, r := range results {
			if r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 && i < len(objects) {
				msg := r.Result.Errors.Error[0].Message
				if len(failed) == 0 {
					first = ids[i] + ": " + msg
				}
				failed = append(failed, i)
				transient = transient && isReplicaError(msg)
			}
		}
		if len(failed) == 0 {
			return nil
		}
		if !transient || try >= w.opt.Retries {
			return fmt.Errorf("weaviate: %d of %d %s were not indexed; first: %s", len(failed), len(objects), what, first)
		}
		again, againIDs := make([]map[string]any, len(failed)), make([]string, len(failed))
		for j, i := range failed {
			again[j], againIDs[j] = objects[i], ids[i]
		}
		objects, ids = again, againIDs
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// graphQLString quotes s as a GraphQL string literal (JSON's escapes are
// GraphQL's).
func graphQLString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimRight(b.String(), "\n")
}

// Search runs a BM25 query over the passages' text and (weighted lower)
// title, or a hybrid query when the index has an Encoder. Equal scores are
// ordered by passage id, as retrieve.BleveIndex does.
func (w *Index) Search(q string, k int) ([]retrieve.Hit, error) {
	return w.SearchContext(context.Background(), q, k)
}

// SearchContext is Search with a context.
func (w *Index) SearchContext(ctx context.Context, q string, k int) ([]retrieve.Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	for {
		level := w.Consistency()
		hits, err := w.search(ctx, q, k, level)
		if err == nil || level == "ONE" || w.factor < 2 || !isReplicaError(err.Error()) {
			return hits, err
		}
		w.mu.Lock()
		if w.consistency == level {
			w.consistency = "ONE"
			w.warn("weaviate: reads at consistency %s fail (%v); continuing with consistency ONE", level, err)
		}
		w.mu.Unlock()
	}
}

// isReplicaError tells a request that failed for want of replicas (a node
// down) from other failures, by its error message.
func isReplicaError(msg string) bool {
	msg = strings.ToLower(msg)
	for _, s := range []string{"consistency", "replica", "cannot achieve", "not enough", "connection refused", "no such host", "broadcast"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// titleWeight is the title's share in a passage's score, as in the bleve
// backend.
const titleWeight = retrieve.TitleBoost

// searchFields are the properties a search returns of each passage.
const searchFields = `passageId articleId title text titleTerms textTerms _additional { score }`

// searchHit is one passage as a search returns it.
type searchHit struct {
	PassageID  string `json:"passageId"`
	ArticleID  string `json:"articleId"`
	Title      string `json:"title"`
	Text       string `json:"text"`
	TitleTerms string `json:"titleTerms"`
	TextTerms  string `json:"textTerms"`
	Additional struct {
		Score json.RawMessage `json:"score"`
	} `json:"_additional"`
}

func (o searchHit) hit() retrieve.Hit {
	return retrieve.Hit{Passage: retrieve.Passage{ID: o.PassageID, ArticleID: o.ArticleID, Title: o.Title, Text: o.Text}}
}

// search runs one query at the given read consistency: hybrid when the
// index has an Encoder, else BM25 scored as bleve scores it.
func (w *Index) search(ctx context.Context, q string, k int, level string) ([]retrieve.Hit, error) {
	terms := analyse(q)
	consistency := ""
	if w.factor > 1 {
		consistency = ", consistencyLevel: " + level
	}
	var hits []retrieve.Hit
	var err error
	if w.opt.Encoder != nil {
		hits, err = w.hybridSearch(ctx, q, terms, 2*k+10, consistency) // more than k, so that a tie at the cut is settled by id
	} else if terms != "" { // only stop words: bleve finds nothing either
		hits, err = w.bm25Search(ctx, terms, k, consistency)
	}
	if err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}
	retrieve.SortHits(hits)
	return hits[:min(k, len(hits))], nil
}

// hybridSearch fuses BM25 over the analysed terms (title at half weight)
// with the similarity of q's vector to the passages'; Weaviate's fused
// score is the passage's score. A passage may match by its vector alone.
func (w *Index) hybridSearch(ctx context.Context, q, terms string, limit int, consistency string) ([]retrieve.Hit, error) {
	vec, err := json.Marshal(w.opt.Encoder.Encode(q))
	if err != nil {
		return nil, err
	}
	query := fmt.Sprintf(`{ Get { %s(hybrid: {query: %s, vector: %s, alpha: %g, properties: ["textTerms", "titleTerms^%g"]}%s, limit: %d) { %s } } }`,
		w.opt.Class, graphQLString(terms), vec, w.opt.Alpha, titleWeight, consistency, limit, searchFields)
	var data struct {
		Get map[string][]searchHit `json:"Get"`
	}
	if err := w.graphQL(ctx, query, &data); err != nil {
		return nil, err
	}
	var hits []retrieve.Hit
	for _, o := range data.Get[w.opt.Class] {
		h := o.hit()
		if h.Score, err = parseScore(o.Additional.Score); err != nil {
			return nil, fmt.Errorf("passage %s: %w", o.PassageID, err)
		}
		hits = append(hits, h)
	}
	return hits, nil
}

// bm25Search asks Weaviate's BM25 for the passages that match the terms
// in their text and those that match them in their title (two aliased
// queries in one request, with the term statistics not read yet), and
// scores them as retrieve.BleveIndex scores them (bm25.go), with the class's term
// statistics. Weaviate's own scores order the pool it returns: the pool
// is larger than k (poolSize) because they rank differently. A class
// without statistics is ranked by Weaviate's scores instead, combined as
// bleve combines fields (bleveLikeScore), and a warning says so.
func (w *Index) bm25Search(ctx context.Context, terms string, k int, consistency string) ([]retrieve.Hit, error) {
	queryTerms := strings.Fields(terms)
	missing, haveStats := w.missingBuckets(queryTerms)
	limit := 2*k + 10 // more than k, so that a tie at the cut is settled by id
	if haveStats {
		limit = poolSize(k)
	}
	arg := func(property string) string {
		return fmt.Sprintf(`bm25: {query: %s, properties: [%q]}%s, limit: %d`, graphQLString(terms), property, consistency, limit)
	}
	query := fmt.Sprintf(`text: %s(%s) { %s } title: %s(%s) { %s }`,
		w.opt.Class, arg("textTerms"), searchFields, w.opt.Class, arg("titleTerms"), searchFields)
	if len(missing) > 0 {
		query += fmt.Sprintf(` stats: %s(%s%s, limit: %d) { %s }`, w.StatsClass(), bucketsWhere(missing), consistency, len(missing), statsFields)
	}
	var data struct {
		Get struct {
			Text  []searchHit   `json:"text"`
			Title []searchHit   `json:"title"`
			Stats []statsObject `json:"stats"`
		} `json:"Get"`
	}
	if err := w.graphQL(ctx, "{ Get { "+query+" } }", &data); err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		if err := w.keepBuckets(missing, data.Get.Stats); err != nil {
			return nil, err
		}
	}
	type scored struct {
		searchHit
		text, title float64 // Weaviate's BM25 of each field
	}
	byID := map[string]*scored{}
	var order []string
	add := func(objs []searchHit, title bool) error {
		for _, o := range objs {
			score, err := parseScore(o.Additional.Score)
			if err != nil {
				return fmt.Errorf("passage %s: %w", o.PassageID, err)
			}
			sc, ok := byID[o.PassageID]
			if !ok {
				sc = &scored{searchHit: o}
				byID[o.PassageID] = sc
				order = append(order, o.PassageID)
			}
			if title {
				sc.title = score
			} else {
				sc.text = score
			}
		}
		return nil
	}
	if err := add(data.Get.Text, false); err != nil {
		return nil, err
	}
	if err := add(data.Get.Title, true); err != nil {
		return nil, err
	}
	var bq *bleveQuery
	if haveStats {
		bq = w.bleveScorer(queryTerms)
	}
	if bq == nil {
		w.noStats.Do(func() {
			w.warn("weaviate: class %s has no term statistics; passages are ranked by Weaviate's BM25, which ranks differently from the bleve backend (%s writes them)", w.opt.Class, hint.Command("index build"))
		})
	}
	hits := make([]retrieve.Hit, len(order))
	for i, id := range order {
		sc := byID[id]
		hits[i] = sc.hit()
		fields := analysedFields(sc.TextTerms, sc.TitleTerms)
		if bq != nil {
			hits[i].Score = bq.score(fields)
		} else {
			hits[i].Score = bleveLikeScore(queryTerms, fields, sc.text, sc.title)
		}
	}
	return hits, nil
}

// poolSize is how many candidates per field a search for k passages asks
// Weaviate for before re-scoring them.
func poolSize(k int) int { return 4*k + 20 }

// bleveLikeScore combines Weaviate's BM25 scores of a passage's fields as
// bleve combines its fields' scores (combineFields), the title at weight
// 0.5.
func bleveLikeScore(queryTerms []string, fields [numFields][]string, text, title float64) float64 {
	var matched [numFields]int
	for f := range fields {
		have := map[string]bool{}
		for _, t := range fields[f] {
			have[t] = true
		}
		for _, t := range queryTerms {
			if have[t] {
				matched[f]++
			}
		}
	}
	return combineFields([numFields]float64{textField: text, titleField: titleWeight * title}, matched, len(queryTerms))
}

// graphQL posts a GraphQL query and decodes its data into out; the
// query's own errors come back as a *graphQLError.
func (w *Index) graphQL(ctx context.Context, query string, out any) error {
	var res struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := w.do(ctx, http.MethodPost, "/v1/graphql", map[string]any{"query": query}, &res); err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return &graphQLError{res.Errors[0].Message}
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		return fmt.Errorf("unexpected answer (%v): %.200s", err, res.Data)
	}
	return nil
}

// graphQLError is an error a GraphQL query answered with.
type graphQLError struct{ msg string }

func (e *graphQLError) Error() string { return e.msg }

// parseScore reads _additional.score, which Weaviate sends as a string.
func parseScore(raw json.RawMessage) (float64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strconv.ParseFloat(s, 64)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, fmt.Errorf("score %s is not a number", raw)
	}
	return f, nil
}

// Count returns the number of passages in the class. It asks for an
// aggregate; when that fails because replicas are down, it adds up the
// shards' object counts that the live nodes report (each shard once),
// statistics that Weaviate updates some time after writes.
func (w *Index) Count() (uint64, error) {
	ctx := context.Background()
	var data struct {
		Aggregate map[string][]struct {
			Meta struct {
				Count uint64 `json:"count"`
			} `json:"meta"`
		} `json:"Aggregate"`
	}
	err := w.graphQL(ctx, fmt.Sprintf(`{ Aggregate { %s { meta { count } } } }`, w.opt.Class), &data)
	var gerr *graphQLError
	if errors.As(err, &gerr) && w.factor > 1 && isReplicaError(gerr.msg) {
		return w.countFromNodes(ctx, gerr.msg)
	}
	if err != nil {
		return 0, fmt.Errorf("weaviate: count: %w", err)
	}
	rows := data.Aggregate[w.opt.Class]
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Meta.Count, nil
}

func (w *Index) countFromNodes(ctx context.Context, why string) (uint64, error) {
	var nodes struct {
		Nodes []struct {
			Shards []struct {
				Name        string `json:"name"`
				Class       string `json:"class"`
				ObjectCount uint64 `json:"objectCount"`
			} `json:"shards"`
		} `json:"nodes"`
	}
	if _, err := w.do(ctx, http.MethodGet, "/v1/nodes/"+w.opt.Class+"?output=verbose", nil, &nodes); err != nil {
		return 0, fmt.Errorf("weaviate: count: %s; node statistics: %w", why, err)
	}
	perShard := map[string]uint64{}
	for _, n := range nodes.Nodes {
		for _, sh := range n.Shards {
			if sh.Class == w.opt.Class {
				perShard[sh.Name] = max(perShard[sh.Name], sh.ObjectCount)
			}
		}
	}
	var total uint64
	for _, c := range perShard {
		total += c
	}
	w.warn("weaviate: counted from the nodes' shard statistics, which lag behind recent writes (%s)", why)
	return total, nil
}

// Close releases idle connections; the cluster keeps the passages.
func (w *Index) Close() error {
	w.client.CloseIdleConnections()
	return nil
}

// httpError is a response with a status that is not 2xx.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.status, e.body)
}

// retryable says whether another node (or the same one later) may answer
// a request that failed with err: network failures, timeouts and server
// errors are; a request the server rejected (4xx) is not.
func retryable(err error) bool {
	var he *httpError
	if errors.As(err, &he) {
		return he.status >= 500 || he.status == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "connection reset")
}

// do sends a JSON request to the nodes in turn until one answers, with
// Retries more tries after the first and a doubling Backoff between them,
// and decodes a JSON answer into out (when non-nil). It returns the last
// HTTP status seen (0 when no node answered).
func (w *Index) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	wait := w.opt.Backoff
	var lastErr error
	status := 0
	for try := 0; try <= w.opt.Retries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return status, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		node := w.pickNode()
		base := w.opt.URLs[node]
		var err error
		status, err = w.once(ctx, method, strings.TrimRight(base, "/")+path, payload, out)
		if err == nil {
			return status, nil
		}
		lastErr = fmt.Errorf("%s: %w", base, err)
		if !retryable(err) || ctx.Err() != nil {
			return status, lastErr
		}
		w.rest(node, err)
	}
	return status, lastErr
}

func (w *Index) once(ctx context.Context, method, url string, payload []byte, out any) (int, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		return resp.StatusCode, &httpError{status: resp.StatusCode, body: msg}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("unexpected answer (%v): %.200s", err, data)
		}
	}
	return resp.StatusCode, nil
}

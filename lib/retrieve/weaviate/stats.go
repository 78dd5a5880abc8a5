package weaviate

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/nerlab/nerlab/lib/hint"
)

// Term statistics let a Weaviate index rank passages as the bleve backend
// does (bm25.go). Weaviate's own BM25 keeps its statistics per shard and
// scores differently, so a search asks it for a pool of candidates and
// re-scores them; the scores need each query term's document frequency in
// the whole class, and the class's size and dictionary sizes. Those live
// in a companion class, <Class>TermStats. Its terms are spread over
// buckets by a hash, one object per bucket holding a few hundred terms
// with their counts (an object per term made writing them take longer
// than indexing the passages), and one totals object says how many
// buckets there are. Build writes it when it has added passages
// (WriteStats). A search reads the buckets of its terms with the
// candidates, in one request, and keeps them.

// termsPerBucket is about how many terms one statistics object holds.
const termsPerBucket = 256

// totalsBucket is the bucket number of the totals object.
const totalsBucket = -1

// statsScanPage is the number of passages one request of the statistics
// scan reads.
const statsScanPage = 2000

// statsChunk is the number of statistics objects in one batch request.
const statsChunk = 50

// statsObject is one object of the statistics class: a bucket of terms
// and, index for index, the number of passages whose text and whose title
// hold each; or, for the totals object, the number of passages (Docs),
// the fields' dictionary sizes (Text[0], Title[0]) and the number of
// buckets.
type statsObject struct {
	Bucket  int      `json:"bucket"`
	Terms   []string `json:"terms"`
	Text    []uint64 `json:"text"`
	Title   []uint64 `json:"title"`
	Docs    uint64   `json:"docs"`
	Buckets int      `json:"buckets"`
}

// statsFields are the statistics object properties a query asks for.
const statsFields = "bucket terms text title docs buckets"

// termStats is what an Index knows of its statistics.
type termStats struct {
	mu      sync.RWMutex
	totals  *CollectionStats // nil: the class has no statistics
	buckets int
	df      map[int]map[string][numFields]uint64 // the buckets read so far
}

// bucketOf is the bucket a term's counts are kept in.
func bucketOf(term string, buckets int) int {
	h := fnv.New32a()
	h.Write([]byte(term))
	return int(h.Sum32() % uint32(buckets))
}

// StatsClass is the name of the class that holds the term statistics.
func (w *Index) StatsClass() string { return w.opt.Class + "TermStats" }

// readStatsTotals reads the statistics' totals object, if there is one,
// and forgets the buckets read before.
func (w *Index) readStatsTotals(ctx context.Context) error {
	w.setTotals(nil)
	ours, err := w.statsClassIsOurs(ctx)
	if err != nil || !ours {
		return err
	}
	objs, err := w.readBuckets(ctx, []int{totalsBucket}, "")
	if err != nil {
		return err
	}
	if len(objs) == 1 && objs[0].Buckets > 0 && len(objs[0].Text) == 1 && len(objs[0].Title) == 1 {
		w.setTotals(&objs[0])
	}
	return nil
}

// statsClassIsOurs reports whether the statistics class exists with the
// properties this version of nerlab writes (a class of that name with
// other properties is not read, and WriteStats replaces it).
func (w *Index) statsClassIsOurs(ctx context.Context) (bool, error) {
	var class struct {
		Properties []struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	exists, err := w.getClass(ctx, w.StatsClass(), &class)
	if !exists {
		return false, err
	}
	have := map[string]bool{}
	for _, p := range class.Properties {
		have[p.Name] = true
	}
	for _, name := range strings.Fields(statsFields) {
		if !have[name] {
			return false, nil
		}
	}
	return true, nil
}

func (w *Index) setTotals(o *statsObject) {
	w.stats.mu.Lock()
	defer w.stats.mu.Unlock()
	w.stats.totals, w.stats.buckets, w.stats.df = nil, 0, nil
	if o != nil {
		w.stats.totals = &CollectionStats{Docs: o.Docs, Vocabulary: [numFields]uint64{textField: o.Text[0], titleField: o.Title[0]}}
		w.stats.buckets = o.Buckets
	}
}

// StatsDocs returns the number of passages the term statistics describe
// (0: there are none).
func (w *Index) StatsDocs(ctx context.Context) (uint64, error) {
	if err := w.readStatsTotals(ctx); err != nil {
		return 0, err
	}
	w.stats.mu.RLock()
	defer w.stats.mu.RUnlock()
	if w.stats.totals == nil {
		return 0, nil
	}
	return w.stats.totals.Docs, nil
}

// WriteStats counts the terms of every passage in the class (reading them
// all, page by page) and writes the statistics class; progress, when not
// nil, is told how many passages have been read. Objects are replaced in
// place, the totals last.
func (w *Index) WriteStats(ctx context.Context, progress func(read int)) error {
	counts, docs, err := w.countTerms(ctx, progress)
	if err != nil {
		return err
	}
	return w.writeStats(ctx, counts, docs)
}

// countTerms reads every passage's analysed terms, statsScanPage at a
// time with Weaviate's cursor, and counts them.
func (w *Index) countTerms(ctx context.Context, progress func(read int)) (termCounts, uint64, error) {
	counts := newTermCounts()
	var docs uint64
	if progress != nil {
		progress(0)
	}
	cursor := ""
	for {
		var data struct {
			Get map[string][]struct {
				TextTerms  string `json:"textTerms"`
				TitleTerms string `json:"titleTerms"`
				Additional struct {
					ID string `json:"id"`
				} `json:"_additional"`
			} `json:"Get"`
		}
		q := fmt.Sprintf(`{ Get { %s(limit: %d%s) { textTerms titleTerms _additional { id } } } }`, w.opt.Class, statsScanPage, cursor)
		if err := w.graphQL(ctx, q, &data); err != nil {
			return counts, 0, fmt.Errorf("weaviate: reading the passages of %s for term statistics: %w", w.opt.Class, err)
		}
		page := data.Get[w.opt.Class]
		for _, o := range page {
			counts.add(analysedFields(o.TextTerms, o.TitleTerms))
		}
		docs += uint64(len(page))
		if progress != nil {
			progress(int(docs))
		}
		if len(page) < statsScanPage {
			return counts, docs, nil
		}
		cursor = ", after: " + graphQLString(page[len(page)-1].Additional.ID)
	}
}

// writeStats writes the statistics class from the counts of docs
// passages.
func (w *Index) writeStats(ctx context.Context, counts termCounts, docs uint64) error {
	class := map[string]any{
		"class":       w.StatsClass(),
		"description": "nerlab term statistics of class " + w.opt.Class,
		"vectorizer":  "none",
		"properties": []map[string]any{
			{"name": "bucket", "dataType": []string{"int"}, "indexFilterable": true},
			{"name": "terms", "dataType": []string{"text[]"}, "tokenization": "field", "indexFilterable": false, "indexSearchable": false},
			{"name": "text", "dataType": []string{"int[]"}, "indexFilterable": false},
			{"name": "title", "dataType": []string{"int[]"}, "indexFilterable": false},
			{"name": "docs", "dataType": []string{"int"}, "indexFilterable": false},
			{"name": "buckets", "dataType": []string{"int"}, "indexFilterable": false},
		},
		"shardingConfig":    map[string]any{"desiredCount": 1},
		"replicationConfig": map[string]any{"factor": w.factor, "asyncEnabled": w.factor > 1},
	}
	ours, err := w.statsClassIsOurs(ctx)
	if err != nil {
		return err
	}
	if !ours { // missing, or written by another version: made anew
		if err := w.deleteClass(ctx, w.StatsClass()); err != nil {
			return fmt.Errorf("weaviate: replacing class %s: %w", w.StatsClass(), err)
		}
		if err := w.postClass(ctx, class); err != nil {
			return fmt.Errorf("weaviate: creating class %s: %w", w.StatsClass(), err)
		}
	}
	vocabulary := map[string]bool{}
	for f := range counts {
		for t := range counts[f] {
			vocabulary[t] = true
		}
	}
	buckets := max(1, (len(vocabulary)+termsPerBucket-1)/termsPerBucket)
	objs := make([]statsObject, buckets)
	for b := range objs {
		objs[b] = statsObject{Bucket: b, Terms: []string{}, Text: []uint64{}, Title: []uint64{}}
	}
	for t := range vocabulary {
		o := &objs[bucketOf(t, buckets)]
		o.Terms = append(o.Terms, t)
		o.Text = append(o.Text, counts.df(textField, t))
		o.Title = append(o.Title, counts.df(titleField, t))
	}
	post := func(ctx context.Context, objs []statsObject) error {
		batch := make([]map[string]any, len(objs))
		ids := make([]string, len(objs))
		for i, o := range objs {
			ids[i] = "bucket " + strconv.Itoa(o.Bucket)
			batch[i] = map[string]any{"class": w.StatsClass(), "id": nameUUID("nerlab-terms", ids[i]), "properties": o}
		}
		return w.postObjects(ctx, batch, ids, "term statistics")
	}
	if err := w.inBatches(ctx, len(objs), statsChunk, func(ctx context.Context, start, end int) error { return post(ctx, objs[start:end]) }); err != nil {
		return err
	}
	stats := counts.stats(docs)
	totals := statsObject{Bucket: totalsBucket, Terms: []string{}, Docs: docs, Buckets: buckets,
		Text: []uint64{stats.Vocabulary[textField]}, Title: []uint64{stats.Vocabulary[titleField]}}
	if err := post(ctx, []statsObject{totals}); err != nil {
		return err
	}
	w.setTotals(&totals)
	return nil
}

// readBuckets reads statistics objects by bucket number.
func (w *Index) readBuckets(ctx context.Context, buckets []int, consistency string) ([]statsObject, error) {
	var data struct {
		Get map[string][]statsObject `json:"Get"`
	}
	if err := w.graphQL(ctx, fmt.Sprintf(`{ Get { %s(%s%s, limit: %d) { %s } } }`,
		w.StatsClass(), bucketsWhere(buckets), consistency, len(buckets), statsFields), &data); err != nil {
		return nil, fmt.Errorf("weaviate: reading term statistics: %w", err)
	}
	return data.Get[w.StatsClass()], nil
}

// bucketsWhere is the filter that selects statistics objects by bucket.
func bucketsWhere(buckets []int) string {
	nums := make([]string, len(buckets))
	for i, b := range buckets {
		nums[i] = strconv.Itoa(b)
	}
	return fmt.Sprintf(`where: {path: ["bucket"], operator: ContainsAny, valueInt: [%s]}`, strings.Join(nums, ", "))
}

// missingBuckets returns the buckets of the terms that have not been read
// yet; ok is false when the class has no statistics.
func (w *Index) missingBuckets(terms []string) (missing []int, ok bool) {
	w.stats.mu.RLock()
	defer w.stats.mu.RUnlock()
	if w.stats.totals == nil {
		return nil, false
	}
	seen := map[int]bool{}
	for _, t := range terms {
		b := bucketOf(t, w.stats.buckets)
		if _, have := w.stats.df[b]; !have && !seen[b] {
			seen[b] = true
			missing = append(missing, b)
		}
	}
	return missing, true
}

// keepBuckets records the statistics objects read for the asked buckets
// (a bucket without an object holds no term).
func (w *Index) keepBuckets(asked []int, objs []statsObject) error {
	w.stats.mu.Lock()
	defer w.stats.mu.Unlock()
	if w.stats.df == nil {
		w.stats.df = map[int]map[string][numFields]uint64{}
	}
	for _, b := range asked {
		w.stats.df[b] = map[string][numFields]uint64{}
	}
	for _, o := range objs {
		if len(o.Text) != len(o.Terms) || len(o.Title) != len(o.Terms) {
			return fmt.Errorf("weaviate: %s bucket %d holds %d terms but %d and %d counts; rebuild the statistics with %s", w.StatsClass(), o.Bucket, len(o.Terms), len(o.Text), len(o.Title), hint.Command("index build"))
		}
		m := map[string][numFields]uint64{}
		for i, t := range o.Terms {
			m[t] = [numFields]uint64{textField: o.Text[i], titleField: o.Title[i]}
		}
		w.stats.df[o.Bucket] = m
	}
	return nil
}

// bleveScorer returns the scorer of a query's terms from the statistics
// read so far, or nil when there are none.
func (w *Index) bleveScorer(terms []string) *bleveQuery {
	w.stats.mu.RLock()
	defer w.stats.mu.RUnlock()
	if w.stats.totals == nil {
		return nil
	}
	return newBleveQuery(terms, *w.stats.totals, func(f int, t string) uint64 {
		return w.stats.df[bucketOf(t, w.stats.buckets)][t][f]
	})
}

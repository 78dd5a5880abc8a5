package retrieve

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Term statistics let a Weaviate index rank passages as the bleve backend
// does (bm25.go). Weaviate's own BM25 keeps its statistics per shard and
// scores differently, so a search asks it for a pool of candidates and
// re-scores them; the scores need each query term's document frequency in
// the whole class, and the class's size and dictionary sizes. Those live
// in a companion class, <Class>TermStats: one object per term, and one
// totals object. Build writes it when it has added passages (WriteStats); a
// search reads the rows of its terms with the candidates, in one request,
// and keeps them.

// statsTotals is the term of the totals object; the analyser never makes
// a term with '#'.
const statsTotals = "#totals"

// statsScanPage is the number of passages one request of the statistics
// scan reads.
const statsScanPage = 2000

// statsChunk is the number of statistics rows in one batch request (they
// are small).
const statsChunk = 1000

// statsRow is one object of the statistics class. For the totals object,
// Text and Title are the fields' dictionary sizes and Docs the number of
// passages.
type statsRow struct {
	Term  string `json:"term"`
	Text  uint64 `json:"text"`
	Title uint64 `json:"title"`
	Docs  uint64 `json:"docs"`
}

// termStats is what a WeaviateIndex knows of its statistics.
type termStats struct {
	mu     sync.RWMutex
	exists bool // the statistics class exists
	totals *CollectionStats
	df     map[string][numFields]uint64 // rows read so far; zeros: no row
}

// StatsClass is the name of the class that holds the term statistics.
func (w *WeaviateIndex) StatsClass() string { return w.opt.Class + "TermStats" }

// readStatsClass notes whether the statistics class exists.
func (w *WeaviateIndex) readStatsClass(ctx context.Context) error {
	status, err := w.do(ctx, http.MethodGet, "/v1/schema/"+w.StatsClass(), nil, nil)
	if status == http.StatusNotFound {
		err = nil
	}
	w.stats.mu.Lock()
	w.stats.exists = err == nil && status != http.StatusNotFound
	w.stats.mu.Unlock()
	return err
}

// StatsDocs returns the number of passages the term statistics describe
// (0: there are none).
func (w *WeaviateIndex) StatsDocs(ctx context.Context) (uint64, error) {
	if err := w.readStatsClass(ctx); err != nil {
		return 0, err
	}
	w.stats.mu.RLock()
	exists := w.stats.exists
	w.stats.mu.RUnlock()
	if !exists {
		return 0, nil
	}
	rows, err := w.readStats(ctx, []string{statsTotals}, "")
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if r.Term == statsTotals {
			return r.Docs, nil
		}
	}
	return 0, nil
}

// WriteStats counts the terms of every passage in the class (reading them
// all, page by page) and writes the statistics class; progress, when not
// nil, is told how many passages have been read. Rows are replaced in
// place, the totals last.
func (w *WeaviateIndex) WriteStats(ctx context.Context, progress func(read int)) error {
	var df [numFields]map[string]uint64
	for f := range df {
		df[f] = map[string]uint64{}
	}
	var docs uint64
	if progress != nil {
		progress(0)
	}
	after := ""
	for {
		cursor := ""
		if after != "" {
			cursor = ", after: " + graphQLString(after)
		}
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
			return fmt.Errorf("weaviate: reading the passages of %s for term statistics: %w", w.opt.Class, err)
		}
		page := data.Get[w.opt.Class]
		for _, o := range page {
			fields := analysedFields(o.TextTerms, o.TitleTerms)
			for f := range fields {
				seen := map[string]bool{}
				for _, t := range fields[f] {
					if !seen[t] {
						seen[t] = true
						df[f][t]++
					}
				}
			}
			docs++
		}
		if progress != nil {
			progress(int(docs))
		}
		if len(page) < statsScanPage {
			break
		}
		after = page[len(page)-1].Additional.ID
	}

	class := map[string]any{
		"class":       w.StatsClass(),
		"description": "nerlab term statistics of class " + w.opt.Class,
		"vectorizer":  "none",
		"properties": []map[string]any{
			{"name": "term", "dataType": []string{"text"}, "tokenization": "field", "indexFilterable": true, "indexSearchable": false},
			{"name": "text", "dataType": []string{"int"}, "indexFilterable": false},
			{"name": "title", "dataType": []string{"int"}, "indexFilterable": false},
			{"name": "docs", "dataType": []string{"int"}, "indexFilterable": false},
		},
		"shardingConfig":    map[string]any{"desiredCount": 1},
		"replicationConfig": map[string]any{"factor": w.factor, "asyncEnabled": w.factor > 1},
	}
	if err := w.postClass(ctx, class); err != nil {
		return fmt.Errorf("weaviate: creating class %s: %w", w.StatsClass(), err)
	}
	var rows []statsRow
	seen := map[string]bool{}
	for f := range df {
		for t := range df[f] {
			if !seen[t] {
				seen[t] = true
				rows = append(rows, statsRow{Term: t, Text: df[textField][t], Title: df[titleField][t]})
			}
		}
	}
	post := func(rows []statsRow) error {
		objects := make([]map[string]any, len(rows))
		ids := make([]string, len(rows))
		for i, r := range rows {
			objects[i] = map[string]any{"class": w.StatsClass(), "id": nameUUID("nerlab-term", r.Term),
				"properties": map[string]any{"term": r.Term, "text": r.Text, "title": r.Title, "docs": r.Docs}}
			ids[i] = r.Term
		}
		return w.postObjects(ctx, objects, ids, "term statistics")
	}
	if err := w.inBatches(ctx, len(rows), statsChunk, func(start, end int) error { return post(rows[start:end]) }); err != nil {
		return err
	}
	totals := statsRow{Term: statsTotals, Text: uint64(len(df[textField])), Title: uint64(len(df[titleField])), Docs: docs}
	if err := post([]statsRow{totals}); err != nil {
		return err
	}
	w.stats.mu.Lock()
	w.stats.exists, w.stats.totals, w.stats.df = true, nil, nil
	w.stats.mu.Unlock()
	return nil
}

// readStats reads the statistics rows of terms (those that have one).
func (w *WeaviateIndex) readStats(ctx context.Context, terms []string, consistency string) ([]statsRow, error) {
	var data struct {
		Get map[string][]statsRow `json:"Get"`
	}
	if err := w.graphQL(ctx, fmt.Sprintf(`{ Get { %s(%s%s, limit: %d) { term text title docs } } }`,
		w.StatsClass(), statsWhere(terms), consistency, len(terms)), &data); err != nil {
		return nil, fmt.Errorf("weaviate: reading term statistics: %w", err)
	}
	return data.Get[w.StatsClass()], nil
}

// statsWhere is the filter that selects the rows of terms.
func statsWhere(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = graphQLString(t)
	}
	return fmt.Sprintf(`where: {path: ["term"], operator: ContainsAny, valueText: [%s]}`, strings.Join(quoted, ", "))
}

// missingStats returns the terms (and the totals) whose rows have not been
// read yet; ok is false when the class has no statistics.
func (w *WeaviateIndex) missingStats(terms []string) (missing []string, ok bool) {
	w.stats.mu.RLock()
	defer w.stats.mu.RUnlock()
	if !w.stats.exists {
		return nil, false
	}
	if w.stats.totals == nil {
		missing = append(missing, statsTotals)
	}
	seen := map[string]bool{}
	for _, t := range terms {
		if _, have := w.stats.df[t]; !have && !seen[t] {
			seen[t] = true
			missing = append(missing, t)
		}
	}
	return missing, true
}

// keepStats records the rows read for the asked terms (a term without a
// row is recorded too).
func (w *WeaviateIndex) keepStats(asked []string, rows []statsRow) {
	w.stats.mu.Lock()
	defer w.stats.mu.Unlock()
	if w.stats.df == nil {
		w.stats.df = map[string][numFields]uint64{}
	}
	for _, t := range asked {
		if t != statsTotals {
			w.stats.df[t] = [numFields]uint64{}
		}
	}
	for _, r := range rows {
		if r.Term == statsTotals {
			w.stats.totals = &CollectionStats{Docs: r.Docs, Vocabulary: [numFields]uint64{textField: r.Text, titleField: r.Title}}
		} else {
			w.stats.df[r.Term] = [numFields]uint64{textField: r.Text, titleField: r.Title}
		}
	}
}

// bleveScorer returns the scorer of a query's terms from the statistics
// read so far, or nil when they lack the totals.
func (w *WeaviateIndex) bleveScorer(terms []string) *bleveQuery {
	w.stats.mu.RLock()
	defer w.stats.mu.RUnlock()
	if w.stats.totals == nil {
		return nil
	}
	return newBleveQuery(terms, *w.stats.totals, func(f int, t string) uint64 { return w.stats.df[t][f] })
}

package retrieve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
)

// Index is a searchable store of passages. The embedded bleve index is
// the default; a search server can stand in behind the same interface
// for corpora that outgrow one machine.
type Index interface {
	// Add stores passages (a passage with an ID already stored replaces it).
	Add(ps []Passage) error
	// Search returns up to k passages for a free-text query, best first.
	Search(q string, k int) ([]Hit, error)
	// Count returns the number of stored passages.
	Count() (uint64, error)
	Close() error
}

// Hit is a retrieved passage and its search score.
type Hit struct {
	Passage
	Score float64 `json:"score"`
	// Tokens is Text as corpus.Tokenize splits it, filled in once by
	// Retrieve for the re-rankers that read it and for the kept passages
	// (nil from Search).
	Tokens []string `json:"-"`
}

// tokens returns Tokens, or tokenizes Text when they were not filled in.
func (h Hit) tokens() []string {
	if h.Tokens != nil {
		return h.Tokens
	}
	return corpus.Tokenize(h.Text)
}

// BleveIndex is an Index in a bleve index folder, scored with BM25.
type BleveIndex struct {
	dir string
	idx bleve.Index

	mu    sync.Mutex
	stats *search.BM25Stats // for the documents the index held when counted; nil: count again
}

// bleveSub is the bleve index inside an index folder (the folder also
// holds the build manifest).
const bleveSub = "bleve"

func passageMapping() *mapping.IndexMappingImpl {
	text := bleve.NewTextFieldMapping()
	text.Analyzer = "en"
	text.Store = true
	title := bleve.NewTextFieldMapping()
	title.Analyzer = "en"
	title.Store = true
	id := bleve.NewKeywordFieldMapping()
	id.Store = true
	id.Index = false
	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt("text", text)
	doc.AddFieldMappingsAt("title", title)
	doc.AddFieldMappingsAt("article_id", id)
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.ScoringModel = index.BM25Scoring
	return m
}

// CreateBleve makes a new, empty index in dir (which must not hold one).
func CreateBleve(dir string) (*BleveIndex, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	idx, err := bleve.New(filepath.Join(dir, bleveSub), passageMapping())
	if err != nil {
		return nil, fmt.Errorf("creating the index in %s: %w", dir, err)
	}
	return &BleveIndex{dir: dir, idx: idx}, nil
}

// ErrNoIndex is returned by OpenBleve for a folder without an index.
var ErrNoIndex = errors.New("no index")

// OpenBleve opens the index in dir.
func OpenBleve(dir string) (*BleveIndex, error) {
	if _, err := os.Stat(filepath.Join(dir, bleveSub)); err != nil {
		return nil, fmt.Errorf("%s: %w (build one with %s)", dir, ErrNoIndex, hint.Command("index build --corpus FILE --out "+dir))
	}
	idx, err := bleve.Open(filepath.Join(dir, bleveSub))
	if err != nil {
		return nil, fmt.Errorf("%s: the index cannot be opened (%v); rebuild it with %s", dir, err, hint.Command("index build --fresh"))
	}
	return &BleveIndex{dir: dir, idx: idx}, nil
}

// Add stores passages in one batch.
func (b *BleveIndex) Add(ps []Passage) error {
	b.mu.Lock()
	b.stats = nil
	b.mu.Unlock()
	batch := b.idx.NewBatch()
	for _, p := range ps {
		if err := batch.Index(p.ID, map[string]any{"text": p.Text, "title": p.Title, "article_id": p.ArticleID}); err != nil {
			return err
		}
	}
	return b.idx.Batch(batch)
}

// Search runs a match query on the passages' text and (weighted lower)
// their titles. Retrieval must not depend on how an index was built, and
// two things would make it: equal scores are ordered by passage id, not by
// bleve's internal document order; and BM25 is given the index's
// statistics (bm25Stats), not left to bleve, whose "average field length"
// counts a term once per segment it occurs in and so changes as segments
// are merged.
func (b *BleveIndex) Search(q string, k int) ([]Hit, error) {
	stats, err := b.bm25Stats()
	if err != nil {
		return nil, fmt.Errorf("%s: search: %w", b.dir, err)
	}
	ctx := context.WithValue(context.Background(), search.BM25StatsKey, stats)
	text := bleve.NewMatchQuery(q)
	text.SetField("text")
	title := bleve.NewMatchQuery(q)
	title.SetField("title")
	title.SetBoost(TitleBoost)
	// Ask for more than k so that a tie at the cut is settled by id too.
	req := bleve.NewSearchRequestOptions(query.NewDisjunctionQuery([]query.Query{text, title}), 2*k+10, 0, false)
	req.Fields = []string{"text", "title", "article_id"}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: search: %w", b.dir, err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		p := Passage{ID: h.ID}
		p.Text, _ = h.Fields["text"].(string)
		p.Title, _ = h.Fields["title"].(string)
		p.ArticleID, _ = h.Fields["article_id"].(string)
		hits = append(hits, Hit{Passage: p, Score: h.Score})
	}
	SortHits(hits)
	return hits[:min(k, len(hits))], nil
}

// bm25Stats returns the statistics bleve's BM25 reads (see weaviate/bm25.go): the
// number of passages and each searched field's dictionary size, the
// distinct terms counted once however many segments hold them. They are
// counted on first use and after Add.
func (b *BleveIndex) bm25Stats() (*search.BM25Stats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stats != nil {
		return b.stats, nil
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	stats := &search.BM25Stats{DocCount: float64(docs), FieldCardinality: map[string]int{}}
	for _, field := range []string{"text", "title"} {
		dict, err := r.FieldDict(field)
		if err != nil {
			return nil, err
		}
		n := 0
		for {
			entry, err := dict.Next()
			if err != nil {
				dict.Close()
				return nil, err
			}
			if entry == nil {
				break
			}
			n++
		}
		dict.Close()
		stats.FieldCardinality[field] = n
	}
	b.stats = stats
	return stats, nil
}

// Count returns the number of passages.
func (b *BleveIndex) Count() (uint64, error) { return b.idx.DocCount() }

// Describe says where the passages are.
func (b *BleveIndex) Describe() string { return "bleve index " + b.dir }

// TitleBoost is the weight of a passage's title against its text in a
// search (the text's is 1).
const TitleBoost = 0.5

// Terms returns text as the bleve index analyses the passages' text and
// titles (English: split, lower-cased, stop words out, stemmed), so that
// another backend can index and search the same terms.
func Terms(text string) []string {
	stream := englishAnalyzer.Analyze([]byte(text))
	terms := make([]string, len(stream))
	for i, tok := range stream {
		terms[i] = string(tok.Term)
	}
	return terms
}

// englishAnalyzer is the analyser passageMapping gives text and titles.
var englishAnalyzer = passageMapping().AnalyzerNamed("en")

// Close closes the index.
func (b *BleveIndex) Close() error { return b.idx.Close() }

// SortHits orders hits best first, equal scores by passage id: the order
// every backend returns, so that retrieval does not depend on how an
// index was built.
func SortHits(hits []Hit) {
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
}

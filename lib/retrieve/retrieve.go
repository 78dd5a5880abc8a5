// Package retrieve is nerlab's retrieval for CLNER-style context views:
// the articles of knowledge corpora (read by lib/wiki) split into
// passages, an index to search them (bleve in a folder here; other
// backends, such as the Weaviate cluster of retrieve/weaviate, register
// themselves), retrieval with re-ranking for each sentence, and the
// context-view files the tagger trains on.
package retrieve

import (
	"sort"
	"strings"
	"unicode"

	"github.com/nerlab/nerlab/lib/corpus"
)

// RetrieveOptions tune retrieval for one sentence.
type RetrieveOptions struct {
	K           int    // candidates asked of the index per (sub-)query (default 20)
	Keep        int    // passages kept after re-ranking (default 6)
	SubQueryLen int    // sentences longer than this many tokens are searched in pieces (default 24)
	Rerank      Scorer // default: BM25 order
	// PerArticle keeps at most this many passages of one article, so that
	// a context can draw on several; 0: no limit.
	PerArticle int
}

func (o RetrieveOptions) withDefaults() RetrieveOptions {
	if o.K <= 0 {
		o.K = 20
	}
	if o.Keep <= 0 {
		o.Keep = 6
	}
	if o.SubQueryLen <= 0 {
		o.SubQueryLen = 24
	}
	if o.Rerank == nil {
		o.Rerank = bm25Order{}
	}
	return o
}

// Ranked is a kept passage with its search and re-ranking scores.
type Ranked struct {
	Hit
	Rerank float64 `json:"rerank"`
}

// Retrieve finds the passages related to a tokenised sentence: the
// sentence is the query (a long one is split at punctuation into
// sub-queries whose results are merged, as the CLNER authors describe),
// candidates are de-duplicated, those that contain the sentence itself
// are dropped (they would leak its annotation's context), and the rest are
// re-ranked; the best Keep remain, at most PerArticle from one article.
func Retrieve(idx Index, tokens []string, opt RetrieveOptions) ([]Ranked, error) {
	opt = opt.withDefaults()
	best := map[string]Hit{}
	var order []string
	for _, q := range SubQueries(tokens, opt.SubQueryLen) {
		hits, err := idx.Search(strings.Join(q, " "), opt.K)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if old, ok := best[h.ID]; !ok {
				best[h.ID] = h
				order = append(order, h.ID)
			} else if h.Score > old.Score {
				best[h.ID] = h
			}
		}
	}
	// The search order needs no tokens; other scorers read every
	// candidate's, and the context views the kept ones'.
	_, searchOrder := opt.Rerank.(bm25Order)
	sentence := normalize(strings.Join(tokens, " "))
	seen := map[string]bool{}
	var out []Ranked
	for _, id := range order {
		h := best[id]
		text := normalize(h.Text)
		if seen[text] || (len(sentence) > 0 && strings.Contains(text, sentence)) {
			continue
		}
		seen[text] = true
		if !searchOrder {
			h.Tokens = corpus.Tokenize(h.Text)
		}
		out = append(out, Ranked{Hit: h})
	}
	if b, ok := opt.Rerank.(BatchScorer); ok && len(out) > 0 {
		hits := make([]Hit, len(out))
		for i, r := range out {
			hits[i] = r.Hit
		}
		scores, err := b.ScoreAll(tokens, hits)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Rerank = scores[i]
		}
	} else {
		for i := range out {
			out[i].Rerank = opt.Rerank.Score(tokens, out[i].Hit)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rerank > out[j].Rerank })
	if opt.PerArticle > 0 {
		kept, per := out[:0], map[string]int{}
		for _, r := range out {
			if per[r.ArticleID] < opt.PerArticle {
				per[r.ArticleID]++
				kept = append(kept, r)
			}
		}
		out = kept
	}
	out = out[:min(opt.Keep, len(out))]
	for i := range out {
		if out[i].Tokens == nil {
			out[i].Tokens = corpus.Tokenize(out[i].Text)
		}
	}
	return out, nil
}

// normalize lower-cases text and keeps only letters and digits, single
// spaces between words, so that "Paris , France" and "Paris, France"
// compare equal.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		} else {
			space = true
		}
	}
	return b.String()
}

// SubQueries splits a long sentence at punctuation into pieces of at most
// maxLen tokens (pieces shorter than 3 tokens join their neighbour; a piece
// without punctuation to cut at is cut every maxLen tokens). A sentence of
// at most maxLen tokens is one query.
func SubQueries(tokens []string, maxLen int) [][]string {
	if len(tokens) <= maxLen {
		return [][]string{tokens}
	}
	var pieces [][]string
	var cur []string
	for _, t := range tokens {
		cur = append(cur, t)
		if isPunct(t) || len(cur) >= maxLen {
			pieces = append(pieces, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		pieces = append(pieces, cur)
	}
	var out [][]string
	for _, p := range pieces {
		if n := len(out); n > 0 && (len(p) < 3 || len(out[n-1]) < 3) && len(out[n-1])+len(p) <= maxLen {
			out[n-1] = append(out[n-1], p...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func isPunct(t string) bool {
	switch t {
	case ",", ";", ":", ".", "!", "?", "-", "--", "–", "—", "(", ")", "\"", "|":
		return true
	}
	return false
}

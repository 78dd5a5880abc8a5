package weaviate

import (
	"math"
	"strings"
)

// This file computes, outside bleve, the score retrieve.BleveIndex.Search
// gives a passage, so that the Weaviate backend can rank its candidates as
// the bleve backend ranks them. retrieve.BleveIndex's query is a
// disjunction of two match queries, one on the text and one on the title
// at boost 0.5; each is a disjunction of one term query per analysed query
// token. bleve's BM25 differs from the textbook one in ways that change
// rankings, and the score reproduces each of them:
//   - a term's score is queryWeight × fieldWeight, where queryWeight =
//     boost·idf·queryNorm and fieldWeight = idf·tf·k1/(tf+k1·(1−b+b·len/avg)):
//     idf enters squared;
//   - tf is the square root of the term's frequency in the field;
//   - the field length comes back from a float32 norm 1/√len;
//   - avg is not the mean field length but ⌈(terms in the field's
//     dictionary) / (documents)⌉ (bleve counts a term once per segment;
//     retrieve.BleveIndex makes it count each term once);
//   - a disjunction multiplies its sum by the share of its clauses that
//     matched (the "coord"): the share of query tokens a field holds, then
//     the share of the two fields that matched;
//   - queryNorm = 1/√Σ(boost·idf)² over every term clause of both fields.

// bm25K1 and bm25B are bleve's BM25 constants (search.BM25_k1, BM25_b).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Field indexes of a passage's two searched fields.
const (
	textField = iota
	titleField
	numFields
)

// fieldBoost is each field's boost in retrieve.BleveIndex's query.
var fieldBoost = [numFields]float64{textField: 1, titleField: titleWeight}

// CollectionStats are the statistics bleve's BM25 reads from an index:
// its documents, each field's dictionary size, and the documents that
// hold a term in a field.
type CollectionStats struct {
	Docs uint64
	// Vocabulary is the number of distinct terms in each field (text,
	// title).
	Vocabulary [numFields]uint64
}

// avgLength is the "average field length" bleve divides by.
func (s CollectionStats) avgLength(field int) float64 {
	if s.Docs == 0 {
		return 0
	}
	return math.Ceil(float64(s.Vocabulary[field]) / float64(s.Docs))
}

// bleveQuery scores passages for one query as retrieve.BleveIndex.Search does.
type bleveQuery struct {
	terms  []string             // the query's analysed tokens, repeats kept
	idf    [numFields][]float64 // per field, per token
	weight [numFields][]float64 // queryWeight per field, per token
	avg    [numFields]float64   // avgLength per field
}

// newBleveQuery prepares the scoring of one query. terms are its analysed
// tokens (analyse's output split on spaces); df returns the number of
// documents whose field holds a term.
func newBleveQuery(terms []string, stats CollectionStats, df func(field int, term string) uint64) *bleveQuery {
	q := &bleveQuery{terms: terms}
	var sumSquares float64
	n := float64(stats.Docs)
	for f := 0; f < numFields; f++ {
		q.avg[f] = stats.avgLength(f)
		q.idf[f] = make([]float64, len(terms))
		q.weight[f] = make([]float64, len(terms))
		for i, t := range terms {
			d := float64(df(f, t))
			q.idf[f][i] = math.Log(1 + (n-d+0.5)/(d+0.5))
			w := fieldBoost[f] * q.idf[f][i]
			sumSquares += w * w
		}
	}
	norm := 1 / math.Sqrt(sumSquares)
	for f := 0; f < numFields; f++ {
		for i := range terms {
			q.weight[f][i] = fieldBoost[f] * q.idf[f][i] * norm
		}
	}
	return q
}

// score is a passage's score given its fields' analysed tokens; 0 when it
// matches no query token.
func (q *bleveQuery) score(fields [numFields][]string) float64 {
	var sums [numFields]float64
	var matched [numFields]int
	for f := 0; f < numFields; f++ {
		tf := map[string]int{}
		for _, t := range fields[f] {
			tf[t]++
		}
		length := 1 / math.Pow(float64(float32(1/math.Sqrt(float64(len(fields[f]))))), 2)
		for i, t := range q.terms {
			freq := tf[t]
			if freq == 0 {
				continue
			}
			matched[f]++
			x := math.Sqrt(float64(freq))
			fieldWeight := q.idf[f][i] * x * bm25K1 / (x + bm25K1*(1-bm25B+bm25B*length/q.avg[f]))
			sums[f] += q.weight[f][i] * fieldWeight
		}
	}
	return combineFields(sums, matched, len(q.terms))
}

// combineFields is how retrieve.BleveIndex's query adds up its parts: each field's
// sum of term scores times the share of the query's tokens the field
// matched, and the total times the share of the fields that matched.
func combineFields(sums [numFields]float64, matched [numFields]int, queryTokens int) float64 {
	var total float64
	matchedFields := 0
	for f := range sums {
		if matched[f] > 0 {
			matchedFields++
			total += sums[f] * float64(matched[f]) / float64(queryTokens)
		}
	}
	return total * float64(matchedFields) / numFields
}

// termCounts count, per field, the passages that hold each term.
type termCounts [numFields]map[string]uint64

func newTermCounts() termCounts {
	var c termCounts
	for f := range c {
		c[f] = map[string]uint64{}
	}
	return c
}

// add counts one passage's analysed fields.
func (c termCounts) add(fields [numFields][]string) {
	for f := range fields {
		seen := map[string]bool{}
		for _, t := range fields[f] {
			if !seen[t] {
				seen[t] = true
				c[f][t]++
			}
		}
	}
}

// stats are the collection statistics of docs passages counted so.
func (c termCounts) stats(docs uint64) CollectionStats {
	return CollectionStats{Docs: docs, Vocabulary: [numFields]uint64{textField: uint64(len(c[textField])), titleField: uint64(len(c[titleField]))}}
}

// df is the number of passages whose field holds term.
func (c termCounts) df(field int, term string) uint64 { return c[field][term] }

// analysedFields are a passage's text and title as bleve's analyser
// splits them.
func analysedFields(text, title string) [numFields][]string {
	return [numFields][]string{textField: strings.Fields(text), titleField: strings.Fields(title)}
}

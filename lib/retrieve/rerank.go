package retrieve

import (
	"fmt"
	"math"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// Scorer re-ranks retrieved passages for a query sentence; higher is
// better. Scores are comparable only within one query.
type Scorer interface {
	Name() string
	Score(query []string, hit Hit) float64
}

// BatchScorer is a Scorer that scores a query's candidates together, as
// an encoder does in batches (lib/retrieve/bertscore); Retrieve calls
// ScoreAll when the re-ranker has it.
type BatchScorer interface {
	Scorer
	ScoreAll(query []string, hits []Hit) ([]float64, error)
}

// Rerankers lists the built-in scorers.
var Rerankers = []string{"bm25", "overlap", "bertscore"}

// NewScorer returns a built-in scorer: "bm25" keeps the search order,
// "overlap" is the F1 of the token multisets (lower-cased), "bertscore"
// greedily matches each token to its most similar token on the other side
// by the cosine of their static vectors and takes the F1 of the two mean
// similarities (lib/retrieve/bertscore is BERTScore with an encoder's
// contextual vectors).
func NewScorer(name string, vecs *wordvec.Vectors) (Scorer, error) {
	switch name {
	case "", "bm25":
		return bm25Order{}, nil
	case "overlap":
		return overlapF1{}, nil
	case "bertscore":
		if vecs == nil {
			return nil, fmt.Errorf("the bertscore re-ranker needs word vectors (--vectors FILE)")
		}
		return newGreedyMatch(vecs), nil
	}
	return nil, fmt.Errorf("unknown re-ranker %q; expected one of %s", name, strings.Join(Rerankers, ", "))
}

type bm25Order struct{}

func (bm25Order) Name() string                      { return "bm25" }
func (bm25Order) Score(_ []string, hit Hit) float64 { return hit.Score }

type overlapF1 struct{}

func (overlapF1) Name() string { return "overlap" }

func (overlapF1) Score(query []string, hit Hit) float64 {
	q := map[string]int{}
	for _, t := range query {
		q[strings.ToLower(t)]++
	}
	cand := hit.tokens()
	common := 0
	for _, t := range cand {
		t = strings.ToLower(t)
		if q[t] > 0 {
			q[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p, r := float64(common)/float64(len(cand)), float64(common)/float64(len(query))
	return 2 * p * r / (p + r)
}

// unitVectors are word vectors scaled to unit length, for cosines.
type unitVectors struct {
	dim   int
	index map[string]int
	unit  []float32 // row-major
}

func newUnitVectors(v *wordvec.Vectors) *unitVectors {
	u := &unitVectors{dim: v.Dim, index: v.Index(), unit: make([]float32, len(v.Values))}
	for i := 0; i < v.Len(); i++ {
		row := v.Vector(i)
		var norm float64
		for _, x := range row {
			norm += float64(x) * float64(x)
		}
		if norm == 0 {
			continue
		}
		inv := float32(1 / math.Sqrt(norm))
		for j, x := range row {
			u.unit[i*v.Dim+j] = x * inv
		}
	}
	return u
}

// vector returns a token's unit vector (trying its lower-case form), or
// nil when it has none.
func (u *unitVectors) vector(tok string) []float32 {
	i, ok := u.index[tok]
	if !ok {
		i, ok = u.index[strings.ToLower(tok)]
	}
	if !ok {
		return nil
	}
	return u.unit[i*u.dim : (i+1)*u.dim]
}

// greedyMatch is BERTScore's greedy matching over static vectors.
type greedyMatch struct{ *unitVectors }

func newGreedyMatch(v *wordvec.Vectors) *greedyMatch { return &greedyMatch{newUnitVectors(v)} }

func (g *greedyMatch) Name() string { return "bertscore" }

// similarity is the cosine of two tokens' vectors; tokens without vectors
// match only themselves (1 if equal ignoring case, else 0).
func (g *greedyMatch) similarity(a, b string, va, vb []float32) float64 {
	if va == nil || vb == nil {
		if strings.EqualFold(a, b) {
			return 1
		}
		return 0
	}
	var dot float32
	for i := range va {
		dot += va[i] * vb[i]
	}
	return float64(dot)
}

func (g *greedyMatch) Score(query []string, hit Hit) float64 {
	cand := hit.tokens()
	if len(query) == 0 || len(cand) == 0 {
		return 0
	}
	qv := make([][]float32, len(query))
	for i, t := range query {
		qv[i] = g.vector(t)
	}
	cv := make([][]float32, len(cand))
	for i, t := range cand {
		cv[i] = g.vector(t)
	}
	bestQ := make([]float64, len(query))
	bestC := make([]float64, len(cand))
	for i := range bestQ {
		bestQ[i] = -1
	}
	for j := range bestC {
		bestC[j] = -1
	}
	for i, q := range query {
		for j, c := range cand {
			s := g.similarity(q, c, qv[i], cv[j])
			bestQ[i] = max(bestQ[i], s)
			bestC[j] = max(bestC[j], s)
		}
	}
	r, p := mean(bestQ), mean(bestC)
	if r+p <= 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// WordVectorEncoder encodes a text as the mean of its tokens' unit word
// vectors, scaled to unit length: a bag-of-vectors sentence encoder, the
// vector side of hybrid retrieval. Tokens without a vector are left out; a
// text with none gets the zero vector.
type WordVectorEncoder struct{ *unitVectors }

// NewWordVectorEncoder makes an encoder over v.
func NewWordVectorEncoder(v *wordvec.Vectors) *WordVectorEncoder {
	return &WordVectorEncoder{newUnitVectors(v)}
}

// Encode returns the unit-length mean vector of text's tokens.
func (e *WordVectorEncoder) Encode(text string) []float32 {
	sum := make([]float64, e.dim)
	for _, tok := range corpus.Tokenize(text) {
		if v := e.vector(tok); v != nil {
			for i, x := range v {
				sum[i] += float64(x)
			}
		}
	}
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	out := make([]float32, e.dim)
	if norm == 0 {
		return out
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range sum {
		out[i] = float32(x * inv)
	}
	return out
}

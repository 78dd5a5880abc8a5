// Package crf is a linear-chain conditional random field over tag
// sequences, batched over sentences of different lengths.
//
// Scores: a sentence x of length L with tags y has score
//
//	trans[START][y_0] + Σ_t emit[t][y_t] + Σ_{t≥1} trans[y_{t-1}][y_t] + trans[y_{L-1}][STOP]
//
// where emit comes from the network and trans is the CRF's one parameter, a
// (N+2)×(N+2) matrix whose row N is the start state and column N+1 the stop
// state (the layout of a corpus.TagDictionary built with crf=true: the N
// tags, then <START>, then <STOP>).
//
// The dynamic programmes (forward algorithm, forward-backward, Viterbi) run
// in Go on a copy of the emissions: for the handful of tags NER uses they
// cost microseconds per sentence, where the same recursion in tensor ops
// costs a dozen small libtorch calls per time step. The negative
// log-likelihood still joins autograd: its exact gradient (marginals minus
// gold indicators) is attached through a surrogate term, so the loss value
// and its gradient are exactly those of the textbook CRF. LogMarginals, which
// cooperative learning differentiates through, is written in tensor ops.
package crf

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/torch"
)

// Forbidden is the score added to a transition that the constraints rule
// out. It is finite so that a gold path that breaks a constraint gives a
// huge loss rather than NaN, and large enough that exp() of it is 0.
const Forbidden = -1e4

// CRF holds the transition scores of N tags plus start and stop.
type CRF struct {
	N     int        // number of real tags
	Trans *ts.Tensor // [N+2, N+2] float32, trans[i][j]: score of i followed by j
	// allowed[i*(N+2)+j] is false for transitions the constraints forbid.
	allowed []bool
}

// Start and Stop return the indices of the start and stop states.
func (c *CRF) Start() int { return c.N }
func (c *CRF) Stop() int  { return c.N + 1 }

// New creates the transition parameter "transitions" under p, initialised
// to zero (every path equally likely before training: the emissions alone
// decide at first, which is what flair's random init approximates).
func New(p *nn.Path, numTags int) *CRF {
	k := int64(numTags + 2)
	trans := p.MustZeros("transitions", []int64{k, k})
	c := &CRF{N: numTags, Trans: trans, allowed: make([]bool, k*k)}
	for i := range c.allowed {
		c.allowed[i] = true
	}
	return c
}

// Constrain forbids the transitions for which allowed(from, to) is false;
// indices are tag ids, Start() and Stop(). Transitions into the start state
// and out of the stop state are always forbidden.
func (c *CRF) Constrain(allowed func(from, to int) bool) {
	k := c.N + 2
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			ok := j != c.Start() && i != c.Stop() && !(i == c.Start() && j == c.Stop())
			c.allowed[i*k+j] = ok && allowed(i, j)
		}
	}
}

// SchemeConstraints returns the transition rule of a tag scheme over the
// given tag labels (ids 0..len(labels)-1; start and stop are len(labels)
// and len(labels)+1): in BIO an I-X follows only B-X or I-X; in BIOES
// additionally B-X and I-X must be followed by I-X or E-X, E-X/S-X/O by
// anything that starts fresh, and a sentence cannot end inside an entity.
// Labels that are not scheme tags (e.g. <unk>) are unconstrained.
func SchemeConstraints(labels []string, scheme corpus.Scheme) (func(from, to int) bool, error) {
	if scheme != corpus.BIO && scheme != corpus.BIOES {
		return nil, fmt.Errorf("crf: constraints are defined for BIO and BIOES, not %v", scheme)
	}
	type tag struct {
		prefix byte // 'O', 'B', 'I', 'E', 'S', or 0 for other labels
		typ    string
	}
	tags := make([]tag, len(labels)+2)
	for i, l := range labels {
		prefix, typ, ok := corpus.SplitTag(l)
		if !ok {
			continue
		}
		tags[i] = tag{prefix, typ}
	}
	start, stop := len(labels), len(labels)+1
	inside := func(t tag) bool { return t.prefix == 'I' || t.prefix == 'E' }
	open := func(t tag) bool { return scheme == corpus.BIOES && (t.prefix == 'B' || t.prefix == 'I') }
	return func(from, to int) bool {
		if to == start || from == stop {
			return false
		}
		var f, t tag
		if from != start {
			f = tags[from]
		}
		if to != stop {
			t = tags[to]
		}
		if from != start && f.prefix == 0 || to != stop && t.prefix == 0 {
			return true
		}
		if open(f) {
			// A BIOES entity that has begun must continue with I or E of its type.
			return to != stop && inside(t) && t.typ == f.typ
		}
		if to == stop {
			return true
		}
		if scheme == corpus.BIOES && inside(t) {
			return false // only an open entity (handled above) may be continued
		}
		if scheme == corpus.BIO && t.prefix == 'I' {
			return from != start && (f.prefix == 'B' || f.prefix == 'I') && f.typ == t.typ
		}
		return true
	}, nil
}

// Allowed reports whether the transition from → to is allowed.
func (c *CRF) Allowed(from, to int) bool { return c.allowed[from*(c.N+2)+to] }

// Forbidden transitions as text, for error messages and debugging.
func (c *CRF) describeForbidden(labels []string) string {
	var parts []string
	name := func(i int) string {
		switch {
		case i == c.Start():
			return "<START>"
		case i == c.Stop():
			return "<STOP>"
		case i < len(labels):
			return labels[i]
		}
		return fmt.Sprint(i)
	}
	for i := 0; i < c.N+2; i++ {
		for j := 0; j < c.N+2; j++ {
			if !c.Allowed(i, j) {
				parts = append(parts, name(i)+"→"+name(j))
			}
		}
	}
	return strings.Join(parts, " ")
}

// scores returns the effective transition matrix (parameter plus
// Forbidden where constraints rule a transition out: additive, as in
// LogPotentials, so value and gradient agree everywhere) as float64, row-major (N+2)×(N+2).
func (c *CRF) scores() ([]float64, error) {
	vals, err := torch.Float32s(c.Trans)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(vals))
	for i, v := range vals {
		if c.allowed[i] {
			out[i] = float64(v)
		} else {
			out[i] = float64(v) + Forbidden
		}
	}
	return out, nil
}

// chainOf builds the per-batch view of the model that the Go recursions use.
func (c *CRF) chainOf(emissions *ts.Tensor, lengths []int) (*chain, error) {
	size := emissions.MustSize()
	if len(size) != 3 || int(size[2]) != c.N {
		return nil, fmt.Errorf("crf: emissions have shape %v; expected [batch, time, %d]", size, c.N)
	}
	if int(size[0]) != len(lengths) {
		return nil, fmt.Errorf("crf: %d lengths for a batch of %d", len(lengths), size[0])
	}
	for b, l := range lengths {
		if l < 0 || l > int(size[1]) {
			return nil, fmt.Errorf("crf: sentence %d has length %d; the emissions have %d positions", b, l, size[1])
		}
	}
	emit, err := torch.Float32s(emissions)
	if err != nil {
		return nil, err
	}
	trans, err := c.scores()
	if err != nil {
		return nil, err
	}
	return newChain(c.N, int(size[1]), emit, trans), nil
}

// sentence returns the emissions of sentence b (T×N, row-major).
func (ch *chain) sentence(b int) []float32 {
	return ch.emit[b*ch.T*ch.N : (b+1)*ch.T*ch.N]
}

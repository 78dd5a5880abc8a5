package crf

import (
	"math"

	"github.com/sugarme/gotch/ts"
)

// Decoded is the best tag path of one sentence with its probabilities.
type Decoded struct {
	Tags  []int     // Viterbi path
	Score float64   // its unnormalised score
	Prob  []float64 // posterior marginal P(y_t = Tags[t] | x) per position
	LogZ  float64   // log-partition of the sentence

	ch  *chain
	lat lattice
	b   int
	ok  bool // lat holds the scaled lattice (false: underflow, use log space)
	// log-space marginals, filled only when the scaled recursion underflowed
	logAlpha, logBeta []float64
}

// PathProb is the probability P(y | x) of the whole Viterbi path.
func (d *Decoded) PathProb() float64 { return math.Exp(d.Score - d.LogZ) }

// SpanProb is the posterior probability that positions s..e carry exactly
// the tags of the decoded path, and that position e+1 does not carry any of
// the tags in extend (pass the tags that would continue the span, e.g. I-X
// in BIO, so the result is the probability of this exact span; BIOES needs
// none since E-/S- close a span).
func (d *Decoded) SpanProb(s, e int, extend ...int) float64 {
	if len(d.Tags) == 0 || s < 0 || e >= len(d.Tags) || s > e {
		return 0
	}
	if !d.ok {
		return d.spanProbLog(s, e, extend)
	}
	n, lat, ch := d.ch.N, &d.lat, d.ch
	p := lat.alpha[s*n+d.Tags[s]]
	for t := s + 1; t <= e; t++ {
		p *= ch.expTrans[d.Tags[t-1]*n+d.Tags[t]] * lat.e[t*n+d.Tags[t]] / lat.c[t]
	}
	tail := lat.beta[e*n+d.Tags[e]]
	if e+1 < len(d.Tags) {
		for _, x := range extend {
			tail -= ch.expTrans[d.Tags[e]*n+x] * lat.e[(e+1)*n+x] * lat.beta[(e+1)*n+x] / lat.c[e+1]
		}
	}
	return clamp01(p * tail)
}

func (d *Decoded) spanProbLog(s, e int, extend []int) float64 {
	n, k, ch := d.ch.N, d.ch.N+2, d.ch
	em := ch.emit[d.b*ch.T*n:]
	lp := d.logAlpha[s*n+d.Tags[s]]
	for t := s + 1; t <= e; t++ {
		lp += ch.trans[d.Tags[t-1]*k+d.Tags[t]] + float64(em[t*n+d.Tags[t]])
	}
	tail := math.Exp(d.logBeta[e*n+d.Tags[e]] + lp - d.LogZ)
	if e+1 < len(d.Tags) {
		for _, x := range extend {
			tail -= math.Exp(lp + ch.trans[d.Tags[e]*k+x] + float64(em[(e+1)*n+x]) + d.logBeta[(e+1)*n+x] - d.LogZ)
		}
	}
	return clamp01(tail)
}

func clamp01(p float64) float64 { return min(1, max(0, p)) }

// Decode finds the best path of each sentence (lengths[b] positions of
// emissions [B, T, N]) with its posterior marginals. It does not touch
// autograd; call it under torch.NoGrad when the emissions need no graph.
func (c *CRF) Decode(emissions *ts.Tensor, lengths []int) ([]*Decoded, error) {
	ch, err := c.chainOf(emissions, lengths)
	if err != nil {
		return nil, err
	}
	n := c.N
	back := make([]int32, ch.T*n)
	out := make([]*Decoded, len(lengths))
	for b, l := range lengths {
		d := &Decoded{ch: ch, b: b, Tags: make([]int, l), Prob: make([]float64, l)}
		out[b] = d
		if l == 0 {
			continue
		}
		d.Score = ch.viterbi(b, l, d.Tags, back)
		if d.ok = ch.forwardBackward(b, l, &d.lat); d.ok {
			d.LogZ = d.lat.logZ
			for t, y := range d.Tags {
				d.Prob[t] = clamp01(d.lat.alpha[t*n+y] * d.lat.beta[t*n+y])
			}
			continue
		}
		d.logAlpha, d.logBeta = make([]float64, l*n), make([]float64, l*n)
		d.LogZ = ch.logForwardBackward(b, l, d.logAlpha, d.logBeta)
		for t, y := range d.Tags {
			d.Prob[t] = clamp01(math.Exp(d.logAlpha[t*n+y] + d.logBeta[t*n+y] - d.LogZ))
		}
	}
	return out, nil
}

// Marginals returns the posterior marginals P(y_t = j | x) of each sentence
// as [b][t*N+j], computed in Go (no autograd).
func (c *CRF) Marginals(emissions *ts.Tensor, lengths []int) ([][]float64, error) {
	ch, err := c.chainOf(emissions, lengths)
	if err != nil {
		return nil, err
	}
	n := c.N
	out := make([][]float64, len(lengths))
	var lat lattice
	for b, l := range lengths {
		m := make([]float64, l*n)
		out[b] = m
		if l == 0 {
			continue
		}
		if ch.forwardBackward(b, l, &lat) {
			for i := range m {
				m[i] = lat.alpha[i] * lat.beta[i]
			}
			continue
		}
		la, lb := make([]float64, l*n), make([]float64, l*n)
		logZ := ch.logForwardBackward(b, l, la, lb)
		for i := range m {
			m[i] = math.Exp(la[i] + lb[i] - logZ)
		}
	}
	return out, nil
}

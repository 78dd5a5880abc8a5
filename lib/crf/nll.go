package crf

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// NLL returns the summed negative log-likelihood of the gold tags of a
// batch, Σ_b (log Z_b − score_b), as a scalar tensor that autograd
// differentiates with respect to emissions ([B, T, N]) and the transitions.
// tags[b] holds the gold tag ids of sentence b; its length is the
// sentence's length (positions past it are padding). Empty sentences
// contribute nothing.
func (c *CRF) NLL(emissions *ts.Tensor, tags [][]int) (*ts.Tensor, error) {
	lengths := make([]int, len(tags))
	for b, t := range tags {
		lengths[b] = len(t)
	}
	ch, err := c.chainOf(emissions, lengths)
	if err != nil {
		return nil, err
	}
	n, k, T := c.N, c.N+2, ch.T
	gradEmit := make([]float32, len(ch.emit))
	gradTrans := make([]float64, k*k)
	var value float64
	var lat lattice
	var logAlpha, logBeta []float64
	for b, gold := range tags {
		l := len(gold)
		if l == 0 {
			continue
		}
		for t, y := range gold {
			if y < 0 || y >= n {
				return nil, fmt.Errorf("crf: sentence %d position %d has tag id %d; expected 0..%d", b, t, y, n-1)
			}
		}
		value -= ch.goldScore(b, gold)
		// Marginals: the scaled recursion normally, log space if it underflows.
		var gamma func(t, j int) float64
		var xi func(t, i, j int) float64
		if ch.forwardBackward(b, l, &lat) {
			value += lat.logZ
			gamma = func(t, j int) float64 { return lat.alpha[t*n+j] * lat.beta[t*n+j] }
			xi = func(t, i, j int) float64 {
				return lat.alpha[(t-1)*n+i] * ch.expTrans[i*n+j] * lat.e[t*n+j] * lat.beta[t*n+j] / lat.c[t]
			}
		} else {
			logAlpha, logBeta = grow(logAlpha, l*n), grow(logBeta, l*n)
			logZ := ch.logForwardBackward(b, l, logAlpha, logBeta)
			value += logZ
			em := ch.emit[b*T*n:]
			gamma = func(t, j int) float64 { return math.Exp(logAlpha[t*n+j] + logBeta[t*n+j] - logZ) }
			xi = func(t, i, j int) float64 {
				return math.Exp(logAlpha[(t-1)*n+i] + ch.trans[i*k+j] + float64(em[t*n+j]) + logBeta[t*n+j] - logZ)
			}
		}
		// d/d emit[t][j] = P(y_t = j) − [gold_t = j].
		g := gradEmit[b*T*n:]
		for t := 0; t < l; t++ {
			for j := 0; j < n; j++ {
				g[t*n+j] = float32(gamma(t, j))
			}
			g[t*n+gold[t]]--
		}
		// d/d trans = expected transition counts − gold counts.
		for j := 0; j < n; j++ {
			gradTrans[n*k+j] += gamma(0, j)
			gradTrans[j*k+n+1] += gamma(l-1, j)
		}
		gradTrans[n*k+gold[0]]--
		gradTrans[gold[l-1]*k+n+1]--
		for t := 1; t < l; t++ {
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					gradTrans[i*k+j] += xi(t, i, j)
				}
			}
			gradTrans[gold[t-1]*k+gold[t]]--
		}
	}
	return surrogate(emissions, c.Trans, gradEmit, gradTrans, value)
}

// surrogate returns a scalar whose value is value and whose gradient with
// respect to emissions and trans is gradEmit and gradTrans:
// S − detach(S) + value with S = Σ emissions⊙gradEmit + Σ trans⊙gradTrans.
func surrogate(emissions, trans *ts.Tensor, gradEmit []float32, gradTrans []float64, value float64) (*ts.Tensor, error) {
	dev := emissions.MustDevice()
	ge, err := torch.FromFloat32s(gradEmit, emissions.MustSize(), dev)
	if err != nil {
		return nil, err
	}
	gt32 := make([]float32, len(gradTrans))
	for i, v := range gradTrans {
		gt32[i] = float32(v)
	}
	gt, err := torch.FromFloat32s(gt32, trans.MustSize(), dev)
	if err != nil {
		ge.MustDrop()
		return nil, err
	}
	s := emissions.MustMul(ge, false).MustSum(gotch.Double, true)
	st := trans.MustMul(gt, false).MustSum(gotch.Double, true)
	ge.MustDrop()
	gt.MustDrop()
	s = s.MustAdd(st, true)
	st.MustDrop()
	frozen := s.MustDetach(false)
	out := s.MustSub(frozen, true)
	frozen.MustDrop()
	return out.MustAddScalar(ts.FloatScalar(value), true).MustTotype(gotch.Float, true), nil
}

package crf

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// LogPotentials returns s = α + β for every position, in tensor ops so that
// autograd differentiates through it: α_t(j) is the log-sum of the scores of
// all prefixes ending in tag j at t (emission at t included) and β_t(j) of
// all suffixes after t given tag j at t. softmax(s_t) is the posterior
// marginal at t; cooperative learning's CL-KL compares softmax(s_t / T)
// between two views. emissions is [B, T, N]; positions at or past a
// sentence's length are 0 in the result.
func (c *CRF) LogPotentials(emissions *ts.Tensor, lengths []int) (*ts.Tensor, error) {
	size := emissions.MustSize()
	if len(size) != 3 || int(size[2]) != c.N || int(size[0]) != len(lengths) {
		return nil, fmt.Errorf("crf: emissions have shape %v for %d lengths; expected [%d, time, %d]", size, len(lengths), len(lengths), c.N)
	}
	B, T, n := size[0], size[1], int64(c.N)
	dev := emissions.MustDevice()
	// Effective transitions: parameter + constraint mask.
	maskVals := make([]float32, (n+2)*(n+2))
	for i, ok := range c.allowed {
		if !ok {
			maskVals[i] = Forbidden
		}
	}
	mask, err := torch.FromFloat32s(maskVals, []int64{n + 2, n + 2}, dev)
	if err != nil {
		return nil, err
	}
	eff := c.Trans.MustAdd(mask, false)
	mask.MustDrop()
	trans := eff.MustNarrow(0, 0, n, false).MustNarrow(1, 0, n, true) // [N, N]
	start := eff.MustSelect(0, n, false).MustNarrow(0, 0, n, true)    // [N]
	stop := eff.MustSelect(1, n+1, false).MustNarrow(0, 0, n, true)   // [N]
	eff.MustDrop()
	defer trans.MustDrop()
	defer start.MustDrop()
	defer stop.MustDrop()

	// active[t] is a [B,1] boolean: position t is inside the sentence.
	// last[t] marks each sentence's final position.
	active := make([]*ts.Tensor, T)
	last := make([]*ts.Tensor, T)
	for t := int64(0); t < T; t++ {
		a, l := make([]bool, B), make([]bool, B)
		for b, length := range lengths {
			a[b] = int64(length) > t
			l[b] = int64(length) == t+1
		}
		active[t] = boolColumn(a, dev)
		last[t] = boolColumn(l, dev)
	}
	defer func() {
		for t := range active {
			active[t].MustDrop()
			last[t].MustDrop()
		}
	}()
	emit := make([]*ts.Tensor, T)
	for t := int64(0); t < T; t++ {
		emit[t] = emissions.MustSelect(1, t, false) // [B, N]
	}
	defer func() {
		for _, e := range emit {
			e.MustDrop()
		}
	}()

	transRows := trans.MustUnsqueeze(0, false) // [1, N, N]
	defer transRows.MustDrop()
	alphas := make([]*ts.Tensor, T)
	alphas[0] = emit[0].MustAdd(start, false)
	for t := int64(1); t < T; t++ {
		// α_t(j) = logsumexp_i(α_{t-1}(i) + trans[i][j]) + emit_t(j)
		prev := alphas[t-1].MustUnsqueeze(2, false) // [B, N, 1]
		sum := prev.MustAdd(transRows, true).MustLogsumexp([]int64{1}, false, true)
		alphas[t] = sum.MustAdd(emit[t], true)
	}
	betas := make([]*ts.Tensor, T)
	stopRow := stop.MustUnsqueeze(0, false).MustExpand([]int64{B, n}, false, true)
	defer stopRow.MustDrop()
	betas[T-1] = stopRow.MustShallowClone()
	for t := T - 2; t >= 0; t-- {
		// β_t(i) = logsumexp_j(trans[i][j] + emit_{t+1}(j) + β_{t+1}(j)), or the
		// stop score at the sentence's last position.
		next := emit[t+1].MustAdd(betas[t+1], false).MustUnsqueeze(1, true) // [B, 1, N]
		inner := next.MustAdd(transRows, true).MustLogsumexp([]int64{2}, false, true)
		betas[t] = stopRow.MustWhereSelf(last[t], inner, false)
		inner.MustDrop()
	}
	parts := make([]*ts.Tensor, T)
	for t := int64(0); t < T; t++ {
		s := alphas[t].MustAdd(betas[t], false)
		zero := s.MustZerosLike(false)
		parts[t] = s.MustWhereSelf(active[t], zero, true)
		zero.MustDrop()
		alphas[t].MustDrop()
		betas[t].MustDrop()
	}
	out := ts.MustStack(parts, 1)
	for _, p := range parts {
		p.MustDrop()
	}
	return out, nil
}

func boolColumn(v []bool, dev gotch.Device) *ts.Tensor {
	vals := make([]int64, len(v))
	for i, b := range v {
		if b {
			vals[i] = 1
		}
	}
	t, _ := torch.FromInt64s(vals, []int64{int64(len(v)), 1}, dev)
	return t.MustNe(ts.IntScalar(0), true)
}

// Package coop is CLNER's cooperative learning: losses that make a
// tagger's plain view (the sentence alone) agree with its context view
// (the sentence, <EOS> and retrieved context), so that the model gains
// from retrieval even when no context is available at test time.
//
// The context view is the teacher: both losses detach it, so that their
// gradient flows only into the plain view's computation. The two views'
// tensors must cover the same sentence tokens in the same order: [B, T, ·]
// with sentence b's tokens at positions 0..lengths[b]-1 and anything after
// them ignored. The tagger's Output gives the context view's tensors
// compacted that way.
package coop

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// L2 is CL-L2: (1/B)·Σ_b Σ_i (1/D)·‖v_i[x] − sg(v_i[x;x̃])‖², where v are
// the token representations fed to the final linear layer ([B, T, D] for
// both views) and sg stops the gradient.
func L2(plain, context *ts.Tensor, lengths []int) (*ts.Tensor, error) {
	if err := sameShape(plain, context, lengths); err != nil {
		return nil, err
	}
	size := plain.MustSize()
	mask, err := lengthMask(lengths, size[1], plain.MustDevice())
	if err != nil {
		return nil, err
	}
	defer mask.MustDrop()
	teacher := context.MustDetach(false)
	diff := plain.MustSub(teacher, false)
	teacher.MustDrop()
	perToken := diff.MustSquare(true).MustMeanDim([]int64{2}, false, gotch.Float, true) // [B, T]: (1/D)·‖·‖²
	total := perToken.MustMul(mask, true).MustSum(gotch.Float, true)
	return total.MustDivScalar(ts.FloatScalar(float64(len(lengths))), true), nil
}

// KL is CL-KL: T²·(1/B)·Σ_b Σ_i KL(q_i[x;x̃] ‖ q_i[x]) with
// q_i = softmax(s_i / T) over the tags, where s are per-position tag
// scores ([B, T, N] for both views): the CRF's unnormalised log-marginals
// α + β (crf.LogPotentials), or the emissions of a tagger without a CRF.
// The context view's q is the detached target. T² keeps the gradient's
// size independent of the temperature, as in distillation.
func KL(plain, context *ts.Tensor, lengths []int, temperature float64) (*ts.Tensor, error) {
	if err := sameShape(plain, context, lengths); err != nil {
		return nil, err
	}
	if !(temperature > 0) {
		return nil, fmt.Errorf("coop: temperature %v; expected a positive number", temperature)
	}
	size := plain.MustSize()
	mask, err := lengthMask(lengths, size[1], plain.MustDevice())
	if err != nil {
		return nil, err
	}
	defer mask.MustDrop()
	inv := ts.FloatScalar(1 / temperature)
	teacher := context.MustDetach(false).MustMulScalar(inv, true)
	logQ := teacher.MustLogSoftmax(2, gotch.Float, true) // log q[x;x̃]
	q := logQ.MustExp(false)
	logP := plain.MustMulScalar(inv, false).MustLogSoftmax(2, gotch.Float, true) // log q[x]
	// KL(q ‖ p) = Σ_j q_j (log q_j − log p_j), per position.
	perToken := logQ.MustSub(logP, true).MustMul(q, true).MustSumDimIntlist([]int64{2}, false, gotch.Float, true)
	logP.MustDrop()
	q.MustDrop()
	total := perToken.MustMul(mask, true).MustSum(gotch.Float, true)
	scale := temperature * temperature / float64(len(lengths))
	return total.MustMulScalar(ts.FloatScalar(scale), true), nil
}

// sameShape checks that the two views line up and the lengths fit them.
func sameShape(plain, context *ts.Tensor, lengths []int) error {
	if len(lengths) == 0 {
		return fmt.Errorf("coop: empty batch")
	}
	a, b := plain.MustSize(), context.MustSize()
	if len(a) != 3 || len(b) != 3 || a[0] != b[0] || a[1] != b[1] || a[2] != b[2] {
		return fmt.Errorf("coop: the plain view has shape %v and the context view %v; expected the same [batch, time, dim]", a, b)
	}
	if int(a[0]) != len(lengths) {
		return fmt.Errorf("coop: %d lengths for a batch of %d", len(lengths), a[0])
	}
	for i, l := range lengths {
		if l < 0 || int64(l) > a[1] {
			return fmt.Errorf("coop: sentence %d has length %d; expected 0..%d", i, l, a[1])
		}
	}
	return nil
}

// lengthMask is a [B, T] float tensor: 1 inside each sentence, 0 after.
func lengthMask(lengths []int, T int64, device gotch.Device) (*ts.Tensor, error) {
	vals := make([]float32, int64(len(lengths))*T)
	for b, l := range lengths {
		for t := 0; t < l; t++ {
			vals[int64(b)*T+int64(t)] = 1
		}
	}
	return torch.FromFloat32s(vals, []int64{int64(len(lengths)), T}, device)
}

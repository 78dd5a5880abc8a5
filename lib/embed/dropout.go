package embed

import "github.com/sugarme/gotch/ts"

// WordDropout drops whole tokens, as flair's WordDropout: while training,
// each position of x [B, T, D] is zeroed with probability p (one mask
// [B, T, 1] over the features), without rescaling the rest. It returns a
// new tensor handle in every case (x itself, shallow-copied, when !train
// or p <= 0), so the caller frees x and the result independently; p >= 1
// zeroes everything.
func WordDropout(x *ts.Tensor, p float64, train bool) *ts.Tensor {
	size := x.MustSize()
	return dropWithMask(x, p, train, []int64{size[0], size[1], 1}, false)
}

// LockedDropout is flair's (variational) LockedDropout: while training, one
// mask per sequence [B, 1, D] shared over all time steps of x [B, T, D],
// features kept with probability 1-p and scaled by 1/(1-p). Ownership and
// the edge cases of p are as in WordDropout.
func LockedDropout(x *ts.Tensor, p float64, train bool) *ts.Tensor {
	size := x.MustSize()
	return dropWithMask(x, p, train, []int64{size[0], 1, size[2]}, true)
}

// dropWithMask multiplies x by a Bernoulli(1-p) mask of maskShape drawn
// from libtorch's generator (so torch.Seed reproduces it), broadcast over
// x, and divided by 1-p when rescale.
func dropWithMask(x *ts.Tensor, p float64, train bool, maskShape []int64, rescale bool) *ts.Tensor {
	if !train || p <= 0 {
		return x.MustShallowClone()
	}
	if p >= 1 {
		return x.MustZerosLike(false)
	}
	mask := ts.MustEmpty(maskShape, x.DType(), x.MustDevice()).MustBernoulliP(1-p, true)
	if rescale {
		mask = mask.MustDivScalar(ts.FloatScalar(1-p), true)
	}
	out := x.MustMul(mask, false)
	mask.MustDrop()
	return out
}

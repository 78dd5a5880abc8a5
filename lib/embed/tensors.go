package embed

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Embedder encodes a batch of tokenised sentences as a float32 tensor of
// shape [B, T, Dim()], B = len(batch) and T the longest sentence's length,
// with zeros at padding positions (token t of a sentence shorter than t+1).
// train is true during training, when encoders apply dropout and the like.
// The returned tensor belongs to the caller.
type Embedder interface {
	Dim() int
	Forward(batch [][]string, train bool) *ts.Tensor
}

// batchShape returns the batch size and the longest sentence's length.
func batchShape(batch [][]string) (b, t int) {
	for _, s := range batch {
		if len(s) > t {
			t = len(s)
		}
	}
	return len(batch), t
}

// int64Tensor makes an int64 tensor of the given shape on device from a Go
// slice: one copy to the CPU and, for another device, one transfer.
func int64Tensor(values []int64, shape []int64, device gotch.Device) *ts.Tensor {
	t := ts.MustOfSlice(values).MustView(shape, true)
	if device != gotch.CPU {
		t = t.MustTo(device, true)
	}
	return t
}

// float32Tensor is int64Tensor for float32 values.
func float32Tensor(values []float32, shape []int64, device gotch.Device) *ts.Tensor {
	t := ts.MustOfSlice(values).MustView(shape, true)
	if device != gotch.CPU {
		t = t.MustTo(device, true)
	}
	return t
}

// zeros makes a float32 tensor of zeros on device.
func zeros(shape []int64, device gotch.Device) *ts.Tensor {
	return ts.MustZeros(shape, gotch.Float, device)
}

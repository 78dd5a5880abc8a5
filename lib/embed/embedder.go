package embed

import "github.com/sugarme/gotch/ts"

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

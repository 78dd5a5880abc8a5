package embed

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// Stack concatenates the outputs of several embedders along the last
// dimension, as flair's StackedEmbeddings (word vectors then characters,
// for instance).
type Stack struct {
	parts  []Embedder
	dim    int
	device gotch.Device
}

// NewStack stacks parts in order. device is where the parts' parameters
// live (the model's VarStore's device); an empty stack makes its empty
// output there.
func NewStack(device gotch.Device, parts ...Embedder) *Stack {
	s := &Stack{parts: append([]Embedder(nil), parts...), device: device}
	for _, p := range parts {
		s.dim += p.Dim()
	}
	return s
}

// Dim is the sum of the parts' sizes.
func (s *Stack) Dim() int { return s.dim }

// Parts returns the stacked embedders in order.
func (s *Stack) Parts() []Embedder { return append([]Embedder(nil), s.parts...) }

// Forward runs every part and concatenates: [B, T, Dim()].
func (s *Stack) Forward(batch [][]string, train bool) *ts.Tensor {
	switch len(s.parts) {
	case 0:
		b, t := batchShape(batch)
		return torch.Zeros([]int64{int64(b), int64(t), 0}, s.device)
	case 1:
		return s.parts[0].Forward(batch, train)
	}
	outs := make([]*ts.Tensor, len(s.parts))
	for i, p := range s.parts {
		outs[i] = p.Forward(batch, train)
	}
	out := ts.MustCat(outs, 2)
	for _, o := range outs {
		o.MustDrop()
	}
	return out
}

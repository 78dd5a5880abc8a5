package embed

import (
	"fmt"
	"math"
	"sort"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// BiLSTM is a multi-layer bidirectional LSTM over padded batches. Each
// sequence gets exactly the result it would get alone: the batch is packed
// (time-major, sequences sorted by length, padding dropped) and run through
// at::lstm's packed-sequence kernel, the one PyTorch's pack_padded_sequence
// path calls, so the backward direction starts at each sequence's own last
// token.
//
// Its weights are named and laid out as torch.nn.LSTM's (weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with _reverse, then
// layer 1 …), and initialised like them, from U(-1/√H, 1/√H) in that order.
type BiLSTM struct {
	// Dropout is applied to the outputs of every layer but the last while
	// training (torch.nn.LSTM's dropout argument).
	Dropout float64

	inDim, hidden, layers int
	params                []*ts.Tensor // per layer, per direction: w_ih, w_hh, b_ih, b_hh
}

// NewBiLSTM creates the weights under p. It panics when a size is not
// positive (a programming error: sizes come from validated configuration).
func NewBiLSTM(p *nn.Path, inDim, hidden, layers int) *BiLSTM {
	if inDim < 1 || hidden < 1 || layers < 1 {
		panic(fmt.Sprintf("embed.NewBiLSTM: sizes in=%d hidden=%d layers=%d; expected all positive", inDim, hidden, layers))
	}
	l := &BiLSTM{inDim: inDim, hidden: hidden, layers: layers}
	bound := 1 / math.Sqrt(float64(hidden))
	h := int64(hidden)
	for layer := 0; layer < layers; layer++ {
		in := int64(inDim)
		if layer > 0 {
			in = 2 * h
		}
		for _, suffix := range []string{"", "_reverse"} {
			for _, v := range []struct {
				name  string
				shape []int64
			}{
				{"weight_ih", []int64{4 * h, in}},
				{"weight_hh", []int64{4 * h, h}},
				{"bias_ih", []int64{4 * h}},
				{"bias_hh", []int64{4 * h}},
			} {
				name := fmt.Sprintf("%s_l%d%s", v.name, layer, suffix)
				l.params = append(l.params, p.MustUniform(name, v.shape, -bound, bound))
			}
		}
	}
	return l
}

// OutDim is the size of each output position: 2*hidden.
func (l *BiLSTM) OutDim() int { return 2 * l.hidden }

// Hidden is the size of each direction's state.
func (l *BiLSTM) Hidden() int { return l.hidden }

// Params returns the weights in torch.nn.LSTM's order (_flat_weights).
func (l *BiLSTM) Params() []*ts.Tensor { return append([]*ts.Tensor(nil), l.params...) }

// Forward runs the LSTM over x, [B, T, inDim], where sequence b's real
// positions are 0 … lengths[b]-1. out is [B, T, 2*hidden], forward and
// backward states concatenated, zero at padding positions. final is
// [B, 2*hidden]: the last layer's forward state after each sequence's last
// token, then its backward state after its first token (a summary of the
// whole sequence, as the char encoder uses it). Both belong to the caller.
//
// It panics when lengths does not fit x (a programming error).
func (l *BiLSTM) Forward(x *ts.Tensor, lengths []int, train bool) (out, final *ts.Tensor) {
	return l.run(x, lengths, train, true)
}

// Final is Forward without the padded output, for callers that only need
// the summary states.
func (l *BiLSTM) Final(x *ts.Tensor, lengths []int, train bool) *ts.Tensor {
	_, final := l.run(x, lengths, train, false)
	return final
}

// packing describes how a padded batch maps to PyTorch's packed layout.
type packing struct {
	// rows[r] is the flat padded position (b*T + t) of packed row r: row r
	// is sequence order[k] at time t, time-major.
	rows []int64
	// batchSizes[t] is how many sequences are longer than t.
	batchSizes []int64
	// rank[b] is where sequence b stands in the length-sorted order, or nil
	// when the batch is already sorted.
	rank []int64
}

// pack computes the packed layout of sequences of the given lengths padded
// to t positions. It panics on a length outside [1, t].
func pack(lengths []int, t int) packing {
	order := make([]int, len(lengths))
	total := 0
	for b, n := range lengths {
		if n < 1 || n > t {
			panic(fmt.Sprintf("embed: sequence %d has length %d; expected 1 … %d (the padded length)", b, n, t))
		}
		order[b] = b
		total += n
	}
	sort.SliceStable(order, func(i, j int) bool { return lengths[order[i]] > lengths[order[j]] })

	var pk packing
	sorted := true
	for k, b := range order {
		if k != b {
			sorted = false
		}
	}
	if !sorted {
		pk.rank = make([]int64, len(lengths))
		for k, b := range order {
			pk.rank[b] = int64(k)
		}
	}
	longest := 0
	if len(order) > 0 {
		longest = lengths[order[0]]
	}
	pk.batchSizes = make([]int64, longest)
	pk.rows = make([]int64, 0, total)
	for step := 0; step < longest; step++ {
		for _, b := range order {
			if lengths[b] <= step {
				break // sorted: every later sequence is shorter too
			}
			pk.rows = append(pk.rows, int64(b*t+step))
			pk.batchSizes[step]++
		}
	}
	return pk
}

func (l *BiLSTM) run(x *ts.Tensor, lengths []int, train, wantOut bool) (out, final *ts.Tensor) {
	size := x.MustSize()
	if len(size) != 3 || size[0] != int64(len(lengths)) || size[2] != int64(l.inDim) {
		panic(fmt.Sprintf("embed: BiLSTM input %v with %d lengths; expected [%d, T, %d]", size, len(lengths), len(lengths), l.inDim))
	}
	b, t := size[0], size[1]
	device := x.MustDevice()
	h := int64(l.hidden)
	if b == 0 {
		if wantOut {
			out = torch.Zeros([]int64{0, t, 2 * h}, device)
		}
		return out, torch.Zeros([]int64{0, 2 * h}, device)
	}
	pk := pack(lengths, int(t))

	rows := torch.MustFromInt64s(pk.rows, []int64{int64(len(pk.rows))}, device)
	defer rows.MustDrop()
	flat := x.MustReshape([]int64{b * t, int64(l.inDim)}, false)
	data := flat.MustIndexSelect(0, rows, true)
	// batch_sizes stays on the CPU wherever the data is (PyTorch's rule).
	batchSizes := torch.MustFromInt64s(pk.batchSizes, []int64{int64(len(pk.batchSizes))}, gotch.CPU)
	state0 := torch.Zeros([]int64{2 * int64(l.layers), b, h}, device)
	packedOut, hn, cn := ts.MustLstmData(data, batchSizes, []*ts.Tensor{state0, state0}, l.params,
		true, int64(l.layers), l.Dropout, train, true)
	data.MustDrop()
	batchSizes.MustDrop()
	state0.MustDrop()
	cn.MustDrop()

	// hn is [2*layers, B, H] in sorted order; keep the last layer's two
	// directions, restore the batch order, and lay them side by side.
	last := hn.MustNarrow(0, 2*int64(l.layers-1), 2, true)
	if pk.rank != nil {
		rank := torch.MustFromInt64s(pk.rank, []int64{b}, device)
		last = last.MustIndexSelect(1, rank, true)
		rank.MustDrop()
	}
	final = last.MustTranspose(0, 1, true).MustReshape([]int64{b, 2 * h}, true)

	if !wantOut {
		packedOut.MustDrop()
		return nil, final
	}
	// Scatter packed rows back to their padded positions. gotch's in-place
	// ops leak the tensor they modify, so instead of index_copy_ into zeros
	// this gathers from the packed rows with one zero row in front: padded
	// position p reads row 1+r when packed row r belongs there, row 0 if not.
	gather := make([]int64, b*t)
	for r, pos := range pk.rows {
		gather[pos] = int64(r + 1)
	}
	zeroRow := torch.Zeros([]int64{1, 2 * h}, device)
	withZero := ts.MustCat([]*ts.Tensor{zeroRow, packedOut}, 0)
	zeroRow.MustDrop()
	packedOut.MustDrop()
	idx := torch.MustFromInt64s(gather, []int64{b, t}, device)
	out = ts.MustEmbedding(withZero, idx, -1, false, false)
	idx.MustDrop()
	withZero.MustDrop()
	return out, final
}

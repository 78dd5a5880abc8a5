package embed

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// lstmCase is a batch of sequences of different lengths, padded to T with
// random values that must not influence anything.
type lstmCase struct {
	in, hidden, layers int
	lengths            []int
	t                  int
}

var mixedLengths = lstmCase{in: 6, hidden: 5, layers: 2, lengths: []int{3, 7, 1, 7, 5}, t: 8}

func TestPackLayout(t *testing.T) {
	pk := pack([]int{2, 3, 1}, 4)
	// Sorted order: 1 (len 3), 0 (len 2), 2 (len 1); time-major rows.
	wantRows := []int64{1*4 + 0, 0*4 + 0, 2*4 + 0, 1*4 + 1, 0*4 + 1, 1*4 + 2}
	wantSizes := []int64{3, 2, 1}
	wantRank := []int64{1, 0, 2}
	for name, pair := range map[string][2][]int64{"rows": {pk.rows, wantRows}, "batch sizes": {pk.batchSizes, wantSizes}, "rank": {pk.rank, wantRank}} {
		if len(pair[0]) != len(pair[1]) {
			t.Fatalf("%s %v, want %v", name, pair[0], pair[1])
		}
		for i := range pair[0] {
			if pair[0][i] != pair[1][i] {
				t.Fatalf("%s %v, want %v", name, pair[0], pair[1])
			}
		}
	}
	if sorted := pack([]int{3, 3, 1}, 3); sorted.rank != nil {
		t.Errorf("an already sorted batch gets rank %v, want nil", sorted.rank)
	}
}

func TestBiLSTMBatchEqualsEachSequenceAlone(t *testing.T) {
	c := mixedLengths
	vs := newStore(5)
	l := NewBiLSTM(vs.Root().Sub("lstm"), c.in, c.hidden, c.layers)
	x := randn(int64(len(c.lengths)), int64(c.t), int64(c.in))
	defer x.MustDrop()
	out, final := l.Forward(x, c.lengths, false)
	defer out.MustDrop()
	defer final.MustDrop()
	h2 := 2 * c.hidden
	shapeIs(t, out, int64(len(c.lengths)), int64(c.t), int64(h2))
	shapeIs(t, final, int64(len(c.lengths)), int64(h2))
	outs, finals := values(t, out), values(t, final)

	for b, n := range c.lengths {
		xb := x.MustNarrow(0, int64(b), 1, false).MustNarrow(1, 0, int64(n), true)
		alone, aloneFinal := l.Forward(xb, []int{n}, false)
		got := outs[b*c.t*h2 : (b*c.t+n)*h2]
		if d := maxDiff(t, got, values(t, alone)); d > 1e-5 {
			t.Errorf("sequence %d: outputs differ from running it alone by %g", b, d)
		}
		if d := maxDiff(t, finals[b*h2:(b+1)*h2], values(t, aloneFinal)); d > 1e-5 {
			t.Errorf("sequence %d: final states differ from running it alone by %g", b, d)
		}
		padding := outs[(b*c.t+n)*h2 : (b+1)*c.t*h2]
		if d := maxDiff(t, padding, make([]float32, len(padding))); d != 0 {
			t.Errorf("sequence %d: padding outputs are not zero", b)
		}
		// The final forward state is the output at the last real token, the
		// final backward state the output at the first.
		last := got[(n-1)*h2 : (n-1)*h2+c.hidden]
		first := got[c.hidden:h2]
		if maxDiff(t, last, finals[b*h2:b*h2+c.hidden]) != 0 || maxDiff(t, first, finals[b*h2+c.hidden:(b+1)*h2]) != 0 {
			t.Errorf("sequence %d: final states are not the outputs at the ends", b)
		}
		xb.MustDrop()
		alone.MustDrop()
		aloneFinal.MustDrop()
	}
}

func TestBiLSTMGradientsReachEveryWeightButNotPadding(t *testing.T) {
	c := mixedLengths
	vs := newStore(6)
	l := NewBiLSTM(vs.Root(), c.in, c.hidden, c.layers)
	x := randn(int64(len(c.lengths)), int64(c.t), int64(c.in)).MustSetRequiresGrad(true, true)
	defer x.MustDrop()
	out, final := l.Forward(x, c.lengths, true)
	loss := out.MustSum(gotch.Float, true).MustAdd(final.MustSum(gotch.Float, true), true)
	loss.MustBackward()
	loss.MustDrop()

	params := l.Params()
	if len(params) != 4*2*c.layers || len(vs.TrainableVariables()) != len(params) {
		t.Fatalf("%d parameters (%d trainable in the store), want %d", len(params), len(vs.TrainableVariables()), 4*2*c.layers)
	}
	for i, p := range params {
		g := p.MustGrad(false)
		var sum float64
		for _, v := range values(t, g) {
			sum += math.Abs(float64(v))
		}
		g.MustDrop()
		if sum == 0 {
			t.Errorf("parameter %d has a zero gradient", i)
		}
	}
	gx := x.MustGrad(false)
	grads := values(t, gx)
	gx.MustDrop()
	for b, n := range c.lengths {
		for pos := 0; pos < c.t; pos++ {
			g := grads[(b*c.t+pos)*c.in : (b*c.t+pos+1)*c.in]
			zero := maxDiff(t, g, make([]float32, c.in)) == 0
			if zero != (pos >= n) {
				t.Errorf("sequence %d position %d (length %d): input gradient zero = %v", b, pos, n, zero)
			}
		}
	}
}

func TestBiLSTMWeightNamesFollowPyTorch(t *testing.T) {
	vs := newStore(1)
	NewBiLSTM(vs.Root().Sub("enc"), 3, 2, 2)
	vars := vs.Variables()
	for _, name := range []string{"enc.weight_ih_l0", "enc.weight_hh_l0", "enc.bias_ih_l0", "enc.bias_hh_l0",
		"enc.weight_ih_l0_reverse", "enc.bias_hh_l1_reverse", "enc.weight_ih_l1"} {
		if _, ok := vars[name]; !ok {
			t.Errorf("no variable %q", name)
		}
	}
	w := vars["enc.weight_ih_l1"]
	if got := w.MustSize(); got[0] != 8 || got[1] != 4 {
		t.Errorf("weight_ih_l1 shape %v, want [8 4]", got)
	}
	bound := float32(1 / math.Sqrt(2))
	for _, v := range values(t, &w) {
		if v < -bound || v > bound {
			t.Fatalf("initial weight %v outside ±1/√H = %v", v, bound)
		}
	}
}

func writeFloats(t *testing.T, path string, tensors ...*ts.Tensor) {
	t.Helper()
	var buf []byte
	for _, x := range tensors {
		for _, v := range values(t, x) {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFloats(t *testing.T, path string) []float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// TestBiLSTMMatchesPyTorch runs the same weights and inputs through
// torch.nn.LSTM with pack_padded_sequence and compares outputs, final
// states and the gradients of a weighted sum of both.
func TestBiLSTMMatchesPyTorch(t *testing.T) {
	python := shareddata.PythonTorch(t, "numpy")
	c := mixedLengths
	b := int64(len(c.lengths))
	h2 := int64(2 * c.hidden)
	vs := newStore(8)
	l := NewBiLSTM(vs.Root(), c.in, c.hidden, c.layers)
	x := randn(b, int64(c.t), int64(c.in)).MustSetRequiresGrad(true, true)
	rOut, rFinal := randn(b, int64(c.t), h2), randn(b, h2)
	defer x.MustDrop()
	defer rOut.MustDrop()
	defer rFinal.MustDrop()

	dir := t.TempDir()
	var params [][2]any
	names := []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
	for i, p := range l.Params() {
		layer, direction, kind := i/8, (i/4)%2, i%4
		name := fmt.Sprintf("%s_l%d", names[kind], layer)
		if direction == 1 {
			name += "_reverse"
		}
		params = append(params, [2]any{name, p.MustSize()})
	}
	spec, _ := json.Marshal(map[string]any{"in": c.in, "hidden": c.hidden, "layers": c.layers, "lengths": c.lengths, "T": c.t, "params": params})
	if err := os.WriteFile(filepath.Join(dir, "case.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	writeFloats(t, filepath.Join(dir, "params.f32"), l.Params()...)
	writeFloats(t, filepath.Join(dir, "x.f32"), x)
	writeFloats(t, filepath.Join(dir, "r_out.f32"), rOut)
	writeFloats(t, filepath.Join(dir, "r_final.f32"), rFinal)
	if msg, err := exec.Command(python, filepath.Join("testdata", "lstm_reference.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("reference script: %v\n%s", err, msg)
	}

	out, final := l.Forward(x, c.lengths, true)
	loss := out.MustMul(rOut, false).MustSum(gotch.Float, true).MustAdd(final.MustMul(rFinal, false).MustSum(gotch.Float, true), true)
	loss.MustBackward()
	loss.MustDrop()
	refOut := readFloats(t, filepath.Join(dir, "out.f32"))
	if d := maxDiff(t, values(t, out), refOut); d > 1e-5 {
		t.Errorf("outputs differ from PyTorch's by %g", d)
	} else {
		t.Logf("outputs differ from PyTorch's by at most %g (largest |output| %g)", d, maxDiff(t, refOut, make([]float32, len(refOut))))
	}
	if d := maxDiff(t, values(t, final), readFloats(t, filepath.Join(dir, "final.f32"))); d > 1e-5 {
		t.Errorf("final states differ from PyTorch's by %g", d)
	}
	out.MustDrop()
	final.MustDrop()

	ref := readFloats(t, filepath.Join(dir, "grads.f32"))
	offset, worst := 0, 0.0
	for i, p := range append(l.Params(), x) {
		g := p.MustGrad(false)
		got := values(t, g)
		g.MustDrop()
		name := "x"
		if i < len(params) {
			name = params[i][0].(string)
		}
		d := maxDiff(t, got, ref[offset:offset+len(got)])
		if d > 1e-4 {
			t.Errorf("gradient of %s differs from PyTorch's by %g", name, d)
		}
		worst = math.Max(worst, d)
		offset += len(got)
	}
	t.Logf("gradients differ from PyTorch's by at most %g", worst)
	if offset != len(ref) {
		t.Errorf("PyTorch wrote %d gradient values, compared %d", len(ref), offset)
	}
}

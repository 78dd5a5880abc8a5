package optim

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"sync"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// benchShapes is a flair-style BiLSTM-CRF (20k×100 word embeddings, a
// 25-wide character LSTM, a 256×2 BiLSTM over 150 inputs, a 20-tag CRF):
// 2.85M parameters in 17 tensors. testdata/torch_reference.py --bench
// times PyTorch on the same shapes.
var benchShapes = [][]int64{
	{20000, 100}, {100, 25}, {100, 25}, {100, 25}, {100}, {100},
	{1024, 150}, {1024, 256}, {1024}, {1024},
	{1024, 150}, {1024, 256}, {1024}, {1024},
	{20, 512}, {20}, {20, 20},
}

// benchParams makes the benchmark parameters with random values and
// random gradients (gradients are set once; every Step reuses them).
func benchParams(b *testing.B) []Param {
	b.Helper()
	torch.Seed(1)
	var params []Param
	var total *ts.Tensor
	for i, shape := range benchShapes {
		p := ts.MustRandn(shape, gotch.Float, gotch.CPU).MustSetRequiresGrad(true, true)
		g := ts.MustRandn(shape, gotch.Float, gotch.CPU)
		term := p.MustMul(g, false).MustSum(gotch.Float, true)
		g.MustDrop()
		if total == nil {
			total = term
		} else {
			total = total.MustAdd(term, true)
			term.MustDrop()
		}
		params = append(params, Param{Name: fmt.Sprintf("p%d", i), Tensor: p})
	}
	total.MustBackward()
	total.MustDrop()
	return params
}

func benchmarkStep(b *testing.B, kind string) {
	prev := torch.SetThreads(0)
	torch.SetThreads(1) // PyTorch's reference timing runs on one thread too
	defer torch.SetThreads(prev)
	params := benchParams(b)
	groups := []Group{{Name: "all", Params: params, WeightDecay: 0.01}}
	opt, lr := NewAdamW(groups, 0.9, 0.999, 1e-8), 1e-3
	if kind == "sgd" {
		opt, lr = NewSGD([]Group{{Name: "all", Params: params}}, 0, false), 0.1
	}
	for range 5 {
		if err := opt.Step(lr); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := opt.Step(lr); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if ms, ok := torchBenchMillis()[kind+"_ms_per_step"]; ok {
		b.ReportMetric(ms, "torch-ms/op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6/ms, "x-torch")
	}
}

// BenchmarkAdamWStep times AdamW.Step (weight decay on) on the
// BiLSTM-CRF-sized parameter set, one libtorch thread, and reports
// PyTorch 1.13's time for torch.optim.AdamW on the same shapes and the
// ratio when /usr/bin/python3 has torch.
func BenchmarkAdamWStep(b *testing.B) { benchmarkStep(b, "adamw") }

// BenchmarkSGDStep does the same for plain SGD (flair's default).
func BenchmarkSGDStep(b *testing.B) { benchmarkStep(b, "sgd") }

// torchBenchMillis runs the reference script's timing once; empty when
// PyTorch is unavailable.
var torchBenchMillis = sync.OnceValue(func() map[string]float64 {
	out, err := exec.Command(pythonTorch, "testdata/torch_reference.py", "--bench", "20").Output()
	times := map[string]float64{}
	if err == nil {
		_ = json.Unmarshal(out, &times)
	}
	return times
})

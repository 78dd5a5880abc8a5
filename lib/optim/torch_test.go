package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"sync"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// pythonTorch is Debian's interpreter, the one that sees python3-torch
// (the python3 first on PATH may be another one).
const pythonTorch = "/usr/bin/python3"

// torchReference runs testdata/torch_reference.py once per test binary on
// every case the tests need (starting Python and torch takes seconds) and
// returns the answers in case order. Without Python or torch it skips, or
// fails when CI=true.
func torchReference(t *testing.T) []json.RawMessage {
	t.Helper()
	torchOnce.Do(func() {
		if err := exec.Command(pythonTorch, "-c", "import torch").Run(); err != nil {
			torchSkip = "PyTorch reference unavailable (" + pythonTorch + " with python3-torch): " + err.Error()
			return
		}
		in, err := json.Marshal(append(optimizerTorchCases(), clipTorchCases()...))
		if err != nil {
			torchFailure = err
			return
		}
		cmd := exec.Command(pythonTorch, "testdata/torch_reference.py")
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			torchFailure = fmt.Errorf("torch_reference.py: %v\n%s", err, stderr.String())
			return
		}
		torchFailure = json.Unmarshal(stdout, &torchAnswers)
	})
	switch {
	case torchSkip != "":
		shareddata.Missing(t, "%s", torchSkip)
	case torchFailure != nil:
		t.Fatal(torchFailure)
	}
	return torchAnswers
}

var (
	torchOnce    sync.Once
	torchAnswers []json.RawMessage
	torchSkip    string
	torchFailure error
)

// torchCase encodes a scenario for the reference script. Values are sent
// as float64; for float32 they are first rounded to what the Go tensors
// hold, so both sides start from identical numbers.
func (sc scenario) torchCase(dtype string) map[string]any {
	conv := func(v []float64) []float64 {
		if dtype == "float32" {
			return roundTo32(v)
		}
		return v
	}
	init := map[string]any{}
	for _, p := range sc.params {
		init[p.name] = map[string]any{"shape": p.shape, "values": conv(p.values)}
	}
	var groups []map[string]any
	for _, g := range sc.groups {
		groups = append(groups, map[string]any{"params": g.params, "lr_scale": g.lrScale, "weight_decay": g.weightDecay})
	}
	var grads []map[string][]float64
	for _, step := range sc.grads {
		m := map[string][]float64{}
		for n, v := range step {
			m[n] = conv(v)
		}
		grads = append(grads, m)
	}
	return map[string]any{
		"kind": sc.kind, "dtype": dtype, "init": init, "groups": groups, "lrs": sc.lrs, "grads": grads,
		"momentum": sc.momentum, "nesterov": sc.nesterov, "beta1": sc.beta1, "beta2": sc.beta2, "eps": sc.eps,
	}
}

// TestOptimizersMatchPyTorch runs every scenario through torch.optim.SGD /
// torch.optim.AdamW (PyTorch 1.13 on the same libtorch) and compares every
// parameter after every step. Both sides run the same CPU kernels in the
// same order on the same numbers, so they must agree bit for bit.
func TestOptimizersMatchPyTorch(t *testing.T) {
	type run struct {
		sc    scenario
		dtype gotch.DType
		name  string
		tol   float64
	}
	var runs []run
	for _, sc := range optimizerScenarios() {
		runs = append(runs, run{sc, gotch.Double, "float64", 0}, run{sc, gotch.Float, "float32", 0})
	}
	answers := torchReference(t)
	for i, r := range runs {
		t.Run(r.sc.name+"/"+r.name, func(t *testing.T) {
			var answer struct {
				Trajectory trajectory `json:"trajectory"`
			}
			if err := json.Unmarshal(answers[i], &answer); err != nil {
				t.Fatal(err)
			}
			got := r.sc.run(t, r.dtype)
			compareTrajectories(t, got, answer.Trajectory, r.tol, "nerlab vs PyTorch")
		})
	}
}

// optimizerTorchCases are the reference cases of
// TestOptimizersMatchPyTorch: each scenario in float64, then in float32.
func optimizerTorchCases() []map[string]any {
	var cases []map[string]any
	for _, sc := range optimizerScenarios() {
		cases = append(cases, sc.torchCase("float64"), sc.torchCase("float32"))
	}
	return cases
}

// clipScenario and clipMaxNorms drive TestClipGradNormMatchesPyTorch: a
// cap below the gradients' norm (so they are scaled) and one above it.
func clipScenario() (scenario, map[string][]float64) {
	sc := newScenario("clip", "sgd", 9)
	return sc, sc.grads[2] // every parameter has a gradient in step 2
}

var clipMaxNorms = []float64{0.5, 100}

func clipTorchCases() []map[string]any {
	sc, grads := clipScenario()
	var cases []map[string]any
	for _, m := range clipMaxNorms {
		c := sc.torchCase("float32")
		c["kind"], c["max_norm"], c["grads"] = "clip", m, []map[string][]float64{roundGrads(grads)}
		cases = append(cases, c)
	}
	return cases
}

// TestClipGradNormMatchesPyTorch compares the total and clipped gradients
// with torch.nn.utils.clip_grad_norm_, for a norm above and below the cap.
func TestClipGradNormMatchesPyTorch(t *testing.T) {
	sc, grads := clipScenario()
	raw := torchReference(t)[len(optimizerTorchCases()):]
	for i, m := range clipMaxNorms {
		var answer struct {
			Total float64              `json:"total"`
			Grads map[string][]float64 `json:"grads"`
		}
		if err := json.Unmarshal(raw[i], &answer); err != nil {
			t.Fatal(err)
		}
		params, _ := sc.build(t, gotch.Float)
		setGrads(t, params, grads)
		total := ClipGradNorm(params, m)
		if math.Abs(total-answer.Total) > 1e-6*answer.Total {
			t.Errorf("maxNorm %v: total %.9g, PyTorch %.9g", m, total, answer.Total)
		}
		for _, p := range params {
			if j := closeTo(gradValues(t, p), answer.Grads[p.Name], 5e-7); j >= 0 {
				t.Errorf("maxNorm %v: %s grad[%d] = %.9g, PyTorch %.9g", m, p.Name, j, gradValues(t, p)[j], answer.Grads[p.Name][j])
			}
		}
	}
}

func roundGrads(g map[string][]float64) map[string][]float64 {
	out := map[string][]float64{}
	for k, v := range g {
		out[k] = roundTo32(v)
	}
	return out
}

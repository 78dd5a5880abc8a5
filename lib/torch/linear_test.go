package torch

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// TestNewLinearDrawsAsPyTorch: after the same seed, two layers made in a
// row hold exactly the weights and biases of torch.nn.Linear made in the
// same order. gotch's nn.NewLinear, with N(0, 1) weights (28 times
// PyTorch's scale for 256 inputs), fails it, and the bound check below
// even without Python.
func TestNewLinearDrawsAsPyTorch(t *testing.T) {
	Seed(7)
	vs := nn.NewVarStore(gotch.CPU)
	first := NewLinear(vs.Root().Sub("a"), 256, 3)
	second := NewLinear(vs.Root().Sub("b"), 4, 2)
	vars := vs.Variables()
	got := map[string][]float64{}
	for _, name := range []string{"a.weight", "a.bias", "b.weight", "b.bias"} {
		v := vars[name]
		flat := v.MustView([]int64{-1}, false)
		got[name] = flat.Float64Values()
		flat.MustDrop()
	}
	runtime.KeepAlive(vs) // vars copies the store's handles
	for name, values := range got {
		bound := 1 / 16.0
		if name[0] == 'b' {
			bound = 0.5
		}
		for _, v := range values {
			if v < -bound || v > bound {
				t.Fatalf("%s has %g, outside ±%g", name, v, bound)
			}
		}
	}
	if s := first.Ws.MustSize(); s[0] != 256 || s[1] != 3 || second.Bs.MustSize()[0] != 2 {
		t.Fatalf("Ws is %v; expected the transposed weight [256 3]", s)
	}

	const script = `
import json, torch
torch.manual_seed(7)
a = torch.nn.Linear(256, 3)
b = torch.nn.Linear(4, 2)
print(json.dumps({"a.weight": a.weight.flatten().tolist(), "a.bias": a.bias.tolist(),
                  "b.weight": b.weight.flatten().tolist(), "b.bias": b.bias.tolist()}))
`
	out, err := exec.Command("/usr/bin/python3", "-c", script).Output()
	if err != nil {
		shareddata.Missing(t, "PyTorch reference unavailable (/usr/bin/python3 with python3-torch): %v", err)
	}
	want := map[string][]float64{}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("python printed %q: %v", out, err)
	}
	for name, values := range want {
		if len(got[name]) != len(values) {
			t.Fatalf("%s: %d values; PyTorch has %d", name, len(got[name]), len(values))
		}
		for i, v := range values {
			if float32(got[name][i]) != float32(v) {
				t.Fatalf("%s[%d] = %g; PyTorch draws %g", name, i, got[name][i], v)
			}
		}
	}
}

package optim

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// resumeAt is where the resume tests stop and restart. From step 4 on every
// scenario parameter gets a gradient in every step; gradients are not part
// of a checkpoint (in PyTorch neither), so restarting just before a step in
// which a parameter has only a stale zeroed gradient would skip it.
const resumeAt = 4

// jsonRoundTrip passes meta through JSON as a checkpoint file would.
func jsonRoundTrip(t *testing.T, meta map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(meta)
	if err != nil {
		t.Fatalf("meta does not encode to JSON: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// restart makes fresh parameters holding params' current values and a
// fresh optimizer for them, as loading a checkpoint would.
func (sc scenario) restart(t *testing.T, params []Param, dtype gotch.DType) ([]Param, Optimizer) {
	t.Helper()
	saved := sc
	saved.params = nil
	for i, s := range sc.params {
		s.values = values(params[i])
		saved.params = append(saved.params, s)
	}
	return saved.build(t, dtype)
}

func dropAll(tensors map[string]*ts.Tensor) {
	for _, x := range tensors {
		x.MustDrop()
	}
}

func TestResumeContinuesBitIdentically(t *testing.T) {
	for _, sc := range optimizerScenarios() {
		for _, dtype := range []gotch.DType{gotch.Float, gotch.Double} {
			t.Run(sc.name+"/"+dtype.String(), func(t *testing.T) {
				full := sc.run(t, dtype)

				params, opt := sc.build(t, dtype)
				sc.runSteps(t, params, opt, 0, resumeAt)
				tensors, meta := opt.State()
				defer dropAll(tensors)
				wantTensors := 0
				if sc.kind == "adamw" {
					wantTensors = 2 * len(sc.params)
				} else if sc.momentum != 0 {
					wantTensors = len(sc.params)
				}
				if len(tensors) != wantTensors {
					t.Fatalf("State has %d tensors, want %d: %v", len(tensors), wantTensors, slices.Sorted(maps.Keys(tensors)))
				}

				params2, opt2 := sc.restart(t, params, dtype)
				if err := opt2.LoadState(tensors, jsonRoundTrip(t, meta)); err != nil {
					t.Fatal(err)
				}
				resumed := sc.runSteps(t, params2, opt2, resumeAt, len(sc.lrs))
				// The uninterrupted run must also keep going after State.
				for k, step := range resumed {
					for name, v := range step {
						if i := closeTo(v, full[resumeAt+k][name], 0); i >= 0 {
							t.Fatalf("step %d %s[%d]: resumed %.17g, uninterrupted %.17g", resumeAt+k, name, i, v[i], full[resumeAt+k][name][i])
						}
					}
				}
			})
		}
	}
}

// TestStateIsACopy: the tensors State returns do not follow later steps.
func TestStateIsACopy(t *testing.T) {
	sc := optimizerScenarios()[3] // adamw
	params, opt := sc.build(t, gotch.Float)
	sc.runSteps(t, params, opt, 0, resumeAt)
	tensors, meta := opt.State()
	defer dropAll(tensors)
	before := tensors["enc.weight.exp_avg"].Float64Values()
	sc.runSteps(t, params, opt, resumeAt, resumeAt+1)
	if closeTo(tensors["enc.weight.exp_avg"].Float64Values(), before, 0) >= 0 {
		t.Fatal("exported exp_avg changed with a later step")
	}
	steps := meta["steps"].(map[string]int64)
	if steps["enc.weight"] != resumeAt || steps["late.weight"] != resumeAt-2 {
		t.Fatalf("steps %v; want enc.weight %d and late.weight %d (no gradient in the first two)", steps, resumeAt, resumeAt-2)
	}
	if meta["optimizer"] != "adamw" || meta["beta1"] != 0.9 || meta["beta2"] != 0.999 || meta["eps"] != 1e-8 {
		t.Fatalf("meta %v lacks the optimizer's name and settings", meta)
	}
}

// TestLoadStateRejectsBadState checks each error and that a rejected load
// leaves the optimizer exactly where it was.
func TestLoadStateRejectsBadState(t *testing.T) {
	sc := optimizerScenarios()[3] // adamw
	full := sc.run(t, gotch.Float)
	params, opt := sc.build(t, gotch.Float)
	sc.runSteps(t, params, opt, 0, resumeAt)
	good, goodMeta := opt.State()
	defer dropAll(good)

	wrongShape := ts.MustZeros([]int64{4, 3}, gotch.Float, gotch.CPU)
	defer wrongShape.MustDrop()
	cases := []struct {
		name   string
		edit   func(tensors map[string]*ts.Tensor, meta map[string]any)
		expect string
	}{
		{"other optimizer", func(_ map[string]*ts.Tensor, m map[string]any) { m["optimizer"] = "sgd" }, `state is for optimizer "sgd"; expected "adamw"`},
		{"missing tensor", func(x map[string]*ts.Tensor, _ map[string]any) { delete(x, "enc.weight.exp_avg") }, `"enc.weight.exp_avg" is missing`},
		{"wrong shape", func(x map[string]*ts.Tensor, _ map[string]any) { x["enc.weight.exp_avg_sq"] = wrongShape }, `has shape [4 3]; expected [3 4]`},
		{"extra tensor", func(x map[string]*ts.Tensor, _ map[string]any) { x["ghost.exp_avg"] = wrongShape }, `unexpected state tensors [ghost.exp_avg]`},
		{"unknown parameter", func(_ map[string]*ts.Tensor, m map[string]any) { m["steps"].(map[string]any)["ghost"] = 3.0 }, `unknown parameter "ghost"`},
		{"fractional steps", func(_ map[string]*ts.Tensor, m map[string]any) { m["steps"].(map[string]any)["enc.bias"] = 1.5 }, `expected a whole number`},
		{"no steps", func(_ map[string]*ts.Tensor, m map[string]any) { delete(m, "steps") }, `no "steps"`},
		{"incomplete", func(_ map[string]*ts.Tensor, m map[string]any) { m["incomplete"] = "out of memory" }, `saved incomplete`},
	}
	for _, tc := range cases {
		tensors := maps.Clone(good)
		meta := jsonRoundTrip(t, goodMeta)
		tc.edit(tensors, meta)
		err := opt.LoadState(tensors, meta)
		if err == nil || !strings.Contains(err.Error(), tc.expect) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.expect)
		}
	}
	rest := sc.runSteps(t, params, opt, resumeAt, len(sc.lrs))
	for k, step := range rest {
		for name, v := range step {
			if i := closeTo(v, full[resumeAt+k][name], 0); i >= 0 {
				t.Fatalf("after rejected loads, step %d %s[%d] = %.9g, want %.9g", resumeAt+k, name, i, v[i], full[resumeAt+k][name][i])
			}
		}
	}
}

// TestLoadStateAcrossMomentumSettings: SGD state with momentum buffers
// does not load into plain SGD and vice versa.
func TestLoadStateAcrossMomentumSettings(t *testing.T) {
	sc := optimizerScenarios()[1] // sgd-momentum
	params, opt := sc.build(t, gotch.Double)
	sc.runSteps(t, params, opt, 0, resumeAt)
	tensors, meta := opt.State()
	defer dropAll(tensors)

	plain := sc
	plain.momentum = 0
	_, plainOpt := plain.build(t, gotch.Double)
	if err := plainOpt.LoadState(tensors, meta); err == nil || !strings.Contains(err.Error(), "unexpected state tensors") {
		t.Errorf("plain SGD loading momentum state: %v", err)
	}
	plainTensors, plainMeta := plainOpt.State()
	if len(plainTensors) != 0 {
		t.Errorf("plain SGD exported %d tensors, want none", len(plainTensors))
	}
	plainMeta["steps"] = meta["steps"]
	_, momOpt := sc.build(t, gotch.Double)
	if err := momOpt.LoadState(plainTensors, plainMeta); err == nil || !strings.Contains(err.Error(), "momentum_buffer\" is missing") {
		t.Errorf("momentum SGD loading plain state: %v", err)
	}
}

// TestReleaseFreesTheState: after Release the optimizer exports no state,
// the tensors it held are freed, and it goes on exactly as an optimizer
// just made for the same parameters would.
func TestReleaseFreesTheState(t *testing.T) {
	for _, sc := range optimizerScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			params, opt := sc.build(t, gotch.Double)
			sc.runSteps(t, params, opt, 0, resumeAt)
			var held []*ts.Tensor
			for _, s := range opt.(interface{ slotsForTest() []*slot }).slotsForTest() {
				for _, x := range s.state {
					if x != nil {
						held = append(held, x)
					}
				}
			}
			opt.Release()
			for i, x := range held {
				if x.Ctensor() != nil {
					t.Fatalf("state tensor %d of %d is still allocated after Release", i, len(held))
				}
			}
			if tensors, _ := opt.State(); len(tensors) != 0 {
				t.Fatalf("State after Release has %d tensors; want none", len(tensors))
			}
			params2, fresh := sc.restart(t, params, gotch.Double)
			got := sc.runSteps(t, params, opt, resumeAt, len(sc.lrs))
			want := sc.runSteps(t, params2, fresh, resumeAt, len(sc.lrs))
			for k, step := range got {
				for name, v := range step {
					if i := closeTo(v, want[k][name], 0); i >= 0 {
						t.Fatalf("step %d %s[%d]: after Release %.17g, fresh optimizer %.17g", resumeAt+k, name, i, v[i], want[k][name][i])
					}
				}
			}
		})
	}
}

func (c *core) slotsForTest() []*slot { return c.slots }

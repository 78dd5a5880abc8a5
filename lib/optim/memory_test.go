package optim

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
)

// residentBytes reads this process's resident set size from /proc.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm to measure memory: %v", err)
	}
	fields := strings.Fields(string(data))
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// TestStepsDoNotLeak runs many steps on 2 MiB of parameters: a temporary
// that outlived its step (gotch's in-place wrappers pin the old storage of
// the tensor they modify) would add 1 MiB per step, 300 MiB in all.
func TestStepsDoNotLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test skipped in -short mode")
	}
	r := rand.New(rand.NewPCG(3, 3))
	var params []Param
	grads := map[string][]float64{}
	for _, name := range []string{"a", "b"} {
		s := spec{name: name, shape: []int64{512, 512}, values: randomValues(r, 512*512, 1)}
		params = append(params, newParam(t, s, gotch.Float))
		grads[name] = randomValues(r, 512*512, 1)
	}
	setGrads(t, params, grads)
	for _, opt := range []Optimizer{
		NewAdamW([]Group{{Params: params, WeightDecay: 0.01}}, 0.9, 0.999, 1e-8),
		NewSGD([]Group{{Params: params, WeightDecay: 0.01}}, 0.9, true),
	} {
		step := func(i int) {
			ClipGradNorm(params, 1e9)
			if !GradsFinite(params) {
				t.Fatal("finite gradients reported as non-finite")
			}
			if err := opt.Step(1e-3); err != nil {
				t.Fatal(err)
			}
			if i%50 == 0 {
				tensors, _ := opt.State()
				dropAll(tensors)
			}
		}
		for i := range 20 { // let the allocators settle
			step(i)
		}
		runtime.GC()
		before := residentBytes(t)
		for i := range 300 {
			step(i)
		}
		runtime.GC()
		growth := residentBytes(t) - before
		t.Logf("%s: resident memory grew %.1f MiB over 300 steps", opt.Name(), float64(growth)/(1<<20))
		if growth > 32<<20 {
			t.Errorf("%s: resident memory grew %.1f MiB over 300 steps; want < 32 MiB", opt.Name(), float64(growth)/(1<<20))
		}
	}
}

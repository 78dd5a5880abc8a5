// Package torch is nerlab's thin layer over gotch (libtorch for Go): device
// choice, gradient scopes and the conventions every model package follows.
//
// gotch tensors own C memory that Go's garbage collector does not see, so
// code that creates tensors in a loop frees them in the same step (Drop or
// the del flags of gotch's ops). Calling ts.CleanUp per step is not a
// substitute: it forces a GC and costs about a second each time.
package torch

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Device picks where tensors live. name is "cpu", "cuda", "cuda:N" or "auto"
// ("" means auto: the first GPU when libtorch has CUDA and one is visible,
// the CPU otherwise).
func Device(name string) (gotch.Device, error) {
	switch n := strings.ToLower(strings.TrimSpace(name)); {
	case n == "" || n == "auto":
		return gotch.CudaIfAvailable(), nil
	case n == "cpu":
		return gotch.CPU, nil
	case n == "cuda" || n == "gpu" || strings.HasPrefix(n, "cuda:"):
		if !gotch.CUDA.IsAvailable() {
			return gotch.CPU, fmt.Errorf("device %q: no CUDA device is available to this libtorch; use cpu or auto", name)
		}
		idx := 0
		if strings.HasPrefix(n, "cuda:") {
			if _, err := fmt.Sscanf(n, "cuda:%d", &idx); err != nil || idx < 0 {
				return gotch.CPU, fmt.Errorf("device %q: expected cuda:N with N a device number", name)
			}
		}
		if int64(idx) >= gotch.CUDA.DeviceCount() {
			return gotch.CPU, fmt.Errorf("device %q: only %d CUDA devices are visible", name, gotch.CUDA.DeviceCount())
		}
		return gotch.CudaBuilder(uint(idx)), nil
	default:
		return gotch.CPU, fmt.Errorf("device %q: expected cpu, cuda, cuda:N or auto", name)
	}
}

// NoGrad runs fn with gradient tracking off and restores the previous
// state afterwards, also when fn panics.
//
// libtorch keeps the gradient mode per OS thread, and a goroutine may move
// between threads, so gotch's ts.NoGrad can switch gradients off on one
// thread and back on on another. NoGrad locks the goroutine to its thread
// for the duration of fn; tensor work that fn hands to other goroutines is
// not covered.
func NoGrad(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := ts.MustGradSetEnabled(false)
	defer ts.MustGradSetEnabled(prev)
	fn()
}

// DisabledOps reads the list of gotch wrappers that tools/gotchprep replaced
// with runtime errors because this libtorch lacks them. path is the
// DISABLED_OPS.txt it wrote (third_party/gotch/DISABLED_OPS.txt).
func DisabledOps(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ops []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		ops = append(ops, name)
	}
	return ops, nil
}

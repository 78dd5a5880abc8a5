package optim

import (
	"fmt"
	"strings"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// handle is a raw libtorch tensor handle (a torch::Tensor*). Every handle a
// function here receives from libtorch is freed with free before the step
// that made it ends, unless it is wrapped into a *ts.Tensor with adopt.
type handle = lib.Ctensor

// raw returns t's handle without copying; nil once t has been dropped.
func raw(t *ts.Tensor) handle { return handle(t.Ctensor()) }

// adopt wraps h into a gotch tensor that Go's collector frees when
// unreachable; used for long-lived optimizer state.
func adopt(h handle) *ts.Tensor { return ts.FromCtensor(unsafe.Pointer(h)) }

func free(h handle) {
	if h != nil {
		lib.AtFree(h)
	}
}

// torchErr reads libtorch's last error (kept per OS thread: callers run
// inside torch.NoGrad, which pins the goroutine to its thread). gotch
// appends a Go stack trace to the message; only the first line is kept.
func torchErr(op string) error {
	if err := ts.TorchErr(); err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fmt.Errorf("optim: %s: %s", op, strings.TrimPrefix(msg, "Libtorch API Error: "))
	}
	return nil
}

// produce runs an op that returns a new tensor.
func produce(op string, call func(out *handle)) (handle, error) {
	var out handle
	call(&out)
	if err := torchErr(op); err != nil {
		free(out)
		return nil, err
	}
	return out, nil
}

// inPlace runs an in-place op; libtorch answers with a second handle to
// the same tensor, which is freed at once.
func inPlace(op string, call func(out *handle)) error {
	out, err := produce(op, call)
	free(out)
	return err
}

// withScalar passes v to libtorch as a Scalar and frees it afterwards.
func withScalar(v float64, call func(s lib.Cscalar)) {
	s := lib.AtsFloat(v)
	defer lib.AtsFree(s)
	call(s)
}

func mulScalar_(t handle, v float64) error {
	return inPlace("mul_", func(out *handle) {
		withScalar(v, func(s lib.Cscalar) { lib.AtgMulScalar_(out, t, s) })
	})
}

func divScalar_(t handle, v float64) error {
	return inPlace("div_", func(out *handle) {
		withScalar(v, func(s lib.Cscalar) { lib.AtgDivScalar_(out, t, s) })
	})
}

func addScalar_(t handle, v float64) error {
	return inPlace("add_", func(out *handle) {
		withScalar(v, func(s lib.Cscalar) { lib.AtgAddScalar_(out, t, s) })
	})
}

func add_(t, other handle) error {
	return inPlace("add_", func(out *handle) { lib.AtgAdd_(out, t, other) })
}

// addcmul_ computes t += a·b.
func addcmul_(t, a, b handle) error {
	return inPlace("addcmul_", func(out *handle) { lib.AtgAddcmul_(out, t, a, b) })
}

// addcmul returns t + a·b as a new tensor.
func addcmul(t, a, b handle) (handle, error) {
	return produce("addcmul", func(out *handle) { lib.AtgAddcmul(out, t, a, b) })
}

// scalarLike makes a 0-dim tensor holding v, with like's dtype and device.
// gotch's add_ has no alpha argument, so y + α·x is written
// addcmul(y, x, α) with α as such a tensor: one kernel, no temporary the
// size of x, and the same rounding as computing α·x first.
func scalarLike(v float64, like handle) (handle, error) {
	return produce("scalar_tensor", func(out *handle) {
		withScalar(v, func(s lib.Cscalar) {
			lib.AtgScalarTensor(out, s, lib.AtScalarType(like), int32(lib.AtDevice(like)))
		})
	})
}

// axpy_ computes t += α·x.
func axpy_(t, x handle, alpha float64) error {
	a, err := scalarLike(alpha, t)
	if err != nil {
		return err
	}
	defer free(a)
	return addcmul_(t, x, a)
}

// axpy returns y + α·x as a new tensor.
func axpy(y, x handle, alpha float64) (handle, error) {
	a, err := scalarLike(alpha, y)
	if err != nil {
		return nil, err
	}
	defer free(a)
	return addcmul(y, x, a)
}

func mulScalar(t handle, v float64) (handle, error) {
	return produce("mul", func(out *handle) {
		withScalar(v, func(s lib.Cscalar) { lib.AtgMulScalar(out, t, s) })
	})
}

// addcdiv_ computes t += a / b.
func addcdiv_(t, a, b handle) error {
	return inPlace("addcdiv_", func(out *handle) { lib.AtgAddcdiv_(out, t, a, b) })
}

func copy_(dst, src handle) error {
	lib.AtCopy_(dst, src)
	return torchErr("copy_")
}

func zero_(t handle) error {
	return inPlace("zero_", func(out *handle) { lib.AtgZero_(out, t) })
}

func detach_(t handle) error {
	return inPlace("detach_", func(out *handle) { lib.AtgDetach_(out, t) })
}

func sqrt(t handle) (handle, error) {
	return produce("sqrt", func(out *handle) { lib.AtgSqrt(out, t) })
}

func zerosLike(t handle) (handle, error) {
	return produce("zeros_like", func(out *handle) { lib.AtgZerosLike(out, t) })
}

// clone copies t into a new tensor of the same dtype and device.
func clone(t handle) (handle, error) {
	c, err := zerosLike(t)
	if err != nil {
		return nil, err
	}
	if err := copy_(c, t); err != nil {
		free(c)
		return nil, err
	}
	return c, nil
}

// grad returns a handle to t's gradient (sharing its storage), or nil when
// t has no gradient yet.
func grad(t handle) (handle, error) {
	g, err := produce("grad", func(out *handle) { lib.AtgGrad(out, t) })
	if err != nil {
		return nil, err
	}
	if !lib.AtDefined(g) {
		free(g)
		return nil, nil
	}
	return g, nil
}

// value reads a one-element tensor as float64 (a device sync on GPUs).
func value(t handle, op string) (float64, error) {
	v := lib.AtDoubleValueAtIndexes(t, nil, 0)
	return v, torchErr(op)
}

// norm2 is the L2 norm of all of t's elements, accumulated by libtorch in
// t's dtype as torch.norm does.
func norm2(t handle) (float64, error) {
	n, err := produce("norm", func(out *handle) { lib.AtgNorm(out, t) })
	if err != nil {
		return 0, err
	}
	defer free(n)
	return value(n, "norm")
}

// allFinite reports whether no element of t is NaN or ±Inf.
func allFinite(t handle) (bool, error) {
	mask, err := produce("isfinite", func(out *handle) { lib.AtgIsfinite(out, t) })
	if err != nil {
		return false, err
	}
	defer free(mask)
	all, err := produce("all", func(out *handle) { lib.AtgAll(out, mask) })
	if err != nil {
		return false, err
	}
	defer free(all)
	v, err := value(all, "all")
	return v != 0, err
}

// shapeOf returns t's sizes.
func shapeOf(t handle) []int64 {
	dim := lib.AtDim(t)
	shape := make([]int64, dim)
	if dim > 0 {
		lib.AtShape(t, unsafe.Pointer(&shape[0]))
	}
	return shape
}

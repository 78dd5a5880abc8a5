package torch

import (
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// Seed seeds libtorch's default generators (initialisation, dropout masks),
// so a run with the same seed draws the same numbers.
func Seed(seed int64) { libtch.AtManualSeed(seed) }

// SetThreads sets libtorch's intra-op thread count (n <= 0 keeps the
// current setting) and makes OpenBLAS single-threaded, so that the only
// thread pool is libtorch's (see singleThreadedBLAS); the first call also
// makes glibc keep freed large blocks (keepFreedMemory). It returns the count
// in effect afterwards. libtorch's OpenMP team belongs to the OS thread that
// calls it: long computations should run on a goroutine locked to its
// thread (runtime.LockOSThread), as training and inference in nerlab do.
func SetThreads(n int) int {
	if n > 0 {
		libtch.AtSetNumThreads(n)
	}
	singleThreadedBLAS()
	keepFreedMemory()
	return libtch.AtGetNumThreads()
}

// Float32s copies a float32 tensor (any device, any layout) into a new Go
// slice in row-major order.
func Float32s(t *ts.Tensor) ([]float32, error) {
	if t.DType() != gotch.Float {
		return nil, fmt.Errorf("torch: expected a float32 tensor, got %v", t.DType())
	}
	out := make([]float32, t.Numel())
	return out, copyOut(t, unsafe.Pointer(unsafe.SliceData(out)), len(out)*4)
}

// Int64s copies an int64 tensor into a new Go slice in row-major order.
func Int64s(t *ts.Tensor) ([]int64, error) {
	if t.DType() != gotch.Int64 {
		return nil, fmt.Errorf("torch: expected an int64 tensor, got %v", t.DType())
	}
	out := make([]int64, t.Numel())
	return out, copyOut(t, unsafe.Pointer(unsafe.SliceData(out)), len(out)*8)
}

// copyOut copies a tensor's bytes with one memcpy. gotch's CopyData checks
// the destination element by element through reflection, which costs more
// than the work on a CRF batch.
func copyOut(t *ts.Tensor, dst unsafe.Pointer, nbytes int) error {
	if nbytes == 0 {
		return nil
	}
	src := t
	if t.MustDevice() != gotch.CPU {
		var err error
		if src, err = t.To(gotch.CPU, false); err != nil {
			return err
		}
		defer src.MustDrop()
	}
	c, err := src.Contiguous(false)
	if err != nil {
		return err
	}
	defer c.MustDrop()
	ptr, err := c.DataPtr()
	if err != nil {
		return err
	}
	copy(unsafe.Slice((*byte)(dst), nbytes), unsafe.Slice((*byte)(ptr), nbytes))
	return nil
}

// FromFloat32s makes a float32 tensor of the given shape on device holding
// a copy of data.
func FromFloat32s(data []float32, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return fromBytes(unsafe.Pointer(unsafe.SliceData(data)), len(data), 4, gotch.Float, shape, device)
}

// FromInt64s makes an int64 tensor of the given shape on device holding a
// copy of data.
func FromInt64s(data []int64, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return fromBytes(unsafe.Pointer(unsafe.SliceData(data)), len(data), 8, gotch.Int64, shape, device)
}

// MustFromInt64s is FromInt64s for values the caller built to fit shape:
// it panics when they do not (a programming error), as the encoders'
// index tensors, which are built in the same function, never should.
func MustFromInt64s(data []int64, shape []int64, device gotch.Device) *ts.Tensor {
	t, err := FromInt64s(data, shape, device)
	if err != nil {
		panic(err)
	}
	return t
}

// MustFromFloat32s is FromFloat32s that panics where MustFromInt64s does.
func MustFromFloat32s(data []float32, shape []int64, device gotch.Device) *ts.Tensor {
	t, err := FromFloat32s(data, shape, device)
	if err != nil {
		panic(err)
	}
	return t
}

// Zeros makes a float32 tensor of zeros of the given shape on device.
func Zeros(shape []int64, device gotch.Device) *ts.Tensor {
	return ts.MustZeros(shape, gotch.Float, device)
}

func fromBytes(src unsafe.Pointer, n, size int, dtype gotch.DType, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	if want := elements(shape); want != int64(n) {
		return nil, fmt.Errorf("torch: %d values do not fill shape %v (%d elements)", n, shape, want)
	}
	flat, err := ts.Empty([]int64{int64(n)}, dtype, gotch.CPU)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		ptr, err := flat.DataPtr()
		if err != nil {
			flat.MustDrop()
			return nil, err
		}
		copy(unsafe.Slice((*byte)(ptr), n*size), unsafe.Slice((*byte)(src), n*size))
	}
	var shaped *ts.Tensor
	if len(shape) == 0 {
		// gotch's shape arguments cannot be empty; a scalar is a squeezed [1].
		shaped, err = flat.Squeeze(true)
	} else {
		shaped, err = flat.View(shape, true)
	}
	if err != nil {
		return nil, err
	}
	if device == gotch.CPU {
		return shaped, nil
	}
	return shaped.To(device, true)
}

func elements(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// InPlace runs an in-place libtorch operation through gotch's C binding
// (call passes the Go tensor's own handle as self) and frees the second
// handle libtorch returns for the result. gotch's in-place methods (Add_,
// Zero_, Normal_ …) instead swap the Go tensor's handle for that second
// one and never free the first, so the tensor's storage is never
// released. InPlace panics on a libtorch error, as gotch's Must methods do.
func InPlace(call func(out *libtch.Ctensor)) {
	var out libtch.Ctensor
	call(&out)
	if err := ts.TorchErr(); err != nil {
		panic(fmt.Sprintf("torch: %v", err))
	}
	libtch.AtFree(out)
}

package torch

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// ReadTorchZip reads the tensors of a state dict that torch.save wrote
// (the zip format of PyTorch ≥ 1.6: ARCHIVE/data.pkl and one file per
// storage, ARCHIVE/data/KEY), such as a Hugging Face pytorch_model.bin.
//
// The pickle is not run: a small reader walks it and accepts only what a
// state dict is made of — strings, numbers, tuples, dicts, and calls of
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter on torch's typed storages. Any other global (os.system
// is the classic) or opcode is refused, naming the file, its offset and
// what it asked for: loading a model never executes code from it. Tensors
// that share a storage (views, tied weights) each get their own copy.
func ReadTorchZip(file string) (map[string]*ts.Tensor, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("%s: not a torch.save zip archive: %w", file, err)
	}
	defer zr.Close()
	var pkl *zip.File
	storages := map[string]*zip.File{}
	for _, f := range zr.File {
		dir, name := path.Split(f.Name)
		switch {
		case name == "data.pkl" && strings.Count(f.Name, "/") == 1:
			if pkl != nil {
				return nil, fmt.Errorf("%s: two data.pkl in the archive (%s, %s)", file, pkl.Name, f.Name)
			}
			pkl = f
		case strings.HasSuffix(dir, "/data/") && strings.Count(f.Name, "/") == 2:
			storages[name] = f
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("%s: no ARCHIVE/data.pkl in the zip; expected a file torch.save wrote (PyTorch 1.6 or later)", file)
	}
	data, err := readZipFile(pkl, maxPickle)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", file, pkl.Name, err)
	}
	refs, err := parseStateDict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", file, pkl.Name, err)
	}
	out := make(map[string]*ts.Tensor, len(refs))
	cache := map[string][]byte{}
	for _, r := range refs {
		t, err := r.materialise(storages, cache)
		if err != nil {
			for _, done := range out {
				done.MustDrop()
			}
			return nil, fmt.Errorf("%s: tensor %s: %w", file, r.name, err)
		}
		out[r.name] = t
	}
	return out, nil
}

// maxPickle bounds data.pkl: a state dict's pickle holds names and shapes,
// not weights, so a few hundred KB is usual and 64 MB is generous.
const maxPickle = 64 << 20

func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than the %d this reader takes", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return data, nil
}

// maxElements bounds one tensor: a view with stride 0 can claim any size
// over a small storage, and the copy would take it at its word.
const maxElements = 1 << 32

// tensorRef is a tensor as the pickle describes it: a view of a storage.
type tensorRef struct {
	name    string
	storage string // the storage's key: the file ARCHIVE/data/KEY
	dtype   gotch.DType
	size    int   // element size in bytes
	numel   int64 // the storage's length in elements
	offset  int64
	shape   []int64
	stride  []int64
}

// materialise copies the tensor's elements out of its storage file into
// a contiguous tensor.
func (r tensorRef) materialise(storages map[string]*zip.File, cache map[string][]byte) (*ts.Tensor, error) {
	raw, ok := cache[r.storage]
	if !ok {
		f := storages[r.storage]
		if f == nil {
			return nil, fmt.Errorf("its storage data/%s is not in the archive", r.storage)
		}
		if want := uint64(r.numel) * uint64(r.size); f.UncompressedSize64 != want {
			return nil, fmt.Errorf("its storage data/%s holds %d bytes; the pickle says %d elements of %d bytes", r.storage, f.UncompressedSize64, r.numel, r.size)
		}
		var err error
		if raw, err = readZipFile(f, int64(f.UncompressedSize64)); err != nil {
			return nil, fmt.Errorf("data/%s: %w", r.storage, err)
		}
		cache[r.storage] = raw
	}
	n := int64(1)
	last := r.offset // the furthest element the view reaches
	for i, d := range r.shape {
		if d < 0 || r.stride[i] < 0 {
			return nil, fmt.Errorf("size %v, stride %v: negative", r.shape, r.stride)
		}
		if d > 0 && n > math.MaxInt64/d {
			return nil, fmt.Errorf("size %v overflows", r.shape)
		}
		n *= d
		if d > 0 {
			last += (d - 1) * r.stride[i]
		}
	}
	if n > maxElements {
		return nil, fmt.Errorf("size %v: %d elements, more than %d", r.shape, n, int64(maxElements))
	}
	if r.offset < 0 || (n > 0 && last >= r.numel) {
		return nil, fmt.Errorf("size %v, stride %v at offset %d reach past its storage of %d elements", r.shape, r.stride, r.offset, r.numel)
	}
	buf := make([]byte, n*int64(r.size))
	idx := make([]int64, len(r.shape))
	for k := int64(0); k < n; k++ {
		src := r.offset
		for i, j := range idx {
			src += j * r.stride[i]
		}
		copy(buf[k*int64(r.size):(k+1)*int64(r.size)], raw[src*int64(r.size):(src+1)*int64(r.size)])
		for i := len(idx) - 1; i >= 0; i-- { // next index, last dimension fastest
			if idx[i]++; idx[i] < r.shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	if n == 0 {
		return ts.MustZeros(nonNilShape(r.shape), r.dtype, gotch.CPU), nil
	}
	return ofData(buf, r.shape, r.dtype)
}

// storageTypes are torch's typed storages, by the names pickles use.
var storageTypes = map[string]struct {
	dtype gotch.DType
	size  int
}{
	"FloatStorage": {gotch.Float, 4}, "DoubleStorage": {gotch.Double, 8}, "HalfStorage": {gotch.Half, 2},
	"BFloat16Storage": {gotch.BFloat16, 2}, "LongStorage": {gotch.Int64, 8}, "IntStorage": {gotch.Int, 4},
	"ShortStorage": {gotch.Int16, 2}, "CharStorage": {gotch.Int8, 1}, "ByteStorage": {gotch.Uint8, 1},
	"BoolStorage": {gotch.Bool, 1},
}

// The values the reader builds. Python's str, int, float, bool and None
// are Go's string, int64, float64, bool and nil; tuples and lists are
// []any.
type (
	pyGlobal  string // an allowed global, "module.name"
	pyDict    struct{ keys, values []any }
	pyStorage struct {
		key   string
		dtype gotch.DType
		size  int
		numel int64
	}
	pyMark struct{}
)

// allowedGlobals are the only names a state dict's pickle may use.
var allowedGlobals = map[string]bool{
	"collections.OrderedDict":         true,
	"torch._utils._rebuild_tensor_v2": true,
	"torch._utils._rebuild_parameter": true,
}

// pickleReader walks a pickle (protocols 2 to 5) without running it.
type pickleReader struct {
	data  []byte
	pos   int
	stack []any
	memo  map[int64]any
}

// parseStateDict reads a pickled state dict: a dict of names to tensors.
func parseStateDict(data []byte) ([]tensorRef, error) {
	r := &pickleReader{data: data, memo: map[int64]any{}}
	v, err := r.run()
	if err != nil {
		return nil, err
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("the pickle holds a %s, not a state dict (a dict of names to tensors)", describePy(v))
	}
	var out []tensorRef
	seen := map[string]bool{}
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %d is a %s, not a name", i, describePy(k))
		}
		t, ok := d.values[i].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("state dict entry %s is a %s, not a tensor", name, describePy(d.values[i]))
		}
		if seen[name] {
			return nil, fmt.Errorf("state dict entry %s twice", name)
		}
		seen[name] = true
		ref := *t
		ref.name = name
		out = append(out, ref)
	}
	return out, nil
}

func describePy(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return "string"
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case []any:
		return "tuple"
	case *pyDict:
		return "dict"
	case *tensorRef:
		return "tensor"
	case pyStorage:
		return "storage"
	case pyGlobal:
		return string(v)
	}
	return fmt.Sprintf("%T", v)
}

var errTruncated = errors.New("the pickle ends early")

func (r *pickleReader) fail(at int, format string, args ...any) error {
	return fmt.Errorf("byte %d: %s", at, fmt.Sprintf(format, args...))
}

func (r *pickleReader) take(n int) ([]byte, error) {
	if n < 0 || r.pos+n > len(r.data) {
		return nil, errTruncated
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *pickleReader) line() (string, error) {
	i := strings.IndexByte(string(r.data[r.pos:]), '\n')
	if i < 0 {
		return "", errTruncated
	}
	s := string(r.data[r.pos : r.pos+i])
	r.pos += i + 1
	return s, nil
}

func (r *pickleReader) pop() (any, error) {
	if len(r.stack) == 0 {
		return nil, errors.New("the pickle pops an empty stack")
	}
	v := r.stack[len(r.stack)-1]
	r.stack = r.stack[:len(r.stack)-1]
	if _, ok := v.(pyMark); ok {
		return nil, errors.New("the pickle pops a mark")
	}
	return v, nil
}

// popMark returns the items above the topmost mark and removes them and
// the mark.
func (r *pickleReader) popMark() ([]any, error) {
	for i := len(r.stack) - 1; i >= 0; i-- {
		if _, ok := r.stack[i].(pyMark); ok {
			items := append([]any(nil), r.stack[i+1:]...)
			r.stack = r.stack[:i]
			return items, nil
		}
	}
	return nil, errors.New("the pickle has no mark to pop to")
}

func (r *pickleReader) top() (any, error) {
	if len(r.stack) == 0 {
		return nil, errors.New("the pickle reads an empty stack")
	}
	return r.stack[len(r.stack)-1], nil
}

// maxStack bounds the reader's memory on hostile input.
const maxStack = 1 << 20

// run reads opcodes up to STOP and returns the value left.
func (r *pickleReader) run() (any, error) {
	for {
		at := r.pos
		if len(r.stack) > maxStack || len(r.memo) > maxStack {
			return nil, r.fail(at, "more than %d values on the stack or in the memo", maxStack)
		}
		ops, err := r.take(1)
		if err != nil {
			return nil, r.fail(at, "%v (no STOP)", err)
		}
		op := ops[0]
		if err := r.step(op, at); err != nil {
			if err == errStop {
				return r.pop()
			}
			return nil, r.fail(at, "%v", err)
		}
	}
}

var errStop = errors.New("stop")

// step executes one opcode.
func (r *pickleReader) step(op byte, at int) error {
	u := func(n int) (uint64, error) {
		b, err := r.take(n)
		if err != nil {
			return 0, err
		}
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v, nil
	}
	push := func(v any) { r.stack = append(r.stack, v) }
	switch op {
	case 0x80: // PROTO
		v, err := u(1)
		if err != nil {
			return err
		}
		if v < 2 || v > 5 {
			return fmt.Errorf("pickle protocol %d; expected 2 to 5", v)
		}
	case 0x95: // FRAME: a length hint only
		_, err := u(8)
		return err
	case '.': // STOP
		return errStop
	case '(': // MARK
		push(pyMark{})
	case ')': // EMPTY_TUPLE
		push([]any{})
	case ']': // EMPTY_LIST
		push([]any{})
	case '}': // EMPTY_DICT
		push(&pyDict{})
	case 'N':
		push(nil)
	case 0x88:
		push(true)
	case 0x89:
		push(false)
	case 'K', 'M', 'J': // BININT1, BININT2, BININT
		n := map[byte]int{'K': 1, 'M': 2, 'J': 4}[op]
		v, err := u(n)
		if err != nil {
			return err
		}
		if op == 'J' {
			push(int64(int32(uint32(v))))
		} else {
			push(int64(v))
		}
	case 0x8a: // LONG1
		n, err := u(1)
		if err != nil {
			return err
		}
		b, err := r.take(int(n))
		if err != nil {
			return err
		}
		if n > 8 {
			return fmt.Errorf("an integer of %d bytes; expected at most 8", n)
		}
		var v int64
		for i := int(n) - 1; i >= 0; i-- {
			v = v<<8 | int64(b[i])
		}
		if n > 0 && n < 8 && b[n-1]&0x80 != 0 { // sign-extend
			v -= 1 << (8 * n)
		}
		push(v)
	case 'G': // BINFLOAT, big-endian
		b, err := r.take(8)
		if err != nil {
			return err
		}
		push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X', 0x8c, 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
		n, err := u(map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8}[op])
		if err != nil {
			return err
		}
		if n > uint64(len(r.data)) {
			return errTruncated
		}
		b, err := r.take(int(n))
		if err != nil {
			return err
		}
		push(string(b))
	case 'q', 'r': // BINPUT, LONG_BINPUT
		n, err := u(map[byte]int{'q': 1, 'r': 4}[op])
		if err != nil {
			return err
		}
		v, err := r.top()
		if err != nil {
			return err
		}
		r.memo[int64(n)] = v
	case 0x94: // MEMOIZE
		v, err := r.top()
		if err != nil {
			return err
		}
		r.memo[int64(len(r.memo))] = v
	case 'h', 'j': // BINGET, LONG_BINGET
		n, err := u(map[byte]int{'h': 1, 'j': 4}[op])
		if err != nil {
			return err
		}
		v, ok := r.memo[int64(n)]
		if !ok {
			return fmt.Errorf("memo %d was never stored", n)
		}
		push(v)
	case 't': // TUPLE
		items, err := r.popMark()
		if err != nil {
			return err
		}
		push(items)
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op - 0x84)
		items := make([]any, n)
		for i := n - 1; i >= 0; i-- {
			v, err := r.pop()
			if err != nil {
				return err
			}
			items[i] = v
		}
		push(items)
	case 'c': // GLOBAL "module\nname\n"
		module, err := r.line()
		if err != nil {
			return err
		}
		name, err := r.line()
		if err != nil {
			return err
		}
		return r.global(module, name)
	case 0x93: // STACK_GLOBAL
		name, err := r.pop()
		if err != nil {
			return err
		}
		module, err := r.pop()
		if err != nil {
			return err
		}
		m, ok1 := module.(string)
		n, ok2 := name.(string)
		if !ok1 || !ok2 {
			return errors.New("STACK_GLOBAL of values that are not names")
		}
		return r.global(m, n)
	case 'Q': // BINPERSID: a storage
		pid, err := r.pop()
		if err != nil {
			return err
		}
		s, err := storageOf(pid)
		if err != nil {
			return err
		}
		push(s)
	case 'R': // REDUCE
		args, err := r.pop()
		if err != nil {
			return err
		}
		fn, err := r.pop()
		if err != nil {
			return err
		}
		tuple, ok := args.([]any)
		if !ok {
			return fmt.Errorf("a call with %s arguments", describePy(args))
		}
		v, err := call(fn, tuple)
		if err != nil {
			return err
		}
		push(v)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		var err error
		if op == 's' {
			var k, v any
			if v, err = r.pop(); err == nil {
				k, err = r.pop()
			}
			items = []any{k, v}
		} else {
			items, err = r.popMark()
		}
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return errors.New("SETITEMS with an odd number of items")
		}
		top, err := r.top()
		if err != nil {
			return err
		}
		d, ok := top.(*pyDict)
		if !ok {
			return fmt.Errorf("items set on a %s", describePy(top))
		}
		for i := 0; i < len(items); i += 2 {
			d.keys = append(d.keys, items[i])
			d.values = append(d.values, items[i+1])
		}
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		var err error
		if op == 'a' {
			var v any
			v, err = r.pop()
			items = []any{v}
		} else {
			items, err = r.popMark()
		}
		if err != nil {
			return err
		}
		if len(r.stack) == 0 {
			return errors.New("APPEND to an empty stack")
		}
		list, ok := r.stack[len(r.stack)-1].([]any)
		if !ok {
			return fmt.Errorf("APPEND to a %s", describePy(r.stack[len(r.stack)-1]))
		}
		r.stack[len(r.stack)-1] = append(list, items...)
	case 'b': // BUILD: only an empty state on a dict (OrderedDict's __setstate__ is not used)
		state, err := r.pop()
		if err != nil {
			return err
		}
		top, err := r.top()
		if err != nil {
			return err
		}
		if _, ok := top.(*pyDict); !ok || state != nil {
			return fmt.Errorf("BUILD of a %s with a %s state; a state dict needs none", describePy(top), describePy(state))
		}
	default:
		return fmt.Errorf("unsupported opcode %q (%#x); a state dict's pickle does not use it", op, op)
	}
	return nil
}

// global pushes an allowed global, or refuses the file.
func (r *pickleReader) global(module, name string) error {
	full := module + "." + name
	if module == "torch" {
		if _, ok := storageTypes[name]; ok {
			r.stack = append(r.stack, pyGlobal(full))
			return nil
		}
	}
	if !allowedGlobals[full] {
		return fmt.Errorf("the pickle names the global %s, which a state dict never needs; refused (loading a model does not run code from it)", strconv.Quote(full))
	}
	r.stack = append(r.stack, pyGlobal(full))
	return nil
}

// storageOf reads a persistent id ('storage', torch.XStorage, key,
// location, numel).
func storageOf(pid any) (pyStorage, error) {
	t, ok := pid.([]any)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return pyStorage{}, fmt.Errorf("a persistent id that is not ('storage', type, key, location, size): %s", describePy(pid))
	}
	g, ok1 := t[1].(pyGlobal)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 || strings.ContainsAny(key, "/\\") || key == "" {
		return pyStorage{}, errors.New("a storage id with a wrong type, key or size")
	}
	st, ok := storageTypes[strings.TrimPrefix(string(g), "torch.")]
	if !ok {
		return pyStorage{}, fmt.Errorf("a storage of type %s", g)
	}
	return pyStorage{key: key, dtype: st.dtype, size: st.size, numel: numel}, nil
}

// call applies one of the allowed globals.
func call(fn any, args []any) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, fmt.Errorf("a call of a %s", describePy(fn))
	}
	switch g {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, errors.New("OrderedDict called with arguments")
		}
		return &pyDict{}, nil
	case "torch._utils._rebuild_tensor_v2":
		// (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
		if len(args) < 6 || len(args) > 7 {
			return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments; expected 6 or 7", len(args))
		}
		s, ok := args[0].(pyStorage)
		offset, ok2 := args[1].(int64)
		shape, ok3 := int64s(args[2])
		stride, ok4 := int64s(args[3])
		if !ok || !ok2 || !ok3 || !ok4 || len(shape) != len(stride) {
			return nil, errors.New("_rebuild_tensor_v2 with arguments of the wrong types")
		}
		return &tensorRef{storage: s.key, dtype: s.dtype, size: s.size, numel: s.numel, offset: offset, shape: shape, stride: stride}, nil
	case "torch._utils._rebuild_parameter":
		// (data, requires_grad, backward_hooks): the parameter's tensor.
		if len(args) != 3 {
			return nil, fmt.Errorf("_rebuild_parameter with %d arguments; expected 3", len(args))
		}
		t, ok := args[0].(*tensorRef)
		if !ok {
			return nil, errors.New("_rebuild_parameter of something that is not a tensor")
		}
		return t, nil
	}
	return nil, fmt.Errorf("a call of %s", g)
}

func int64s(v any) ([]int64, bool) {
	t, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(t))
	for i, x := range t {
		if out[i], ok = x.(int64); !ok {
			return nil, false
		}
	}
	return out, true
}

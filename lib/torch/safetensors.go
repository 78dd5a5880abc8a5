package torch

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/safefile"
)

// The safetensors format (Hugging Face): an 8-byte little-endian header
// length N, N bytes of JSON mapping each tensor name to its dtype, shape and
// [begin, end) byte range in the data that follows, plus an optional
// "__metadata__" object of strings. nerlab saves models and optimizer state
// in it: it is simple, safe to read (no code execution, unlike pickles) and
// other toolkits read it.

const (
	metadataKey = "__metadata__"
	// maxHeader bounds the JSON header so a corrupt length cannot make the
	// reader allocate gigabytes.
	maxHeader = 100 << 20
)

type tensorEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

var dtypeNames = map[gotch.DType]string{
	gotch.Float: "F32", gotch.Double: "F64", gotch.Int64: "I64", gotch.Int: "I32",
	gotch.Uint8: "U8", gotch.Int8: "I8", gotch.Bool: "BOOL", gotch.Int16: "I16",
	gotch.Half: "F16", gotch.BFloat16: "BF16", // Hugging Face's half-precision checkpoints
}

func dtypeByName(name string) (gotch.DType, bool) {
	for dt, n := range dtypeNames {
		if n == name {
			return dt, true
		}
	}
	return gotch.Float, false
}

// WriteSafetensors writes tensors (moved to the CPU and made contiguous for
// the copy; the originals are untouched) and string metadata to path,
// atomically.
func WriteSafetensors(path string, tensors map[string]*ts.Tensor, meta map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if name == metadataKey || name == "" {
			return fmt.Errorf("write %s: %q is not a valid tensor name", path, name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	header := map[string]any{}
	blobs := make([][]byte, len(names))
	var offset int64
	for i, name := range names {
		t := tensors[name]
		dtName, ok := dtypeNames[t.DType()]
		if !ok {
			return fmt.Errorf("write %s: tensor %s has dtype %v, which safetensors writing does not support", path, name, t.DType())
		}
		blob, err := tensorBytes(t)
		if err != nil {
			return fmt.Errorf("write %s: tensor %s: %w", path, name, err)
		}
		blobs[i] = blob
		header[name] = tensorEntry{DType: dtName, Shape: nonNilShape(t.MustSize()),
			DataOffsets: [2]int64{offset, offset + int64(len(blob))}}
		offset += int64(len(blob))
	}
	header[metadataKey] = withChecksums(meta, names, blobs)
	head, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Pad the header with spaces to 8 bytes so the data is aligned, as the
	// reference writer does.
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}
	return safefile.Write(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(head)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(head); err != nil {
			return err
		}
		for _, b := range blobs {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func nonNilShape(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

// tensorBytes returns a copy of t's elements in row-major, little-endian
// order (the machines nerlab runs on are little-endian).
func tensorBytes(t *ts.Tensor) ([]byte, error) {
	n := t.Numel()
	size := int(t.DType().Size())
	out := make([]byte, int(n)*size)
	if n == 0 {
		return out, nil
	}
	cpu := t
	if t.MustDevice() != gotch.CPU {
		var err error
		if cpu, err = t.To(gotch.CPU, false); err != nil {
			return nil, err
		}
		defer cpu.MustDrop()
	}
	src, err := cpu.Contiguous(false)
	if err != nil {
		return nil, err
	}
	defer src.MustDrop()
	ptr, err := src.DataPtr()
	if err != nil {
		return nil, err
	}
	copy(out, unsafe.Slice((*byte)(ptr), len(out)))
	return out, nil
}

// ReadSafetensors reads a safetensors file into CPU tensors. A corrupt,
// truncated or inconsistent file is an error naming the file and what is
// wrong, never a panic.
func ReadSafetensors(path string) (map[string]*ts.Tensor, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return ParseSafetensors(data, path)
}

// SafetensorsEntry describes one tensor of a parsed file.
type SafetensorsEntry struct {
	Name  string
	DType gotch.DType
	Shape []int64
	Data  []byte
}

// ParseSafetensorsHeader checks a whole file's bytes and returns its
// entries (with data slices into data) and metadata, without creating
// tensors. name labels errors.
func ParseSafetensorsHeader(data []byte, name string) ([]SafetensorsEntry, map[string]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: not a valid safetensors file: %s", name, fmt.Sprintf(format, args...))
	}
	if len(data) < 8 {
		return nil, nil, bad("%d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > maxHeader || n > uint64(len(data)-8) {
		return nil, nil, bad("header length %d exceeds the file (%d bytes); the file is truncated or corrupt", n, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, nil, bad("header is not a JSON object: %v", err)
	}
	body := data[8+n:]
	var meta map[string]string
	entries := make([]SafetensorsEntry, 0, len(raw))
	type span struct {
		begin, end int64
		name       string
	}
	var spans []span
	for key, value := range raw {
		if key == metadataKey {
			if err := json.Unmarshal(value, &meta); err != nil {
				return nil, nil, bad("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e tensorEntry
		if err := json.Unmarshal(value, &e); err != nil {
			return nil, nil, bad("tensor %q: %v", key, err)
		}
		dt, ok := dtypeByName(e.DType)
		if !ok {
			return nil, nil, bad("tensor %q has dtype %q; expected one of F32 F64 I64 I32 I16 I8 U8 BOOL", key, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt64/d) {
				return nil, nil, bad("tensor %q has shape %v", key, e.Shape)
			}
			count *= d
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > int64(len(body)) {
			return nil, nil, bad("tensor %q has data offsets [%d, %d) outside the %d data bytes; the file is truncated or corrupt", key, begin, end, len(body))
		}
		if size := int64(dt.Size()); count > math.MaxInt64/size || end-begin != count*size {
			return nil, nil, bad("tensor %q: shape %v of %s needs %d bytes, offsets give %d", key, e.Shape, e.DType, count*int64(dt.Size()), end-begin)
		}
		spans = append(spans, span{begin, end, key})
		entries = append(entries, SafetensorsEntry{Name: key, DType: dt, Shape: nonNilShape(e.Shape), Data: body[begin:end]})
	}
	if err := verifyChecksums(meta, entries); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.begin != b.begin {
			return int(a.begin - b.begin)
		}
		return int(a.end - b.end)
	})
	for i := 1; i < len(spans); i++ {
		if spans[i].begin < spans[i-1].end {
			return nil, nil, bad("tensors %q and %q overlap", spans[i-1].name, spans[i].name)
		}
	}
	slices.SortFunc(entries, func(a, b SafetensorsEntry) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return entries, meta, nil
}

// ParseSafetensors is ReadSafetensors on bytes already in memory.
func ParseSafetensors(data []byte, name string) (map[string]*ts.Tensor, map[string]string, error) {
	entries, meta, err := ParseSafetensorsHeader(data, name)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]*ts.Tensor, len(entries))
	for _, e := range entries {
		t, err := ofData(e.Data, e.Shape, e.DType)
		if err != nil {
			for _, made := range out {
				made.MustDrop()
			}
			return nil, nil, fmt.Errorf("%s: tensor %q: %w", name, e.Name, err)
		}
		out[e.Name] = t
	}
	return out, meta, nil
}

// SaveVarStore writes every variable of vs to path as safetensors.
func SaveVarStore(path string, vs *nn.VarStore, meta map[string]string) error {
	vars := vs.Variables()
	tensors := make(map[string]*ts.Tensor, len(vars))
	for name, v := range vars {
		v := v
		tensors[name] = &v
	}
	err := WriteSafetensors(path, tensors, meta)
	// Variables returns copies of the handles; the store's own tensors
	// (whose finalizers free the C memory) must outlive their use.
	runtime.KeepAlive(vs)
	return err
}

// LoadVarStore copies the tensors of a safetensors file into the variables
// of vs. The file must hold exactly vs's variables with the same shapes and
// dtypes: a model saved with another configuration is refused with the
// names that differ, instead of being half loaded.
func LoadVarStore(path string, vs *nn.VarStore) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	entries, meta, err := ParseSafetensorsHeader(data, path)
	if err != nil {
		return nil, err
	}
	vars := vs.Variables()
	var problems []string
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name] = true
		v, ok := vars[e.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("the file has %s, which the model does not", e.Name))
			continue
		}
		if shape := v.MustSize(); !slices.Equal(shape, e.Shape) || v.DType() != e.DType {
			problems = append(problems, fmt.Sprintf("%s is %v %v in the file but %v %v in the model", e.Name, dtypeNames[e.DType], e.Shape, dtypeNames[v.DType()], shape))
		}
	}
	for name := range vars {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("the model has %s, which the file does not", name))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		if len(problems) > 6 {
			problems = append(problems[:6], fmt.Sprintf("and %d more", len(problems)-6))
		}
		return nil, fmt.Errorf("%s: does not match the model: %s", path, joinSemi(problems))
	}
	for _, e := range entries {
		// A model with NaN or infinite weights predicts garbage (and JSON
		// cannot even encode its confidences).
		if i, ok := firstNonFinite(e); ok {
			return nil, fmt.Errorf("%s: tensor %s holds a non-finite value (NaN or ±Inf) at element %d; the weights are unusable (did training diverge?)", path, e.Name, i)
		}
	}
	var loadErr error
	NoGrad(func() {
		for _, e := range entries {
			src, err := ofData(e.Data, e.Shape, e.DType)
			if err != nil {
				loadErr = fmt.Errorf("%s: tensor %q: %w", path, e.Name, err)
				return
			}
			v := vars[e.Name]
			v.Copy_(src)
			src.MustDrop()
		}
	})
	runtime.KeepAlive(vs) // see SaveVarStore
	return meta, loadErr
}

func joinSemi(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

// ofData makes a CPU tensor from raw little-endian bytes; gotch cannot take
// an empty shape, so a scalar is made as [1] and squeezed.
func ofData(data []byte, shape []int64, dtype gotch.DType) (*ts.Tensor, error) {
	if len(shape) > 0 {
		return ts.OfDataSize(data, shape, dtype)
	}
	one, err := ts.OfDataSize(data, []int64{1}, dtype)
	if err != nil {
		return nil, err
	}
	return one.Squeeze(true)
}

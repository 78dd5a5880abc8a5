package torch

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	f, _ := FromFloat32s([]float32{1, -2.5, 3, 4, 5, 6}, []int64{2, 3}, gotch.CPU)
	i, _ := FromInt64s([]int64{7, -8, 1 << 40}, []int64{3}, gotch.CPU)
	scalar, _ := FromFloat32s([]float32{0.25}, []int64{}, gotch.CPU)
	meta := map[string]string{"format": "nerlab", "epoch": "3"}
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"a.weight": f, "ids": i, "s": scalar}, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if gotMeta["epoch"] != "3" || gotMeta["format"] != "nerlab" {
		t.Errorf("metadata %v", gotMeta)
	}
	vals, _ := Float32s(got["a.weight"])
	if want := []float32{1, -2.5, 3, 4, 5, 6}; !equalF32(vals, want) {
		t.Errorf("a.weight = %v, want %v", vals, want)
	}
	if s := got["a.weight"].MustSize(); len(s) != 2 || s[0] != 2 || s[1] != 3 {
		t.Errorf("shape %v", s)
	}
	if v := got["ids"].Int64Values(); v[2] != 1<<40 || v[1] != -8 {
		t.Errorf("ids = %v", v)
	}
	if s := got["s"].MustSize(); len(s) != 0 {
		t.Errorf("scalar shape %v", s)
	}
	// The header is the documented layout: length, JSON, data aligned to 8.
	data, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(data[:8])
	if n%8 != 0 {
		t.Errorf("header length %d not padded to 8", n)
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &head); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(head["a.weight"]), `"F32"`) || !strings.Contains(string(head["ids"]), `"I64"`) {
		t.Errorf("header %s", data[8:8+n])
	}
}

// TestSafetensorsReadByPython checks the layout with an independent reader:
// numpy in Debian's python decodes the file by the format's rules.
func TestSafetensorsReadByPython(t *testing.T) {
	if _, err := exec.Command("/usr/bin/python3", "-c", "import numpy").CombinedOutput(); err != nil {
		shareddata.Missing(t, "/usr/bin/python3 with numpy is needed: %v", err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	f, _ := FromFloat32s([]float32{1.5, 2, 3, 4}, []int64{2, 2}, gotch.CPU)
	i, _ := FromInt64s([]int64{9, 10}, []int64{2}, gotch.CPU)
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"w": f, "i": i}, nil); err != nil {
		t.Fatal(err)
	}
	script := `
import json, struct, sys, numpy as np
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8+n]); body = b[8+n:]
kinds = {"F32": "<f4", "I64": "<i8"}
# CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: an
# independent check of the checksums nerlab records in the metadata.
def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF
sums = json.loads(h["__metadata__"]["nerlab.crc32c"])
for k in sorted(h):
    if k == "__metadata__":
        continue
    e = h[k]; lo, hi = e["data_offsets"]
    a = np.frombuffer(body[lo:hi], dtype=kinds[e["dtype"]]).reshape(e["shape"])
    assert sums[k] == "%08x" % crc32c(body[lo:hi]), (k, sums[k])
    print(k, a.tolist())
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if want := "i [9, 10]\nw [[1.5, 2.0], [3.0, 4.0]]\n"; string(out) != want {
		t.Errorf("python read\n%s\nwant\n%s", out, want)
	}
}

// TestSafetensorsChecksums: a flipped byte in a tensor's data used to load
// as a slightly different model. Every tensor's checksum is recorded when
// writing and verified when reading, and the error names the tensor.
func TestSafetensorsChecksums(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a, _ := FromFloat32s([]float32{1, 2, 3, 4}, []int64{4}, gotch.CPU)
	b, _ := FromFloat32s([]float32{5, 6}, []int64{2}, gotch.CPU)
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"encoder.weight": a, "bias": b}, map[string]string{"format": "x"}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	if _, meta, err := ParseSafetensors(good, path); err != nil || meta["format"] != "x" {
		t.Fatalf("intact file: %v %v", meta, err)
	}
	entries, _, _ := ParseSafetensorsHeader(good, path)
	for _, e := range entries {
		// Flip one bit of the tensor's last byte, in a copy of the file
		// (e.Data is a slice of good: both capacities run to the same end).
		bad := slices.Clone(good)
		start := cap(good) - cap(e.Data)
		bad[start+len(e.Data)-1] ^= 0x10
		_, _, err := ParseSafetensors(bad, path)
		if err == nil || !strings.Contains(err.Error(), e.Name) || !strings.Contains(err.Error(), "checksum") || !strings.Contains(err.Error(), path) {
			t.Errorf("bit flipped in %s: %v", e.Name, err)
		}
	}
}

func TestSafetensorsCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	f, _ := FromFloat32s([]float32{1, 2, 3, 4}, []int64{4}, gotch.CPU)
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"w": f}, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	header := func(h string) []byte {
		for len(h)%8 != 0 {
			h += " "
		}
		b := make([]byte, 8, 8+len(h)+16)
		binary.LittleEndian.PutUint64(b, uint64(len(h)))
		return append(append(b, h...), make([]byte, 16)...)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":        {nil, "shorter than the 8-byte header"},
		"truncated":    {good[:len(good)-3], "truncated"},
		"huge header":  {append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...), "exceeds the file"},
		"not json":     {header("{nope"), "not a JSON object"},
		"bad dtype":    {header(`{"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,16]}}`), `dtype "Q9"`},
		"shape/bytes":  {header(`{"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}`), "needs 20 bytes"},
		"negative dim": {header(`{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}`), "shape [-4]"},
		"overlap": {header(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`),
			"overlap"},
		"bad meta": {header(`{"__metadata__":{"a":1}}`), "__metadata__"},
	}
	for name, c := range cases {
		_, _, err := ParseSafetensors(c.data, "x.safetensors")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.safetensors") {
			t.Errorf("%s: error %v, want one naming the file and %q", name, err, c.want)
		}
	}
}

func TestVarStoreSaveLoad(t *testing.T) {
	dir := t.TempDir()
	vs := nn.NewVarStore(gotch.CPU)
	w := vs.Root().Sub("lin").MustRandn("weight", []int64{3, 2}, 0, 1)
	vs.Root().MustZeros("bias", []int64{3})
	path := filepath.Join(dir, "model.safetensors")
	if err := SaveVarStore(path, vs, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	want, _ := Float32s(w)

	vs2 := nn.NewVarStore(gotch.CPU)
	w2 := vs2.Root().Sub("lin").MustZeros("weight", []int64{3, 2})
	vs2.Root().MustOnes("bias", []int64{3})
	meta, err := LoadVarStore(path, vs2)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Float32s(w2)
	if !equalF32(got, want) || meta["k"] != "v" {
		t.Errorf("loaded %v, want %v (meta %v)", got, want, meta)
	}
	if !w2.MustRequiresGrad() {
		t.Error("loading must keep variables trainable")
	}

	// A model of another shape is refused, naming the variable.
	vs3 := nn.NewVarStore(gotch.CPU)
	vs3.Root().Sub("lin").MustZeros("weight", []int64{4, 2})
	vs3.Root().MustZeros("other", []int64{3})
	_, err = LoadVarStore(path, vs3)
	for _, part := range []string{"lin.weight is F32 [3 2] in the file but F32 [4 2]", "the file has bias", "the model has other"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("error %v, want it to say %q", err, part)
		}
	}
}

func FuzzParseSafetensors(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.safetensors")
	a, _ := FromFloat32s([]float32{1, 2}, []int64{2}, gotch.CPU)
	b, _ := FromInt64s([]int64{3}, []int64{1, 1}, gotch.CPU)
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"a": a, "b": b}, map[string]string{"m": "x"}); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := ParseSafetensors(data, "fuzz")
		if err != nil {
			return
		}
		for _, x := range got {
			x.MustDrop()
		}
	})
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package torch

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// torchSaved runs testdata/torch_save.py (PyTorch itself) into a temp
// folder and returns it.
func torchSaved(t *testing.T) string {
	t.Helper()
	python := shareddata.PythonTorch(t)
	dir := t.TempDir()
	if out, err := exec.Command(python, "testdata/torch_save.py", dir).CombinedOutput(); err != nil {
		t.Fatalf("torch_save.py: %v\n%s", err, out)
	}
	return dir
}

// TestReadTorchZipMatchesPyTorch: every tensor of a state dict torch.save
// wrote (views, shared storages, a Parameter, float16, bfloat16, bool, a
// 0-d and an empty tensor), with protocol 2 and 4 pickles, reads back
// with PyTorch's dtype, shape and values.
func TestReadTorchZipMatchesPyTorch(t *testing.T) {
	dir := torchSaved(t)
	var ref map[string]struct {
		DType  string    `json:"dtype"`
		Shape  []int64   `json:"shape"`
		Values []float64 `json:"values"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	dtypes := map[string]gotch.DType{"torch.float32": gotch.Float, "torch.int64": gotch.Int64, "torch.float16": gotch.Half,
		"torch.bfloat16": gotch.BFloat16, "torch.bool": gotch.Bool}
	for _, file := range []string{"state.bin", "proto4.bin"} {
		got, err := ReadTorchZip(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ref) {
			t.Errorf("%s: %d tensors, PyTorch saved %d", file, len(got), len(ref))
		}
		for name, want := range ref {
			g := got[name]
			if g == nil {
				t.Errorf("%s: no tensor %s", file, name)
				continue
			}
			if g.DType() != dtypes[want.DType] {
				t.Errorf("%s: %s has dtype %v, want %s", file, name, g.DType(), want.DType)
			}
			if shape := g.MustSize(); !slices.Equal(shape, want.Shape) {
				t.Errorf("%s: %s has shape %v, want %v", file, name, shape, want.Shape)
			}
			f := g.MustTotype(gotch.Float, false)
			vals, err := Float32s(f)
			f.MustDrop()
			if err != nil {
				t.Fatal(err)
			}
			if len(vals) != len(want.Values) {
				t.Errorf("%s: %s has %d values, want %d", file, name, len(vals), len(want.Values))
				continue
			}
			for i, v := range vals {
				if float64(v) != want.Values[i] && !(math.IsNaN(float64(v)) && math.IsNaN(want.Values[i])) {
					t.Errorf("%s: %s[%d] = %v, PyTorch %v", file, name, i, v, want.Values[i])
					break
				}
			}
		}
	}
}

// TestReadTorchZipRefusesCode: a pickle that would call os.system is
// refused with the global named, and nothing runs.
func TestReadTorchZipRefusesCode(t *testing.T) {
	dir := torchSaved(t)
	_, err := ReadTorchZip(filepath.Join(dir, "evil.bin"))
	if err == nil || !strings.Contains(err.Error(), "evil.bin") || !strings.Contains(err.Error(), `"posix.system"`) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("evil.bin: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
		t.Fatal("reading evil.bin ran its code")
	}
}

// zipOf writes a torch.save-shaped archive from the given files.
func zipOf(t *testing.T, files map[string][]byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tensorPickle is a protocol-2 pickle of {name: tensor of storage "0"
// (FloatStorage of numel elements) at offset with size and stride}.
func tensorPickle(name string, numel, offset byte, size, stride []byte) []byte {
	p := []byte("\x80\x02ccollections\nOrderedDict\n)R(")
	p = append(p, 'X', byte(len(name)), 0, 0, 0)
	p = append(p, name...)
	p = append(p, []byte("ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK")...)
	p = append(p, numel, 't', 'Q', 'K', offset, '(')
	for _, s := range size {
		p = append(p, 'K', s)
	}
	p = append(p, 't', '(')
	for _, s := range stride {
		p = append(p, 'K', s)
	}
	p = append(p, []byte("t\x89ccollections\nOrderedDict\n)RtRu.")...)
	return p
}

// TestReadTorchZipErrors: malformed archives and pickles are refused with
// the file and what is wrong, never a panic.
func TestReadTorchZipErrors(t *testing.T) {
	floats := func(n int) []byte { return make([]byte, 4*n) }
	good := tensorPickle("w", 6, 0, []byte{2, 3}, []byte{3, 1})
	if m, err := ReadTorchZip(zipOf(t, map[string][]byte{"a/data.pkl": good, "a/data/0": floats(6)})); err != nil || len(m) != 1 {
		t.Fatalf("the hand-made pickle does not read: %v", err)
	}
	for _, c := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"no pickle", map[string][]byte{"a/data/0": floats(6)}, "no ARCHIVE/data.pkl"},
		{"storage missing", map[string][]byte{"a/data.pkl": good}, "tensor w: its storage data/0 is not in the archive"},
		{"storage short", map[string][]byte{"a/data.pkl": good, "a/data/0": floats(5)}, "holds 20 bytes; the pickle says 6 elements of 4 bytes"},
		{"view past storage", map[string][]byte{"a/data.pkl": tensorPickle("w", 6, 2, []byte{2, 3}, []byte{3, 1}), "a/data/0": floats(6)}, "reach past its storage of 6 elements"},
		{"truncated", map[string][]byte{"a/data.pkl": good[:len(good)-5], "a/data/0": floats(6)}, "the pickle ends early"},
		{"not a dict", map[string][]byte{"a/data.pkl": []byte("\x80\x02K\x05."), "a/data/0": floats(6)}, "holds a int, not a state dict"},
		{"other opcode", map[string][]byte{"a/data.pkl": []byte("\x80\x02S'x'\n."), "a/data/0": floats(6)}, "unsupported opcode"},
		{"builtins.eval", map[string][]byte{"a/data.pkl": []byte("\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.")}, `"builtins.eval"`},
	} {
		_, err := ReadTorchZip(zipOf(t, c.files))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.bin") {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
	if _, err := ReadTorchZip(filepath.Join(t.TempDir(), "none.bin")); err == nil || !strings.Contains(err.Error(), "none.bin") {
		t.Errorf("a missing file: %v", err)
	}
}

// FuzzParseStateDict: any bytes give a state dict or an error, never a
// panic or a hang.
func FuzzParseStateDict(f *testing.F) {
	f.Add(tensorPickle("w", 6, 0, []byte{2, 3}, []byte{3, 1}))
	f.Add([]byte("\x80\x02}q\x00(X\x01\x00\x00\x00ah\x00u."))
	f.Add([]byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94."))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseStateDict(data)
	})
}

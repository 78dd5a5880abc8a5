package torch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestReadModelWeights(t *testing.T) {
	tensor := func(v float32) *ts.Tensor {
		x, err := FromFloat32s([]float32{v, v + 1}, []int64{2}, gotch.CPU)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	write := func(dir, name string, tensors map[string]*ts.Tensor) {
		if err := WriteSafetensors(filepath.Join(dir, name), tensors, nil); err != nil {
			t.Fatal(err)
		}
	}
	index := func(dir, text string) {
		if err := os.WriteFile(filepath.Join(dir, SafetensorsIndexFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One file.
	single := t.TempDir()
	write(single, SafetensorsFile, map[string]*ts.Tensor{"a": tensor(1)})
	if w, files, err := ReadModelWeights(single); err != nil || len(w) != 1 || len(files) != 1 {
		t.Errorf("model.safetensors: %v %v %v", w, files, err)
	}
	// Two shards, and what can be wrong with them.
	sharded := func() string {
		dir := t.TempDir()
		write(dir, "model-00001-of-00002.safetensors", map[string]*ts.Tensor{"a": tensor(1), "b": tensor(3)})
		write(dir, "model-00002-of-00002.safetensors", map[string]*ts.Tensor{"c": tensor(5)})
		return dir
	}
	dir := sharded()
	index(dir, `{"metadata": {"total_size": 24}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}`)
	w, files, err := ReadModelWeights(dir)
	if err != nil || len(w) != 3 || len(files) != 2 {
		t.Fatalf("shards: %v %v %v", w, files, err)
	}
	if got, _ := Float32s(w["c"]); len(got) != 2 || got[0] != 5 {
		t.Errorf("c = %v", got)
	}
	for _, c := range []struct{ name, index, want string }{
		{"missing shard", `{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00003-of-00003.safetensors"}}`, "model-00003-of-00003.safetensors"},
		{"tensor not in its shard", `{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors", "d": "model-00002-of-00002.safetensors"}}`, "no tensor d, which model.safetensors.index.json says it holds"},
		{"tensor not listed", `{"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}`, "tensor b is not listed in model.safetensors.index.json"},
		{"tensor in another shard", `{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}`, "tensor b, which model.safetensors.index.json places in shard model-00002-of-00002.safetensors"},
		{"shard elsewhere", `{"weight_map": {"a": "../model.safetensors"}}`, `tensor a is in shard "../model.safetensors"; expected a file name in the same folder`},
		{"no weight map", `{"metadata": {}}`, "no weight_map"},
		{"bad json", "{\"weight_map\": {\n\"a\": 3}}", "line 2"},
	} {
		dir := sharded()
		index(dir, c.index)
		if _, _, err := ReadModelWeights(dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
	if _, _, err := ReadModelWeights(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no weights") {
		t.Errorf("empty folder: %v", err)
	}
}

// TestReadModelWeightsPyTorchBin: a folder with only pytorch_model.bin is
// read through ReadTorchZip.
func TestReadModelWeightsPyTorchBin(t *testing.T) {
	saved := torchSaved(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(saved, "state.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, TorchBinFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	w, files, err := ReadModelWeights(dir)
	if err != nil || len(w) != 10 || len(files) != 1 || filepath.Base(files[0]) != TorchBinFile {
		t.Errorf("pytorch_model.bin: %d tensors, %v, %v", len(w), files, err)
	}
}

// TestSafetensorsHalf: float16 and bfloat16 tensors, as Hugging Face's
// half-precision checkpoints hold them, round-trip.
func TestSafetensorsHalf(t *testing.T) {
	x, _ := FromFloat32s([]float32{1.5, -2, 0.25}, []int64{3}, gotch.CPU)
	half, bf := x.MustTotype(gotch.Half, false), x.MustTotype(gotch.BFloat16, false)
	path := filepath.Join(t.TempDir(), "h.safetensors")
	if err := WriteSafetensors(path, map[string]*ts.Tensor{"h": half, "b": bf}, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, dt := range map[string]gotch.DType{"h": gotch.Half, "b": gotch.BFloat16} {
		if got[name].DType() != dt {
			t.Errorf("%s: dtype %v", name, got[name].DType())
		}
		f := got[name].MustTotype(gotch.Float, false)
		if v, _ := Float32s(f); len(v) != 3 || v[0] != 1.5 || v[1] != -2 || v[2] != 0.25 {
			t.Errorf("%s: %v", name, v)
		}
	}
}

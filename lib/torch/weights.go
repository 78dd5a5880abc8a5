package torch

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/jsonpos"
)

// The weight files of a Hugging Face model folder, in the order
// ReadModelWeights looks for them.
const (
	SafetensorsFile      = "model.safetensors"
	SafetensorsIndexFile = "model.safetensors.index.json"
	TorchBinFile         = "pytorch_model.bin"
	TorchBinIndexFile    = "pytorch_model.bin.index.json"
)

// ReadModelWeights reads the weights of a Hugging Face model folder:
// model.safetensors, the shards model.safetensors.index.json lists,
// pytorch_model.bin, or the shards of pytorch_model.bin.index.json (the
// PyTorch files read by ReadTorchZip, whose pickles are never run). It
// returns the tensors by name and the files it read. A folder without
// weights, a missing shard, a shard without a tensor its index promises or
// with one it does not, and a name in two shards are errors naming the
// file and the tensor.
func ReadModelWeights(dir string) (map[string]*ts.Tensor, []string, error) {
	exists := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	readSafetensors := func(path string) (map[string]*ts.Tensor, error) {
		t, _, err := ReadSafetensors(path)
		return t, err
	}
	switch {
	case exists(SafetensorsFile):
		path := filepath.Join(dir, SafetensorsFile)
		t, err := readSafetensors(path)
		return t, []string{path}, err
	case exists(SafetensorsIndexFile):
		return readShards(filepath.Join(dir, SafetensorsIndexFile), readSafetensors)
	case exists(TorchBinFile):
		path := filepath.Join(dir, TorchBinFile)
		t, err := ReadTorchZip(path)
		return t, []string{path}, err
	case exists(TorchBinIndexFile):
		return readShards(filepath.Join(dir, TorchBinIndexFile), ReadTorchZip)
	}
	return nil, nil, fmt.Errorf("%s: no weights (expected %s, %s, %s or %s)", dir, SafetensorsFile, SafetensorsIndexFile, TorchBinFile, TorchBinIndexFile)
}

// readShards reads the shards an index file lists ({"weight_map": {name:
// shard file}}) with read, and checks them against it.
func readShards(index string, read func(string) (map[string]*ts.Tensor, error)) (map[string]*ts.Tensor, []string, error) {
	data, err := os.ReadFile(index)
	if err != nil {
		return nil, nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, nil, fmt.Errorf("%s: %s", index, jsonpos.Describe(data, err))
	}
	if len(idx.WeightMap) == 0 {
		return nil, nil, fmt.Errorf("%s: no weight_map; expected {\"weight_map\": {tensor name: shard file}}", index)
	}
	byShard := map[string][]string{}
	for name, shard := range idx.WeightMap {
		// A shard is a file beside the index: a path elsewhere is refused.
		if shard == "" || shard != filepath.Base(shard) || strings.HasPrefix(shard, ".") {
			return nil, nil, fmt.Errorf("%s: tensor %s is in shard %q; expected a file name in the same folder", index, name, shard)
		}
		byShard[shard] = append(byShard[shard], name)
	}
	out := map[string]*ts.Tensor{}
	drop := func() {
		for _, t := range out {
			t.MustDrop()
		}
	}
	var files []string
	for _, shard := range slices.Sorted(maps.Keys(byShard)) {
		path := filepath.Join(filepath.Dir(index), shard)
		tensors, err := read(path)
		if err != nil {
			drop()
			return nil, nil, fmt.Errorf("%s (a shard of %s): %w", path, filepath.Base(index), err)
		}
		files = append(files, path)
		if err := checkShard(path, filepath.Base(index), shard, tensors, idx.WeightMap, byShard[shard]); err != nil {
			for _, t := range tensors {
				t.MustDrop()
			}
			drop()
			return nil, nil, err
		}
		for name, t := range tensors {
			out[name] = t
		}
	}
	return out, files, nil
}

// checkShard reports a tensor of a shard its index does not place there,
// or a tensor the index places there that it lacks.
func checkShard(path, index, shard string, tensors map[string]*ts.Tensor, weightMap map[string]string, listed []string) error {
	for _, name := range slices.Sorted(maps.Keys(tensors)) {
		if s, ok := weightMap[name]; !ok {
			return fmt.Errorf("%s: tensor %s is not listed in %s", path, name, index)
		} else if s != shard {
			return fmt.Errorf("%s: tensor %s, which %s places in shard %s", path, name, index, s)
		}
	}
	for _, name := range slices.Sorted(slices.Values(listed)) {
		if _, ok := tensors[name]; !ok {
			return fmt.Errorf("%s: no tensor %s, which %s says it holds", path, name, index)
		}
	}
	return nil
}

package embed

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/torch"
)

// tinyBert has bench/pytorch/bert.py write a tiny random BERT in Hugging
// Face layout with its reference hidden states, and returns the folder.
func tinyBert(t *testing.T, modelType ...string) string {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import torch").CombinedOutput(); err != nil {
		shareddata.Missing(t, "/usr/bin/python3 with torch is needed (python3-torch): %v\n%s", err, out)
	}
	dir := t.TempDir()
	if out, err := exec.Command("/usr/bin/python3", append([]string{"../../bench/pytorch/bert.py", "tiny", dir}, modelType...)...).CombinedOutput(); err != nil {
		t.Fatalf("bert.py: %v\n%s", err, out)
	}
	return dir
}

// TestBertMatchesPyTorch: the Go BERT, RoBERTa and XLM-R, loaded from
// folders PyTorch wrote (pytorch_model.bin through the pickle reader), give
// the reference's last hidden states within 1e-5 on a batch of mixed
// lengths with padding (and, for BERT, two segments).
func TestBertMatchesPyTorch(t *testing.T) {
	for _, kind := range []string{"bert", "roberta", "xlm-roberta"} {
		t.Run(kind, func(t *testing.T) { matchesPyTorch(t, tinyBert(t, kind)) })
	}
}

func matchesPyTorch(t *testing.T, dir string) {
	b, unused, err := LoadBert(dir, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if len(unused) != 0 {
		t.Errorf("unused tensors %v", unused)
	}
	var ref struct {
		IDs, Mask, Types [][]int64
		Hidden           []float64
		Shape            []int64
	}
	data, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	flat := func(rows [][]int64) *ts.Tensor {
		var v []int64
		for _, r := range rows {
			v = append(v, r...)
		}
		return torch.MustFromInt64s(v, []int64{int64(len(rows)), int64(len(rows[0]))}, gotch.CPU)
	}
	ids, mask, types := flat(ref.IDs), flat(ref.Mask), flat(ref.Types)
	var hidden *ts.Tensor
	torch.NoGrad(func() { hidden = b.Forward(ids, mask, types, false) })
	if got := hidden.MustSize(); len(got) != 3 || got[0] != ref.Shape[0] || got[1] != ref.Shape[1] || got[2] != ref.Shape[2] {
		t.Fatalf("hidden states %v, PyTorch %v", got, ref.Shape)
	}
	vals, err := torch.Float32s(hidden)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, v := range vals {
		worst = math.Max(worst, math.Abs(float64(v)-ref.Hidden[i]))
	}
	if worst > 1e-5 {
		t.Errorf("largest difference from PyTorch %.3g; want ≤ 1e-5", worst)
	}
	t.Logf("largest difference from PyTorch: %.3g", worst)

	// The check is sensitive: ignoring the padding (a mask of ones)
	// changes the padded sentences' states far beyond the tolerance.
	ones := ts.MustOnes(mask.MustSize(), gotch.Int64, gotch.CPU)
	var unmasked *ts.Tensor
	torch.NoGrad(func() { unmasked = b.Forward(ids, ones, types, false) })
	other, _ := torch.Float32s(unmasked)
	moved := 0.0
	for i, v := range other {
		moved = math.Max(moved, math.Abs(float64(v)-ref.Hidden[i]))
	}
	if moved < 1e-3 {
		t.Errorf("the attention mask changes nothing (%.3g): the comparison cannot see padding", moved)
	}
}

// TestLoadBertErrors: a config that does not fit the weights, and a
// config that cannot be built, are errors naming file and tensor.
func TestLoadBertErrors(t *testing.T) {
	dir := tinyBert(t)
	cfgPath := filepath.Join(dir, "config.json")
	orig, _ := os.ReadFile(cfgPath)
	for _, c := range []struct{ from, to, want string }{
		{`"intermediate_size": 24`, `"intermediate_size": 32`, "tensor encoder.layer.0.intermediate.dense.bias has shape [24]; config.json makes it [32]"},
		{`"num_hidden_layers": 2`, `"num_hidden_layers": 3`, "no tensor encoder.layer.2."},
		{`"num_attention_heads": 4`, `"num_attention_heads": 5`, "hidden_size 16 is not a multiple of num_attention_heads 5"},
		{`"hidden_act": "gelu"`, `"hidden_act": "swish"`, `hidden_act "swish"`},
		{`"model_type": "bert"`, `"model_type": "gpt2"`, `model_type "gpt2"`},
	} {
		if !strings.Contains(string(orig), c.from) {
			t.Fatalf("config.json lacks %s", c.from)
		}
		if err := os.WriteFile(cfgPath, []byte(strings.Replace(string(orig), c.from, c.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadBert(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.to, err, c.want)
		}
	}
}

package pretrain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseConfig: any bytes are a config or an error naming the file,
// never a panic, and a config that parses can be checked and set.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"corpus: [a.jsonl]\nmodel:\n  layers: 3\n",
		"train:\n  steps: -1\n  lr: .nan\n",
		"corpus: a\n", "model: [1, 2]\n", "tokenizer:\n  vocab_size: 1e9\n", "",
	} {
		f.Add([]byte(seed))
	}
	data, _ := os.ReadFile("../../data/configs/pretrain-world.yaml")
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "p.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "p.yaml: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_ = c.Check()
		_ = c.Set("train.steps=3")
		if _, err := c.yamlText(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReadMetrics: any metrics.jsonl is read or refused with its file and
// line, never a panic.
func FuzzReadMetrics(f *testing.F) {
	f.Add([]byte(`{"kind":"pretrain","step":10,"loss":7.9,"lr":0.001}` + "\n" + `{"kind":"held_out","step":10,"loss":7.3,"perplexity":1500}` + "\n"))
	f.Add([]byte(`{"kind":"pretrain","step":10,"loss":7.9`))
	f.Add([]byte("{\"kind\":\"x\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, MetricsFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadMetrics(dir); err != nil && !strings.Contains(err.Error(), MetricsFile+":") {
			t.Fatalf("error %q does not name the file and line", err)
		}
	})
}

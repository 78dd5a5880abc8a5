package pretrain

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/runs"
)

// The files of a pretraining run folder.
const (
	MarkerFile     = "nerlab-pretrain.json" // written first: the folder is a pretraining run
	ConfigFile     = "pretrain.yaml"        // the config as the run resolved it
	MetricsFile    = "metrics.jsonl"        // one line per logged step and per held-out evaluation
	TokenizerDir   = "tokenizer"            // the trained vocabulary (from-scratch runs)
	CheckpointsDir = "checkpoints"          // step-NNNNNNNN folders and latest
	ModelDir       = "model"                // the encoder in Hugging Face layout, renewed at every checkpoint
	CurvesFile     = "curves.png"
	stateFile      = "state.json"
	optimizerFile  = "optimizer.safetensors"
	latestFile     = "latest"
	markerFormat   = "nerlab-pretrain"
)

// IsRun reports whether dir is a pretraining run folder.
func IsRun(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if err != nil {
		return false
	}
	var m struct{ Format string }
	return json.Unmarshal(data, &m) == nil && m.Format == markerFormat
}

// Metric is one line of metrics.jsonl: a training log line (Kind
// "pretrain": the mean loss of the steps since the last line) or a
// held-out evaluation (Kind "held_out").
type Metric struct {
	Kind         string  `json:"kind"`
	Step         int     `json:"step"`
	Epoch        float64 `json:"epoch,omitempty"` // epochs done, fractional
	Loss         float64 `json:"loss"`
	Perplexity   float64 `json:"perplexity,omitempty"`
	Accuracy     float64 `json:"accuracy,omitempty"` // held-out: masked tokens whose top prediction is right
	LR           float64 `json:"lr,omitempty"`
	TokensPerSec float64 `json:"tokens_per_sec,omitempty"`
	Seconds      float64 `json:"seconds,omitempty"` // training time so far, all sittings
	Masked       int     `json:"masked,omitempty"`  // held-out: tokens predicted
}

// Metric kinds.
const (
	KindTrain   = "pretrain"
	KindHeldOut = "held_out"
)

// ReadMetrics reads a run folder's metrics.jsonl. A last line cut short (a
// crash while writing) is skipped; any other bad line is an error naming
// the file and line.
func ReadMetrics(dir string) ([]Metric, error) {
	path := filepath.Join(dir, MetricsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Metric
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m Metric
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			if i == len(lines)-1 && !strings.HasSuffix(string(data), "\n") {
				break
			}
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		if m.Kind != KindTrain && m.Kind != KindHeldOut {
			return nil, fmt.Errorf("%s:%d: kind %q; expected %s or %s", path, i+1, m.Kind, KindTrain, KindHeldOut)
		}
		out = append(out, m)
	}
	return out, nil
}

// appendMetric adds a line to metrics.jsonl.
func appendMetric(dir string, m Metric) error {
	for _, v := range []float64{m.Loss, m.Perplexity} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m.Loss, m.Perplexity = -1, 0 // JSON has no NaN; the run stops on a non-finite loss anyway
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, MetricsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// trimMetrics drops the lines of steps after step: a resumed run trains
// them again and writes them anew.
func trimMetrics(dir string, step int) error {
	path := filepath.Join(dir, MetricsFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		var m Metric
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.Step > step {
			continue
		}
		keep.Write(sc.Bytes())
		keep.WriteByte('\n')
	}
	return safefile.WriteBytes(path, keep.Bytes())
}

// prepareFolder makes dir a pretraining run folder for cfg and locks it:
// a new or empty folder is marked; a run of the same config is kept to
// resume; a run of another config is refused unless fresh, which empties
// it. A folder that holds anything else is refused.
func prepareFolder(dir string, cfg Config, fresh bool) (release func(), err error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if len(entries) > 0 && !IsRun(dir) {
		return nil, fmt.Errorf("%s exists and is not a pretraining run folder (it has no %s); pick another --out", dir, MarkerFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := runs.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	if len(entries) > 0 {
		if fresh {
			for _, e := range entries {
				if e.Name() == runs.LockFile {
					continue
				}
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					return nil, err
				}
			}
		} else if err := sameConfig(dir, cfg); err != nil {
			return nil, err
		}
	}
	marker, _ := json.Marshal(map[string]any{"format": markerFormat, "version": 1})
	if err := safefile.WriteBytes(filepath.Join(dir, MarkerFile), append(marker, '\n')); err != nil {
		return nil, err
	}
	text, err := cfg.yamlText()
	if err != nil {
		return nil, err
	}
	return unlock, safefile.WriteBytes(filepath.Join(dir, ConfigFile), text)
}

// sameConfig refuses to continue a run under another config: a resumed
// run must train what it started to.
func sameConfig(dir string, cfg Config) error {
	path := filepath.Join(dir, ConfigFile)
	old, err := ReadConfig(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	old.Out, cfg.Out = "", ""
	a, _ := old.yamlText()
	b, _ := cfg.yamlText()
	if bytes.Equal(a, b) {
		return nil
	}
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	var diff []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		x, y := at(al, i), at(bl, i)
		if x != y {
			diff = append(diff, fmt.Sprintf("%q → %q", strings.TrimSpace(x), strings.TrimSpace(y)))
		}
		if len(diff) == 3 {
			break
		}
	}
	return fmt.Errorf("%s was started with another config (%s); run the same config to resume it, or add --fresh to start over", dir, strings.Join(diff, ", "))
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/nerlab/nerlab/lib/runs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"

	"github.com/nerlab/nerlab/internal/jsonpos"
)

// stateFormat is the version of trainer.json.
const stateFormat = 1

// Checkpoint files inside a checkpoint directory (beside the model's).
const (
	stateFile     = "trainer.json"
	optimizerFile = "optimizer.safetensors"
	latestFile    = "latest"
)

// State is the trainer's position: everything besides the model and
// optimizer tensors that resuming needs to continue the same curve. The
// random streams are not saved: they are re-seeded from (Seed, epoch,
// batch) at every batch, so the position determines them.
type State struct {
	Format int   `json:"format"`
	Seed   int64 `json:"seed"`
	// Epoch is the number of finished epochs; Batch the number of batches
	// of the next epoch already trained (non-zero only for a checkpoint
	// written on interrupt).
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`
	Steps int `json:"steps"` // optimizer steps so far
	// Partial-epoch sums, so an epoch resumed mid-way reports the same
	// train loss and throughput figures.
	EpochLoss    float64 `json:"epoch_loss"`
	EpochBatches int     `json:"epoch_batches"`
	EpochTokens  int     `json:"epoch_tokens"`
	EpochSeconds float64 `json:"epoch_seconds"`

	BestScore float64 `json:"best_score"` // best dev F1 so far (or -train loss without dev)
	BestEpoch int     `json:"best_epoch"`

	Anneal *optim.AnnealOnPlateau   `json:"anneal,omitempty"` // SGD recipe
	Warmup *optim.LinearWarmupDecay `json:"warmup,omitempty"` // AdamW recipe

	OptimizerName string         `json:"optimizer"`
	OptimizerMeta map[string]any `json:"optimizer_meta"`

	Finished   bool   `json:"finished"`
	StopReason string `json:"stop_reason,omitempty"`
}

// saveCheckpoint writes model, optimizer and state into
// checkpoints/<name>, atomically (a temp directory renamed into place),
// then points checkpoints/latest at it.
func saveCheckpoint(runDir, name string, m Model, opt optim.Optimizer, st *State) (string, error) {
	root := filepath.Join(runDir, runs.CheckpointsDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "."+name+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // no-op after the rename
	if err := m.Save(tmp); err != nil {
		return "", err
	}
	tensors, meta := opt.State()
	if err := torch.WriteSafetensors(filepath.Join(tmp, optimizerFile), tensors, map[string]string{"optimizer": opt.Name()}); err != nil {
		return "", err
	}
	st.OptimizerName, st.OptimizerMeta = opt.Name(), meta
	testKill("checkpoint-write")
	if err := writeState(tmp, st); err != nil {
		return "", err
	}
	final := filepath.Join(root, name)
	if err := os.RemoveAll(final); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	testKill("checkpoint-rename")
	if err := safefile.WriteBytes(filepath.Join(root, latestFile), []byte(name+"\n")); err != nil {
		return "", err
	}
	return final, nil
}

// writeState writes st as dir/trainer.json, atomically.
func writeState(dir string, st *State) error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, stateFile), append(data, '\n'))
}

// latestCheckpoint returns the directory named by checkpoints/latest.
func latestCheckpoint(runDir string) (string, error) {
	root := filepath.Join(runDir, runs.CheckpointsDir)
	data, err := os.ReadFile(filepath.Join(root, latestFile))
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("%s: no checkpoint to resume from (the run stopped before its first epoch ended)", runDir)
		}
		return "", err
	}
	name := strings.TrimSpace(string(data))
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("%s: names %q; expected a checkpoint directory name", filepath.Join(root, latestFile), name)
	}
	return filepath.Join(root, name), nil
}

// ReadState reads and checks a checkpoint's trainer.json.
func ReadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseState(data, path)
}

// ParseState decodes trainer.json bytes; name labels errors.
func ParseState(data []byte, name string) (*State, error) {
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: %s", name, jsonpos.Describe(data, err))
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
	switch {
	case st.Format != stateFormat:
		return nil, bad("trainer state format %d; this nerlab reads format %d", st.Format, stateFormat)
	case st.Epoch < 0 || st.Batch < 0 || st.Steps < 0 || st.EpochBatches < 0 || st.EpochTokens < 0:
		return nil, bad("negative epoch, batch or step count")
	case (st.Anneal == nil) == (st.Warmup == nil):
		return nil, bad("expected exactly one schedule (anneal for sgd, warmup for adamw)")
	case st.OptimizerName == "":
		return nil, bad("no optimizer name")
	}
	if st.Anneal != nil {
		if err := st.Anneal.Check(); err != nil {
			return nil, bad("anneal: %v", err)
		}
	}
	if w := st.Warmup; w != nil && (!(w.Peak > 0) || w.Warmup < 0 || w.Total < w.Warmup || w.Step < 0) {
		return nil, bad("warmup: peak %v, warmup %d, total %d, step %d; expected a positive peak and 0 ≤ warmup ≤ total", w.Peak, w.Warmup, w.Total, w.Step)
	}
	return &st, nil
}

// loadOptimizerState reads optimizer.safetensors into opt.
func loadOptimizerState(dir string, opt optim.Optimizer, st *State) error {
	if st.OptimizerName != opt.Name() {
		return fmt.Errorf("%s: saved by optimizer %s, the config asks for %s", filepath.Join(dir, stateFile), st.OptimizerName, opt.Name())
	}
	return optim.LoadStateFile(opt, filepath.Join(dir, optimizerFile), st.OptimizerMeta)
}

// pruneCheckpoints keeps the newest keep epoch checkpoints (0 keeps all),
// never removing the one latest names.
func pruneCheckpoints(runDir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	root := filepath.Join(runDir, runs.CheckpointsDir)
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	latest, _ := latestCheckpoint(runDir)
	var names []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "epoch-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for len(names) > keep {
		if p := filepath.Join(root, names[0]); p != latest {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
		names = names[1:]
	}
	return nil
}

package pretrain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
)

// stateFormat is the version of a checkpoint's state.json.
const stateFormat = 1

// keepCheckpoints is how many step checkpoints a run keeps.
const keepCheckpoints = 2

// state is a run's position besides the model and optimizer tensors.
// The random streams are not saved: masking, the order of sequences and
// libtorch's dropout are drawn from (seed, step) and (seed, epoch), so the
// step determines them.
type state struct {
	Format   int                     `json:"format"`
	Step     int                     `json:"step"` // optimizer steps done
	Schedule optim.LinearWarmupDecay `json:"schedule"`
	// The loss and tokens of the steps since the last metrics line, so
	// that a line spanning an interruption reads as it would have.
	LossSum       float64        `json:"loss_sum"`
	LossSteps     int            `json:"loss_steps"`
	Seconds       float64        `json:"seconds"` // training time so far, all sittings
	Tokens        int64          `json:"tokens"`  // input tokens so far
	OptimizerName string         `json:"optimizer"`
	OptimizerMeta map[string]any `json:"optimizer_meta"`
}

// saveCheckpoint writes the model (a Hugging Face folder), the optimizer
// and st into checkpoints/step-N, atomically (a temporary folder renamed
// into place), points checkpoints/latest at it and removes older ones.
func saveCheckpoint(runDir string, m *MaskedLM, opt optim.Optimizer, st *state) (string, error) {
	root := filepath.Join(runDir, CheckpointsDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	name := fmt.Sprintf("step-%08d", st.Step)
	tmp, err := os.MkdirTemp(root, "."+name+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // nothing left after the rename
	if err := m.Save(tmp); err != nil {
		return "", err
	}
	tensors, meta := opt.State()
	err = torch.WriteSafetensors(filepath.Join(tmp, optimizerFile), tensors, map[string]string{"optimizer": opt.Name()})
	for _, t := range tensors {
		t.MustDrop()
	}
	if err != nil {
		return "", err
	}
	st.Format, st.OptimizerName, st.OptimizerMeta = stateFormat, opt.Name(), meta
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return "", err
	}
	if err := safefile.WriteBytes(filepath.Join(tmp, stateFile), append(data, '\n')); err != nil {
		return "", err
	}
	final := filepath.Join(root, name)
	if err := os.RemoveAll(final); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	if err := safefile.WriteBytes(filepath.Join(root, latestFile), []byte(name+"\n")); err != nil {
		return "", err
	}
	return final, pruneCheckpoints(root, name)
}

// pruneCheckpoints keeps the newest keepCheckpoints step folders, latest
// among them.
func pruneCheckpoints(root, latest string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "step-") && e.Name() != latest {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for len(names) > keepCheckpoints-1 {
		if err := os.RemoveAll(filepath.Join(root, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}

// latestCheckpoint returns the folder checkpoints/latest names, or "" when
// the run has none.
func latestCheckpoint(runDir string) (string, error) {
	root := filepath.Join(runDir, CheckpointsDir)
	data, err := os.ReadFile(filepath.Join(root, latestFile))
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(data))
	if !strings.HasPrefix(name, "step-") || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("%s: names %q; expected a step-N checkpoint folder", filepath.Join(root, latestFile), name)
	}
	return filepath.Join(root, name), nil
}

// readState reads and checks a checkpoint's state.json.
func readState(dir string) (*state, error) {
	path := filepath.Join(dir, stateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st state
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	s := st.Schedule
	switch {
	case st.Format != stateFormat:
		return nil, fmt.Errorf("%s: state format %d; this nerlab reads format %d", path, st.Format, stateFormat)
	case st.Step < 0 || st.LossSteps < 0 || st.Tokens < 0:
		return nil, fmt.Errorf("%s: negative step or token count", path)
	case !(s.Peak > 0) || s.Warmup < 0 || s.Total < s.Warmup || s.Step != st.Step:
		return nil, fmt.Errorf("%s: schedule peak %v, warmup %d, total %d, step %d; expected a positive peak, 0 ≤ warmup ≤ total and the run's step %d", path, s.Peak, s.Warmup, s.Total, s.Step, st.Step)
	}
	return &st, nil
}

// loadOptimizer restores the optimizer's state from a checkpoint.
func loadOptimizer(dir string, opt optim.Optimizer, st *state) error {
	if st.OptimizerName != opt.Name() {
		return fmt.Errorf("%s: saved by optimizer %s, not %s", filepath.Join(dir, stateFile), st.OptimizerName, opt.Name())
	}
	return optim.LoadStateFile(opt, filepath.Join(dir, optimizerFile), st.OptimizerMeta)
}

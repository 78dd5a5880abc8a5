package runs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The files and folders of a run folder.
const (
	ConfigCopy     = "config.yaml" // the experiment as the run resolved it
	LogFile        = "training.log"
	LossFile       = "loss.tsv" // flair's per-epoch table
	MetricsFile    = "metrics.jsonl"
	CheckpointsDir = "checkpoints"
	BestModelDir   = "best-model"
	FinalModelDir  = "final-model"
	TestPredFile   = "test.conll"
	// TestContextPredFile holds a two-view run's predictions on the
	// context view of the test set: ViewPredFile(Context).
	TestContextPredFile = "test-context.conll"
	ResultsFile         = "results.json"
)

// ViewPredFile names the test predictions of a run's further view (the
// first view's are TestPredFile): test-VIEW.conll.
func ViewPredFile(view string) string { return "test-" + view + ".conll" }

// ViewPredPattern matches (filepath.Match) every name ViewPredFile gives,
// so that what clears or cleans a run folder knows the predictions of a
// view it has never heard of.
const ViewPredPattern = "test-*.conll"

// Marker is the first file training writes into a run folder (right after
// taking its lock): the mark by which nerlab knows a folder as its own.
// Names such as config.yaml, training.log, loss.tsv or checkpoints/ are
// written by other tools too (flair, Lightning), so they prove nothing;
// `train --out data --fresh` once deleted a project's data folder, and a
// folder of config.yaml, metrics.jsonl and checkpoints/ was taken for a run.
const Marker = "nerlab-run.json"

// MarkerFormat is the format Mark names.
const MarkerFormat = "nerlab-run"

// Mark is the content of the Marker file.
type Mark struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// Marked reports whether the Marker in dir reads as nerlab's. The error is
// the reading's (fs.ErrNotExist when dir has no marker): a folder from
// before the marker has none, and the caller decides what else proves it.
func Marked(dir string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, Marker))
	if err != nil {
		return false, err
	}
	var m Mark
	return json.Unmarshal(data, &m) == nil && m.Format == MarkerFormat, nil
}

// LockFile is held (flock) by the process that trains a run, so that a
// second train or resume of the same folder is refused instead of
// interleaving two writers, and so that the runs table can tell a run that
// is going on from one that was interrupted. The kernel drops the lock
// when the process dies, however it dies; the file holds the process id.
const LockFile = "running.lock"

// Running reports whether a process is training the run in dir now, and
// its id (0 when the lock file does not say).
func Running(dir string) (pid int, ok bool) {
	path := filepath.Join(dir, LockFile)
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		// Nobody holds it: a leftover of a process that was killed
		// before it could remove it.
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return 0, false
	}
	data, _ := os.ReadFile(path)
	pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	return pid, true
}

package train

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/runs"
)

// What a process killed at any moment (SIGKILL, a power cut) leaves in a
// run folder, and how the next train or resume copes with it:
//
//   - temporary checkpoint folders (.epoch-003.tmp-*) and safefile's
//     temporary files: removed by cleanTemp;
//   - a checkpoint renamed into place while latest still names the one
//     before (or, at epoch 1, nothing): resume picks checkpoints by the
//     position their trainer.json records, not by latest alone;
//   - a folder with no checkpoint at all (killed or failed before its
//     first checkpoint): restartable, since nothing in it is worth keeping.

// tempPatterns match the temporary names nerlab itself creates inside a run
// folder (saveCheckpoint's MkdirTemp, safefile's CreateTemp), relative to
// the run folder. Nothing else is ever removed by cleanTemp.
var tempPatterns = []string{
	filepath.Join(runs.CheckpointsDir, ".epoch-*.tmp-*"),
	filepath.Join(runs.CheckpointsDir, "."+latestFile+".tmp-*"),
	"." + runs.ConfigCopy + ".tmp-*",
	"." + runs.LossFile + ".tmp-*",
	"." + runs.MetricsFile + ".tmp-*",
	"." + runs.ResultsFile + ".tmp-*",
	"." + runs.TestPredFile + ".tmp-*",
	// Every view's predictions, as predFile names them.
	"." + runs.ViewPredPattern + ".tmp-*",
	"." + runs.Marker + ".tmp-*",
}

// cleanTemp removes the temporary files and folders an interrupted write
// left in the run folder dir and returns their names (relative to dir).
// The caller holds the run's lock, so no writer of them is alive. (Names
// are matched one by one rather than globbed: dir itself may contain
// pattern characters.)
func cleanTemp(dir string) ([]string, error) {
	var removed []string
	for _, sub := range []string{".", runs.CheckpointsDir} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, err
		}
		for _, e := range entries {
			rel := filepath.Join(sub, e.Name())
			if !isTemp(rel) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
				return removed, err
			}
			removed = append(removed, rel)
		}
	}
	return removed, nil
}

// isTemp reports whether name (relative to a run folder) is one of
// nerlab's temporary names.
func isTemp(name string) bool {
	for _, p := range tempPatterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// checkpoint is a checkpoint folder with its trainer state (nil when
// trainer.json could not be read; err says why).
type checkpoint struct {
	name, dir string
	st        *State
	err       error
}

// listCheckpoints returns the run's checkpoint folders, the newest
// position (epoch, then batch) first. Those whose trainer.json does not
// read come last, in name order, with their error. Ties (an interrupt at
// batch 0 is the position of the previous epoch's end) go to the one
// latest names, then to the later name.
func listCheckpoints(runDir string) ([]checkpoint, error) {
	root := filepath.Join(runDir, runs.CheckpointsDir)
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	latest, _ := latestCheckpoint(runDir)
	var out []checkpoint
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "epoch-") {
			continue
		}
		c := checkpoint{name: e.Name(), dir: filepath.Join(root, e.Name())}
		c.st, c.err = ReadState(filepath.Join(c.dir, stateFile))
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b checkpoint) int {
		if (a.st == nil) != (b.st == nil) {
			if a.st == nil {
				return 1
			}
			return -1
		}
		if a.st != nil {
			if c := cmp.Compare(b.st.Epoch, a.st.Epoch); c != 0 {
				return c
			}
			if c := cmp.Compare(b.st.Batch, a.st.Batch); c != 0 {
				return c
			}
			if (a.dir == latest) != (b.dir == latest) {
				if a.dir == latest {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(b.name, a.name)
	})
	return out, nil
}

// findCheckpoint resolves resume's --checkpoint: a folder name in the
// run's checkpoints, or a path to one of them.
func findCheckpoint(runDir, want string, all []checkpoint) (checkpoint, error) {
	root := filepath.Join(runDir, runs.CheckpointsDir)
	name := want
	if strings.ContainsAny(want, `/\`) {
		parent, err1 := filepath.Abs(filepath.Dir(filepath.Clean(want)))
		absRoot, err2 := filepath.Abs(root)
		if err := errors.Join(err1, err2); err != nil {
			return checkpoint{}, err
		}
		if parent != absRoot {
			return checkpoint{}, fmt.Errorf("--checkpoint %s: not a checkpoint of %s (expected a folder in %s)", want, runDir, root)
		}
		name = filepath.Base(filepath.Clean(want))
	}
	for _, c := range all {
		if c.name == name {
			return c, nil
		}
	}
	var names []string
	for _, c := range all {
		names = append(names, c.name)
	}
	if len(names) == 0 {
		return checkpoint{}, fmt.Errorf("--checkpoint %s: %s has no checkpoints", want, root)
	}
	slices.Sort(names)
	return checkpoint{}, fmt.Errorf("--checkpoint %s: no such checkpoint in %s; it has %s", want, root, strings.Join(names, ", "))
}

// dropLaterCheckpoints removes the checkpoints that lie after from on the
// curve: they belong to the stretch the resume trains again, and left in
// place a later resume would pick them over the new ones. Those that do
// not load (skipped) stay: resume never picks them, a new checkpoint of
// the same name replaces them, and what is damaged may be worth a look.
// It returns the names it removed.
func dropLaterCheckpoints(all []checkpoint, from checkpoint, skipped []checkpoint) ([]string, error) {
	var dropped []string
	for _, c := range all {
		bad := slices.ContainsFunc(skipped, func(s checkpoint) bool { return s.dir == c.dir })
		if bad || c.st == nil || c.dir == from.dir {
			continue
		}
		if c.st.Epoch < from.st.Epoch || (c.st.Epoch == from.st.Epoch && c.st.Batch <= from.st.Batch) {
			continue
		}
		if err := os.RemoveAll(c.dir); err != nil {
			return dropped, err
		}
		dropped = append(dropped, c.name)
	}
	return dropped, nil
}

// pointLatest makes checkpoints/latest name c, so that the rest of the run
// (finish marks the latest checkpoint finished) agrees with what resume
// chose.
func pointLatest(runDir string, c checkpoint) error {
	return safefile.WriteBytes(filepath.Join(runDir, runs.CheckpointsDir, latestFile), []byte(c.name+"\n"))
}

// earlyEntries are the names nerlab writes at the top of a run folder
// before its first checkpoint.
var earlyEntries = []string{runs.Marker, runs.ConfigCopy, runs.LogFile, runs.LossFile, runs.MetricsFile, runs.CheckpointsDir, runs.BestModelDir, runs.LockFile}

// restartable reports whether dir is a run folder that stopped before its
// first checkpoint: it holds the run marker (train writes it before
// anything else), nothing but names nerlab writes before that checkpoint,
// and no checkpoint. Such a folder holds nothing worth keeping, so train
// may start it again without --fresh. A folder of another tool's (flair's
// training.log and loss.tsv) or of the user's is not one.
func restartable(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !slices.Contains(earlyEntries, e.Name()) && !isTemp(e.Name()) {
			return false
		}
		seen[e.Name()] = true
	}
	if !seen[runs.Marker] {
		return false
	}
	inner, err := os.ReadDir(filepath.Join(dir, runs.CheckpointsDir))
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	for _, e := range inner {
		if !isTemp(filepath.Join(runs.CheckpointsDir, e.Name())) {
			return false
		}
	}
	return true
}

// restartRecords removes the curve files of a restartable folder, whose
// rows (at most the first epoch's, written before its checkpoint) the
// restarted run writes again.
func restartRecords(dir string) error {
	for _, name := range []string{runs.LossFile, runs.MetricsFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// nothingToKeep reports whether a folder's entries are none, or only what
// a process killed while starting a run leaves: the lock file (the caller
// checked that nobody holds it) and nerlab's temporary files, such as the
// run marker's before its rename. Such a folder is empty as far as train
// is concerned.
func nothingToKeep(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.Name() != runs.LockFile && !isTemp(e.Name()) {
			return false
		}
	}
	return true
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

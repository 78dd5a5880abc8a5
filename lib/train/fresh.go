package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/runs"
)

// writeRunMarker writes the run marker (runs.Marker), the first file train
// writes into a run folder (right after taking its lock): the mark by which
// nerlab knows a folder as its own.
func writeRunMarker(dir string) error {
	data, _ := json.Marshal(runs.Mark{Format: runs.MarkerFormat, Version: 1}) // a struct of a string and an int
	return safefile.WriteBytes(filepath.Join(dir, runs.Marker), append(data, '\n'))
}

// IsRun reports whether dir is a run folder nerlab made: it holds the run
// marker, or (runs made before the marker) a checkpoint whose trainer
// state reads as nerlab's.
func IsRun(dir string) bool {
	if marked, err := runs.Marked(dir); err == nil {
		return marked
	}
	all, err := listCheckpoints(dir)
	if err != nil {
		return false
	}
	for _, c := range all {
		if c.st != nil {
			return true
		}
	}
	return false
}

// runEntries are the names training writes into a run folder, with each
// further view's predictions (isRunEntry). --fresh removes these and
// nothing else.
var runEntries = []string{runs.Marker, runs.ConfigCopy, runs.LogFile, runs.LossFile, runs.MetricsFile, runs.CheckpointsDir,
	runs.BestModelDir, runs.FinalModelDir, runs.TestPredFile, runs.ResultsFile, runs.LockFile}

// isRunEntry reports whether training writes name into a run folder. A
// view's predictions are matched by pattern, not listed: predFile names
// them after the view, and a list of test-context.conll alone made --fresh
// refuse (as holding a file of the user's) a run of any other view.
func isRunEntry(name string) bool {
	if slices.Contains(runEntries, name) {
		return true
	}
	ok, _ := filepath.Match(runs.ViewPredPattern, name)
	return ok
}

// isPlotEntry reports the charts `nerlab plot` writes into a run folder by
// default: kept by --fresh (they may be the user's), but no reason to refuse.
func isPlotEntry(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".svg", ".pdf":
		return true
	}
	return false
}

// checkFresh says whether --fresh may replace dir: a missing or empty
// folder, or a run folder nerlab made that holds nothing else but charts.
// It returns the charts, which --fresh keeps. It changes nothing.
func checkFresh(dir string) (charts []string, err error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) || (err == nil && nothingToKeep(entries)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !IsRun(dir) {
		return nil, fmt.Errorf("%s is not a run folder nerlab made (no %s; it holds %s); --fresh only replaces those: choose another --out", dir, runs.Marker, listSome(entryNames(entries)))
	}
	var foreign []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case isRunEntry(name) || isTemp(name):
		case isPlotEntry(name) && !e.IsDir():
			charts = append(charts, name)
		default:
			foreign = append(foreign, name)
		}
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("%s is a run folder but also holds %s, which training did not write; --fresh does not remove what nerlab did not make: move it away or choose another --out", dir, listSome(foreign))
	}
	return charts, nil
}

// clearForFresh removes what training wrote into dir, which checkFresh
// accepted, except the lock file: it runs under the lock, so that no
// other process starts in the folder while it is emptied.
func clearForFresh(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if name != runs.LockFile && (isRunEntry(name) || isTemp(name)) {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func entryNames(entries []os.DirEntry) []string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
		if e.IsDir() {
			names[i] += "/"
		}
	}
	return names
}

// listSome joins up to four names and says how many more there are.
func listSome(names []string) string {
	const most = 4
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

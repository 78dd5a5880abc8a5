package train

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// runEntries are the names training writes into a run folder. --fresh
// removes these and nothing else: a folder is only replaced when nerlab
// can tell it made it (issue: `train --out data --fresh` once deleted a
// project's data folder, config in use included).
var runEntries = []string{ConfigCopy, LogFile, LossFile, MetricsFile, CheckpointsDir,
	BestModelDir, FinalModelDir, TestPredFile, TestContextPredFile, ResultsFile, LockFile}

// runMarks are the entries of which a run folder has at least one besides
// its config copy: a folder holding only a config.yaml is the user's.
var runMarks = []string{LogFile, LossFile, MetricsFile, CheckpointsDir}

// isPlotEntry reports the charts `nerlab plot` writes into a run folder by
// default: kept by --fresh (they may be the user's), but no reason to refuse.
func isPlotEntry(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".svg", ".pdf":
		return true
	}
	return false
}

// clearForFresh empties dir for a new run when it is a run folder nerlab
// made, removing only the entries training writes. It refuses any other
// folder, naming what it holds, and returns the entries it kept (charts).
// A missing or empty dir needs nothing.
func clearForFresh(dir string) (kept []string, err error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) || (err == nil && onlyStaleLock(entries)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var foreign []string
	hasConfig, hasMark := false, false
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == ConfigCopy:
			hasConfig = true
		case slices.Contains(runMarks, name):
			hasMark = true
		case slices.Contains(runEntries, name) || isTemp(name):
		case isPlotEntry(name) && !e.IsDir():
			kept = append(kept, name)
		default:
			foreign = append(foreign, name)
		}
	}
	if (!hasConfig || !hasMark) && !restartable(dir) {
		return nil, fmt.Errorf("%s is not a run folder (it holds %s); --fresh only replaces run folders that nerlab made: choose another --out", dir, listSome(entryNames(entries)))
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("%s is a run folder but also holds %s, which training did not write; --fresh will not remove them: move them away or choose another --out", dir, listSome(foreign))
	}
	for _, e := range entries {
		name := e.Name()
		if slices.Contains(runEntries, name) || isTemp(name) {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return nil, err
			}
		}
	}
	return kept, nil
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

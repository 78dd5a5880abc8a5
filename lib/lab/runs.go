package lab

import (
	"io"

	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/runs"
)

// writeRunsTable prints runs as an aligned table; its hints name commands
// as f spells them.
func writeRunsTable(w io.Writer, list []runs.RunInfo, root string, f Frontend) {
	io.WriteString(w, f.Respell(render.RunsText(list, root)))
}

// runsBundle is the runs table as a display bundle: HTML and the aligned
// text the REPL prints. Displays are shown in notebooks, so the text's
// hints name magics.
func runsBundle(list []runs.RunInfo, root string) map[string]any {
	return map[string]any{"text/html": render.RunsHTML(list), "text/plain": Kernel.Respell(render.RunsText(list, root))}
}

// runCandidates lists known run folders for completion. It runs on every
// key press, so it only looks at which files exist (runs.List reads every
// run's metrics).
func runCandidates(s *Session) []Candidate {
	dirs, _ := runs.Dirs(s.runsDir(), s.runs)
	out := make([]Candidate, 0, len(dirs))
	for _, d := range dirs {
		out = append(out, Candidate{Text: d, Description: "run: " + runs.Status(d)})
	}
	return out
}

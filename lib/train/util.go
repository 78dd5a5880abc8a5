package train

import (
	"encoding/json"
	"math"
	"path/filepath"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/runs"
)

// writeResults writes results.json: the first view's test evaluation as
// test (flair's place for it), and every view's under views.
func writeResults(dir string, r *Result) error {
	out := runs.Results{RunDir: r.RunDir, Epochs: r.Epochs, BestEpoch: r.BestEpoch, Stopped: r.Stopped, SelectView: r.SelectView}
	if !math.IsNaN(r.BestDevF1) {
		out.BestDevF1 = &r.BestDevF1
	}
	for i, t := range r.Tests {
		if i == 0 {
			out.TestLoss, out.Test = t.Loss, &t.Report
		}
		out.Views = append(out.Views, runs.ViewResult{View: t.View, TestLoss: t.Loss, Test: t.Report})
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, runs.ResultsFile), append(data, '\n'))
}

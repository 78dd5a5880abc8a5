package train

import (
	"encoding/json"
	"math"
	"path/filepath"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/safefile"
)

// Results is results.json: a finished run's summary (see runs.Results).
type Results = runs.Results

// ReadResults reads the results.json of the run in dir; a run that has not
// finished has none (an error for which os.IsNotExist is true).
func ReadResults(dir string) (*Results, error) { return runs.ReadResults(dir) }

// writeResults writes results.json; view names the view of r.Test (a
// two-view run's second view is the context view).
func writeResults(dir string, r *Result, view string) error {
	out := Results{RunDir: r.RunDir, Epochs: r.Epochs, BestEpoch: r.BestEpoch, Stopped: r.Stopped, SelectView: r.SelectView}
	if !math.IsNaN(r.BestDevF1) {
		out.BestDevF1 = &r.BestDevF1
	}
	if r.Test != nil {
		out.TestLoss, out.Test = r.Test.Loss, &r.Test.Report
		out.Views = append(out.Views, runs.ViewResult{View: view, TestLoss: r.Test.Loss, Test: r.Test.Report})
	}
	if r.TestContext != nil {
		out.Views = append(out.Views, runs.ViewResult{View: "context", TestLoss: r.TestContext.Loss, Test: r.TestContext.Report})
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, ResultsFile), append(data, '\n'))
}

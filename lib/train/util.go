package train

import (
	"encoding/json"
	"path/filepath"

	"github.com/nerlab/nerlab/lib/safefile"
)

// resultsJSON is results.json: the run's summary for scripts.
type resultsJSON struct {
	RunDir    string  `json:"run_dir"`
	Epochs    int     `json:"epochs"`
	BestEpoch int     `json:"best_epoch"`
	BestDevF1 float64 `json:"best_dev_f1"`
	Stopped   string  `json:"stopped"`
	TestLoss  float64 `json:"test_loss,omitempty"`
	Test      any     `json:"test,omitempty"`
	// A two-view run's test scores on the context view.
	TestContextLoss float64 `json:"test_context_loss,omitempty"`
	TestContext     any     `json:"test_context,omitempty"`
}

func writeResults(dir string, r *Result) error {
	out := resultsJSON{RunDir: r.RunDir, Epochs: r.Epochs, BestEpoch: r.BestEpoch, BestDevF1: r.BestDevF1, Stopped: r.Stopped}
	if r.Test != nil {
		out.TestLoss, out.Test = r.Test.Loss, r.Test.Report
	}
	if r.TestContext != nil {
		out.TestContextLoss, out.TestContext = r.TestContext.Loss, r.TestContext.Report
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, ResultsFile), append(data, '\n'))
}

package train

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/safefile"
)

// Results is results.json: a finished run's summary, for scripts and for
// the runs table.
type Results struct {
	RunDir    string          `json:"run_dir"`
	Epochs    int             `json:"epochs"`
	BestEpoch int             `json:"best_epoch"`
	BestDevF1 *float64        `json:"best_dev_f1"` // null without dev data (the best epoch then has the lowest training loss)
	Stopped   string          `json:"stopped"`
	TestLoss  float64         `json:"test_loss,omitempty"`
	Test      *metrics.Report `json:"test,omitempty"`
	// A two-view run's test scores on the context view.
	TestContextLoss float64         `json:"test_context_loss,omitempty"`
	TestContext     *metrics.Report `json:"test_context,omitempty"`
	// The view whose dev F1 picked the best epoch, in a two-view run.
	SelectView string `json:"select_view,omitempty"`
}

// ReadResults reads the results.json of the run in dir; a run that has not
// finished has none (an error for which os.IsNotExist is true).
func ReadResults(dir string) (*Results, error) {
	path := filepath.Join(dir, ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}

func writeResults(dir string, r *Result) error {
	out := Results{RunDir: r.RunDir, Epochs: r.Epochs, BestEpoch: r.BestEpoch, Stopped: r.Stopped, SelectView: r.SelectView}
	if !math.IsNaN(r.BestDevF1) {
		out.BestDevF1 = &r.BestDevF1
	}
	for i, t := range r.Tests {
		if i == 0 {
			out.TestLoss, out.Test = t.Loss, &t.Report
		} else if t.View == "context" {
			out.TestContextLoss, out.TestContext = t.Loss, &t.Report
		}
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, ResultsFile), append(data, '\n'))
}

package runs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/internal/jsonpos"
	"github.com/nerlab/nerlab/lib/metrics"
)

// Results is results.json: a finished run's summary, for scripts and for
// the runs table.
type Results struct {
	RunDir    string   `json:"run_dir"`
	Epochs    int      `json:"epochs"`
	BestEpoch int      `json:"best_epoch"`
	BestDevF1 *float64 `json:"best_dev_f1"` // null without dev data (the best epoch then has the lowest training loss)
	Stopped   string   `json:"stopped"`
	// TestLoss and Test are the first view's test evaluation, as in
	// Views[0]; they stay for the scripts that read results.json before
	// runs had several views.
	TestLoss float64         `json:"test_loss,omitempty"`
	Test     *metrics.Report `json:"test,omitempty"`
	// Views holds the final model's test evaluation on every view the run
	// evaluated, in the run's order: its main view first.
	Views []ViewResult `json:"views,omitempty"`
	// The view whose dev F1 picked the best epoch, in a run of several
	// views.
	SelectView string `json:"select_view,omitempty"`

	// mainGuessed marks a results.json from before views whose first
	// view's name it could not say (see ReadResults).
	mainGuessed bool
}

// ViewResult is the test evaluation of one view.
type ViewResult struct {
	View     string         `json:"view"`
	TestLoss float64        `json:"test_loss"`
	Test     metrics.Report `json:"test"`
}

// View returns the test evaluation of the named view, or nil.
func (r *Results) View(name string) *ViewResult {
	for i := range r.Views {
		if r.Views[i].View == name {
			return &r.Views[i]
		}
	}
	return nil
}

// UnmarshalJSON reads both the current layout and the one from before
// views, whose two-view runs wrote the context view's evaluation as
// test_context and test_context_loss: those become Views.
func (r *Results) UnmarshalJSON(data []byte) error {
	// results is Results without this method. It is a named type, not a
	// field of an anonymous struct, because json names the struct and the
	// field path in its type errors ("Go struct field results.epochs"):
	// an embedded field's name would show up there.
	type results Results
	var in results
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	// The fields of the layout from before views, read from the same text.
	type resultsBeforeViews struct {
		TestContextLoss float64         `json:"test_context_loss"`
		TestContext     *metrics.Report `json:"test_context"`
	}
	var old resultsBeforeViews
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	*r = Results(in)
	if r.Views != nil {
		return nil
	}
	if r.Test != nil {
		// A two-view run's main view was the plain one; a one-view run
		// may have been trained on context views, which only its
		// metrics.jsonl tells.
		r.Views = append(r.Views, ViewResult{View: Plain, TestLoss: r.TestLoss, Test: *r.Test})
		r.mainGuessed = old.TestContext == nil
	}
	if old.TestContext != nil {
		r.Views = append(r.Views, ViewResult{View: contextView, TestLoss: old.TestContextLoss, Test: *old.TestContext})
	}
	return nil
}

// contextView is the name of CLNER's retrieval-augmented view, the second
// view of the runs written before results.json listed views.
const contextView = "context"

// ReadResults reads the results.json of the run in dir; a run that has not
// finished has none (an error for which os.IsNotExist is true). A file
// written before results.json listed views is read into Views as well: its
// first view is named from the final test line of the run's metrics.jsonl
// when that says.
func ReadResults(dir string) (*Results, error) {
	path := filepath.Join(dir, ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// UnmarshalJSON is called on the whole file, not through
	// json.Unmarshal, which would hand it the object without the white
	// space before it: json's error offsets must be offsets in data for
	// jsonpos to name the line.
	var r Results
	if err := r.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonpos.Describe(data, err))
	}
	if r.mainGuessed {
		if view := finalTestView(filepath.Join(dir, MetricsFile)); view != "" {
			r.Views[0].View = view
		}
		r.mainGuessed = false
	}
	return &r, nil
}

// finalTestView returns the view of the first final test evaluation that
// metrics.jsonl at path records, or "" when it records none (or cannot be
// read: the name is a nicety, and the scores are results.json's).
func finalTestView(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var row struct {
			Kind, Split, View string
		}
		if json.Unmarshal(sc.Bytes(), &row) == nil && row.Kind == "final" && row.Split == "test" {
			return row.View
		}
	}
	return ""
}

package render

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/runs/runstest"
)

// scores is a run's test F1 per view, its main view first.
func scores(viewF1 ...any) []runs.ViewScore {
	var out []runs.ViewScore
	for i := 0; i < len(viewF1); i += 2 {
		out = append(out, runs.ViewScore{View: viewF1[i].(string), F1: viewF1[i+1].(float64)})
	}
	return out
}

func TestRunsTableShowsOtherViewsOfTwoViewRuns(t *testing.T) {
	text := RunsText([]runs.RunInfo{{Dir: "runs/plain", Status: "finished", BestDevF1: 0.5, Tests: scores("plain", 0.4)}}, "runs")
	if strings.Contains(text, "TEST CTX") {
		t.Errorf("one-view runs show a context column:\n%s", text)
	}
	// A run trained on context views alone has them as its main view:
	// under TEST, not in the context column.
	text = RunsText([]runs.RunInfo{{Dir: "runs/cl", Status: "finished", BestDevF1: 0.5, Tests: scores("plain", 0.4, "context", 0.625)},
		{Dir: "runs/plain", Status: "finished", BestDevF1: 0.5, Tests: scores("plain", 0.4)},
		{Dir: "runs/ctx", Status: "finished", BestDevF1: 0.5, Tests: scores("context", 0.5)}}, "runs")
	lines := strings.Split(text, "\n")
	if !strings.Contains(lines[0], "TEST  TEST CTX") || !strings.Contains(lines[1], "40.00     62.50") || !strings.Contains(lines[2], "40.00         -") ||
		!strings.Contains(lines[3], "50.00         -") {
		t.Errorf("two-view table:\n%s", text)
	}
	if got := RunsText(nil, "runs/x"); got != "no runs under runs/x; train one with `nerlab train CONFIG`\n" {
		t.Errorf("empty table: %q", got)
	}
	text = RunsText([]runs.RunInfo{{Dir: "runs/i", Status: "interrupted", BestDevF1: math.NaN()}}, "runs")
	if !strings.HasSuffix(text, "\ncontinue an interrupted run with `nerlab resume runs/i`\n") {
		t.Errorf("interrupted run's hint:\n%s", text)
	}
}

func TestRunsHTML(t *testing.T) {
	html := RunsHTML([]runs.RunInfo{{Dir: "runs/<x>", Status: "finished", Epochs: 3, BestEpoch: 2, BestDevF1: 0.9, Modified: time.Unix(0, 0)}})
	if !strings.Contains(html, "runs/&lt;x&gt;") || !strings.Contains(html, "90.00 (epoch 2)") || !strings.Contains(html, "<td>–</td>") {
		t.Errorf("runs HTML:\n%s", html)
	}
	if strings.Contains(html, "context view") {
		t.Errorf("one-view runs HTML has a context column:\n%s", html)
	}
	two := RunsHTML([]runs.RunInfo{{Dir: "runs/cl", Tests: scores("plain", 0.4, "context", 0.625), BestDevF1: math.NaN()},
		{Dir: "runs/plain", Tests: scores("plain", 0.4), BestDevF1: math.NaN()}})
	if !strings.Contains(two, "<th>test F1 (context view)</th>") || !strings.Contains(two, "<td>40.00</td><td>62.50</td>") ||
		!strings.Contains(two, "<td>40.00</td><td>–</td>") {
		t.Errorf("two-view runs HTML:\n%s", two)
	}
}

func TestSeedsText(t *testing.T) {
	root := t.TempDir()
	nan := math.NaN()
	groups, err := runs.GroupBySeed([]runs.RunInfo{
		{Dir: runstest.SeedRun(t, root, "ctx-s2", 2, 0.1), Status: "finished", BestDevF1: 0.50, Tests: scores("plain", 0.40)},
		{Dir: runstest.SeedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.30, Tests: scores("plain", 0.20)},
		{Dir: runstest.SeedRun(t, root, "ctx-s1", 1, 0.1), Status: "finished", BestDevF1: 0.40, Tests: scores("plain", 0.30)},
		{Dir: runstest.SeedRun(t, root, "ctx-s3", 3, 0.1), Status: "finished", BestDevF1: 0.60, Tests: scores("plain", 0.35)},
		{Dir: runstest.SeedRun(t, root, "ctx-s4", 4, 0.1), Status: "interrupted", BestDevF1: 0.90},
	})
	if err != nil {
		t.Fatal(err)
	}
	text := SeedsText(groups)
	for _, want := range []string{"\nctx            4  1,2,3,4         50.00 ± 10.00     35.00 ± 5.00  (1 unfinished, left out)\n", "\nbase-s1        1  1                       30.00            20.00\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "TEST CTX") {
		t.Errorf("one-view groups show a context column:\n%s", text)
	}
	// Two-view groups add the context view's test F1.
	root = t.TempDir()
	groups, err = runs.GroupBySeed([]runs.RunInfo{
		{Dir: runstest.SeedRun(t, root, "cl-s1", 1, 0.1), Status: "finished", BestDevF1: 0.5, Tests: scores("plain", 0.4, "context", 0.6)},
		{Dir: runstest.SeedRun(t, root, "cl-s2", 2, 0.1), Status: "finished", BestDevF1: 0.5, Tests: scores("plain", 0.4, "context", 0.8)},
		{Dir: runstest.SeedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.3, Tests: scores("plain", 0.2)},
		{Dir: runstest.SeedRun(t, root, "other-s1", 1, 0.2), Status: "finished", BestDevF1: nan},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(SeedsText(groups), "\n")
	if !strings.HasSuffix(lines[0], "TEST         TEST CTX") || !strings.HasSuffix(lines[1], "40.00 ± 0.00    70.00 ± 14.14") ||
		!strings.HasSuffix(lines[2], "20.00                -") || !strings.HasSuffix(lines[3], "-                -  (1 unfinished, left out)") {
		t.Errorf("two-view seed table:\n%s", strings.Join(lines, "\n"))
	}
}

package runs_test

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/runs/runstest"
)

// sameFloats compares series exactly, NaN matching NaN.
func sameFloats(t *testing.T, what string, got []float64, want func(epoch int) float64, epochs []int) {
	t.Helper()
	if len(got) != len(epochs) {
		t.Fatalf("%s: %d values for %d epochs", what, len(got), len(epochs))
	}
	for i, e := range epochs {
		w := want(e)
		if got[i] != w && !(math.IsNaN(got[i]) && math.IsNaN(w)) {
			t.Errorf("%s at epoch %d = %v, want %v", what, e, got[i], w)
		}
	}
}

func nan(int) float64 { return math.NaN() }

func epochRange(from, to int) []int {
	var es []int
	for e := from; e <= to; e++ {
		es = append(es, e)
	}
	return es
}

// checkEvals compares every evaluation series of r with the runstest.Fixture.
func checkEvals(t *testing.T, r *runs.Run, views, splits []string, perType bool) {
	t.Helper()
	var keys []string
	for _, s := range r.Evals {
		keys = append(keys, s.Split+"/"+s.View)
	}
	var want []string
	for _, split := range splits {
		for _, view := range views {
			want = append(want, split+"/"+view)
		}
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("eval series %v, want %v", keys, want)
	}
	for _, s := range r.Evals {
		measure := func(k int) func(int) float64 {
			return func(e int) float64 {
				loss, p, rc, f1, acc := runstest.Scores(s.Split, s.View, e)
				return []float64{loss, p, rc, f1, acc}[k]
			}
		}
		name := s.Split + "/" + s.View
		sameFloats(t, name+" loss", s.Loss, measure(0), r.Epochs)
		sameFloats(t, name+" precision", s.Precision, measure(1), r.Epochs)
		sameFloats(t, name+" recall", s.Recall, measure(2), r.Epochs)
		sameFloats(t, name+" F1", s.F1, measure(3), r.Epochs)
		sameFloats(t, name+" accuracy", s.Accuracy, measure(4), r.Epochs)
		for i, e := range r.Epochs {
			if !perType {
				if s.PerType[i] != nil {
					t.Errorf("%s epoch %d: per-type scores %v from a file that has none", name, e, s.PerType[i])
				}
				continue
			}
			if want := runstest.Report(s.Split, s.View, e).PerType; !reflect.DeepEqual(s.PerType[i], want) {
				t.Errorf("%s epoch %d per type = %v, want %v", name, e, s.PerType[i], want)
			}
		}
	}
}

func checkTraining(t *testing.T, r *runs.Run, withThroughput bool) {
	t.Helper()
	sameFloats(t, "LR", r.LR, runstest.LR, r.Epochs)
	sameFloats(t, "train loss", r.TrainLoss, runstest.TrainLoss, r.Epochs)
	seconds := func(e int) float64 { return 40 + float64(e) }
	tps := func(e int) float64 { return 5000 + float64(e) }
	if !withThroughput {
		seconds, tps = nan, nan
	}
	sameFloats(t, "seconds", r.Seconds, seconds, r.Epochs)
	sameFloats(t, "tokens/s", r.TokensPerSec, tps, r.Epochs)
}

func TestReadRunMetricsJSONL(t *testing.T) {
	for _, f := range []runstest.Fixture{{}, {Test: true}, {Test: true, Views: []string{runs.Plain, "context"}}} {
		r := runstest.Run(t, f)
		if r.Source != runs.MetricsFile || len(r.Warnings) != 0 {
			t.Fatalf("source %q, warnings %q; want metrics.jsonl without warnings", r.Source, r.Warnings)
		}
		if !slices.Equal(r.Epochs, epochRange(1, 10)) {
			t.Fatalf("epochs %v, want 1..10", r.Epochs)
		}
		checkTraining(t, r, true)
		checkEvals(t, r, f.ViewList(), f.Splits(), true)
		if v := r.MainView(); v != runs.Plain {
			t.Errorf("main view %q, want plain", v)
		}
		for _, view := range f.ViewList() {
			if i, ok := r.BestDev(view); !ok || r.Epochs[i] != 7 {
				t.Errorf("best dev epoch of %s = %d (ok %v), want 7", view, r.Epochs[i], ok)
			}
		}
		if r.Index(7) != 6 || r.Index(11) != -1 {
			t.Errorf("Index(7) = %d, Index(11) = %d; want 6, -1", r.Index(7), r.Index(11))
		}
	}
}

func TestReadRunLossTSV(t *testing.T) {
	for _, f := range []runstest.Fixture{{}, {Test: true}, {Test: true, Views: []string{runs.Plain, "context"}}} {
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.LossFile, f.TSVLines(1, 10))
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if r.Source != runs.LossFile || !slices.Equal(r.Epochs, epochRange(1, 10)) {
			t.Fatalf("source %q epochs %v; want loss.tsv, 1..10", r.Source, r.Epochs)
		}
		checkTraining(t, r, false)
		checkEvals(t, r, f.ViewList(), f.Splits(), false)
	}
}

// flair writes TEST_ columns full of "_" when test is not monitored, and
// "_" for a value it did not compute; later columns may be unknown.
func TestReadRunLossTSVMissingAndUnknownColumns(t *testing.T) {
	f := runstest.Fixture{}
	lines := []string{f.TSVHeader() + "\tTEST_LOSS\tTEST_F1\tDEV_SCORE\tCONTEXT_TRAIN_LOSS"}
	for e := 1; e <= 10; e++ {
		row := f.TSVRow(e)
		if e == 3 {
			cells := strings.Split(row, "\t")
			cells[5] = "_" // DEV_LOSS
			row = strings.Join(cells, "\t")
		}
		lines = append(lines, row+"\t_\t_\t0.5\t1.0")
	}
	dir := t.TempDir()
	// CRLF line ends, as a file edited on Windows would have.
	if err := os.WriteFile(filepath.Join(dir, runs.LossFile), []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Evals) != 1 || r.Series("dev", runs.Plain) == nil {
		t.Fatalf("%d eval series; want dev only (the all-missing test series left out)", len(r.Evals))
	}
	sameFloats(t, "dev loss", r.Evals[0].Loss, func(e int) float64 {
		if e == 3 {
			return math.NaN()
		}
		loss, _, _, _, _ := runstest.Scores("dev", runs.Plain, e)
		return loss
	}, r.Epochs)
	sameFloats(t, "LR", r.LR, runstest.LR, r.Epochs)
}

// A run killed mid-write leaves a cut last line; the reader keeps the
// rest and says what it skipped.
func TestReadRunTruncatedLastLine(t *testing.T) {
	f := runstest.Fixture{Test: true}
	t.Run("metrics.jsonl", func(t *testing.T) {
		lines := f.JSONLLines(t, 1, 10)
		lines = lines[:len(lines)-1] // epoch 10's checkpoint row
		last := lines[len(lines)-1]  // epoch 10's test evaluation
		lines[len(lines)-1] = last[:len(last)/2]
		dir := t.TempDir()
		path := filepath.Join(dir, runs.MetricsFile)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		wantPrefix := path + ":" + strconv.Itoa(len(lines)) + ": "
		if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], wantPrefix) {
			t.Fatalf("warnings %q; want one starting %q", r.Warnings, wantPrefix)
		}
		if test := r.Series("test", runs.Plain); !math.IsNaN(test.F1[9]) || test.F1[8] != runstest.DevF1[8]-0.03 {
			t.Errorf("test F1 at epochs 9, 10 = %v, %v; want %v, NaN", test.F1[8], test.F1[9], runstest.DevF1[8]-0.03)
		}
		if dev := r.Series("dev", runs.Plain); dev.F1[9] != runstest.DevF1[9] {
			t.Errorf("dev F1 at epoch 10 = %v, want %v", dev.F1[9], runstest.DevF1[9])
		}
	})
	t.Run("loss.tsv", func(t *testing.T) {
		lines := f.TSVLines(1, 10)
		last := lines[len(lines)-1]
		lines[len(lines)-1] = last[:strings.LastIndex(last, "\t")]
		dir := t.TempDir()
		path := filepath.Join(dir, runs.LossFile)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Epochs, epochRange(1, 9)) {
			t.Errorf("epochs %v, want 1..9", r.Epochs)
		}
		if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], path+":11: ") {
			t.Errorf("warnings %q; want one at %s:11", r.Warnings, path)
		}
	})
}

func TestReadRunBadMiddleLine(t *testing.T) {
	cases := []struct {
		name, line, want string
		last             bool // put the line last instead of in the middle
	}{
		{"cut JSON", `{"kind":"eval","epoch":2,`, "not a JSON object", false},
		{"not an object", `[1, 2]`, "not a JSON object", false},
		{"no epoch", `{"kind":"train","loss":1.5}`, "train row has no epoch; expected", false},
		{"negative epoch", `{"kind":"train","epoch":-1}`, "epoch -1; expected", false},
		{"epoch text", `{"kind":"train","epoch":"two"}`, "bad train row", false},
		{"no split", `{"kind":"eval","epoch":2,"loss":0.5}`, "eval row has no split; expected", false},
		{"bad report", `{"kind":"eval","epoch":2,"split":"dev","report":{"f1":"high"}}`, "bad eval row", false},
		// JSON that says something wrong is not a cut line, last or not.
		{"no epoch last", `{"kind":"train"}`, "train row has no epoch", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := runstest.Fixture{}.JSONLLines(t, 1, 3)
			at := 5
			if c.last {
				lines = append(lines, c.line)
				at = len(lines)
			} else {
				lines = slices.Insert(lines, at-1, c.line)
			}
			dir := t.TempDir()
			path := runstest.WriteLines(t, dir, runs.MetricsFile, lines)
			_, err := runs.ReadRun(dir)
			var le *runs.LineError
			if !errors.As(err, &le) || le.Line != at || le.Path != path {
				t.Fatalf("error %v; want a *LineError at %s:%d", err, path, at)
			}
			if prefix := path + ":" + strconv.Itoa(at) + ": "; !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q; want it to start %q and say %q", err, prefix, c.want)
			}
		})
	}
}

func TestReadRunBadLossTSV(t *testing.T) {
	f := runstest.Fixture{}
	good := f.TSVLines(1, 5)
	cases := []struct {
		name  string
		edit  func(lines []string) []string
		line  int
		wants string
	}{
		{"bad number", func(l []string) []string {
			cells := strings.Split(l[3], "\t")
			cells[slices.Index(strings.Split(l[0], "\t"), "DEV_F1")] = "abc"
			l[3] = strings.Join(cells, "\t")
			return l
		}, 4, `DEV_F1 "abc"; expected a number or _`},
		{"bad epoch", func(l []string) []string { l[2] = "x" + l[2]; return l }, 3, `EPOCH "x2"; expected a whole number`},
		{"missing field", func(l []string) []string {
			l[2] = l[2][:strings.LastIndex(l[2], "\t")]
			return l
		}, 3, "9 fields; expected 10"},
		{"no EPOCH column", func(l []string) []string { l[0] = strings.Replace(l[0], "EPOCH", "ROUND", 1); return l }, 1, "no EPOCH column"},
		{"repeated column", func(l []string) []string { l[0] = strings.Replace(l[0], "DEV_LOSS", "DEV_F1", 1); return l }, 1, "DEV_F1 appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := runstest.WriteLines(t, dir, runs.LossFile, c.edit(slices.Clone(good)))
			_, err := runs.ReadRun(dir)
			prefix := path + ":" + strconv.Itoa(c.line) + ": "
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.wants) {
				t.Fatalf("error %v; want it to start %q and say %q", err, prefix, c.wants)
			}
		})
	}
}

// staleJSONL is what an attempt that was later abandoned logged for
// epochs from..to: values no resumed run would write. After the first of
// these epochs it also evaluated a split the resumed run never does;
// those rows must vanish with the epochs they belong to.
func staleJSONL(from, to int) []string {
	var lines []string
	for e := from; e <= to; e++ {
		n := strconv.Itoa(e)
		lines = append(lines,
			`{"kind":"train","epoch":`+n+`,"loss":99,"lr":9}`,
			`{"kind":"eval","epoch":`+n+`,"split":"dev","view":"plain","loss":99,"report":{"f1":0.01}}`)
		if e > from {
			lines = append(lines, `{"kind":"eval","epoch":`+n+`,"split":"stale","loss":99}`)
		}
	}
	return lines
}

func TestReadRunResumed(t *testing.T) {
	f := runstest.Fixture{Test: true}
	t.Run("repeated epochs are replaced", func(t *testing.T) {
		lines := append(f.JSONLLines(t, 1, 3), staleJSONL(4, 6)...)
		lines = append(lines, f.JSONLLines(t, 4, 10)...) // resumed from epoch 3's checkpoint
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.MetricsFile, lines)
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Epochs, epochRange(1, 10)) {
			t.Fatalf("epochs %v, want 1..10", r.Epochs)
		}
		checkTraining(t, r, true)
		checkEvals(t, r, f.ViewList(), f.Splits(), true)
	})
	t.Run("a shorter resumed run drops the abandoned epochs", func(t *testing.T) {
		lines := append(f.JSONLLines(t, 1, 3), staleJSONL(4, 6)...)
		lines = append(lines, f.JSONLLines(t, 4, 5)...)
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.MetricsFile, lines)
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Epochs, epochRange(1, 5)) {
			t.Fatalf("epochs %v, want 1..5 (epoch 6 belonged to the abandoned attempt)", r.Epochs)
		}
		checkTraining(t, r, true)
		checkEvals(t, r, f.ViewList(), f.Splits(), true)
	})
	t.Run("loss.tsv with its header written again", func(t *testing.T) {
		lines := f.TSVLines(1, 6)
		for i := 4; i <= 6; i++ {
			lines[i] = strings.Replace(lines[i], "\t"+runstest.FormatFloat(runstest.TrainLoss(i))+"\t", "\t99\t", 1)
		}
		lines = append(lines, f.TSVLines(4, 10)...)
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.LossFile, lines)
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Epochs, epochRange(1, 10)) {
			t.Fatalf("epochs %v, want 1..10", r.Epochs)
		}
		checkTraining(t, r, false)
		checkEvals(t, r, f.ViewList(), f.Splits(), false)
	})
}

// A resumed run may write its header again with columns added; the new
// header reads the rows after it.
func TestReadRunLossTSVHeaderChangesOnResume(t *testing.T) {
	two := runstest.Fixture{Views: []string{runs.Plain, "context"}}
	lines := append(runstest.Fixture{}.TSVLines(1, 3), two.TSVLines(4, 10)...)
	dir := t.TempDir()
	runstest.WriteLines(t, dir, runs.LossFile, lines)
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Views(); !slices.Equal(got, []string{runs.Plain, "context"}) {
		t.Fatalf("views %v, want plain, context", got)
	}
	sameFloats(t, "plain dev F1", r.Series("dev", runs.Plain).F1, func(e int) float64 { return runstest.DevF1[e-1] }, r.Epochs)
	sameFloats(t, "context dev F1", r.Series("dev", "context").F1, func(e int) float64 {
		if e < 4 {
			return math.NaN()
		}
		_, _, _, f1, _ := runstest.Scores("dev", "context", e)
		return f1
	}, r.Epochs)
}

// An evaluation may carry no report (loss only) or a report without
// per-type scores; neither counts as per-type scores.
func TestReadRunEvalWithoutScores(t *testing.T) {
	dir := t.TempDir()
	runstest.WriteLines(t, dir, runs.MetricsFile, []string{
		`{"kind":"train","epoch":1,"loss":2.5,"lr":null}`,
		`{"kind":"eval","epoch":1,"split":"dev","loss":1.25}`,
		`{"kind":"eval","epoch":1,"split":"test","report":{"f1":0.5,"precision":0.25,"recall":1}}`,
	})
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	dev, test := r.Series("dev", runs.Plain), r.Series("test", runs.Plain)
	if dev == nil || test == nil {
		t.Fatalf("eval series %v; want dev and test in the plain view", r.Evals)
	}
	if dev.Loss[0] != 1.25 || !math.IsNaN(dev.F1[0]) || !math.IsNaN(test.Loss[0]) || test.F1[0] != 0.5 || test.Recall[0] != 1 {
		t.Errorf("dev loss %v F1 %v, test loss %v F1 %v recall %v", dev.Loss[0], dev.F1[0], test.Loss[0], test.F1[0], test.Recall[0])
	}
	if dev.PerType[0] != nil || test.PerType[0] != nil || !math.IsNaN(r.LR[0]) || r.TrainLoss[0] != 2.5 {
		t.Errorf("per type %v %v, LR %v, train loss %v", dev.PerType[0], test.PerType[0], r.LR[0], r.TrainLoss[0])
	}
}

func TestReadRunChoosesItsFile(t *testing.T) {
	t.Run("neither file", func(t *testing.T) {
		dir := t.TempDir()
		for _, d := range []string{dir, filepath.Join(dir, "missing")} {
			_, err := runs.ReadRun(d)
			if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), d+": no metrics.jsonl or loss.tsv") {
				t.Errorf("ReadRun(%s) error %v; want one naming the folder and wrapping fs.ErrNotExist", d, err)
			}
		}
	})
	t.Run("empty metrics.jsonl falls back to loss.tsv", func(t *testing.T) {
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.MetricsFile, []string{`{"kind":"config","epoch":"n/a"}`})
		runstest.WriteLines(t, dir, runs.LossFile, runstest.Fixture{}.TSVLines(1, 4))
		r, err := runs.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		if r.Source != runs.LossFile || len(r.Epochs) != 4 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], runs.MetricsFile) {
			t.Errorf("source %q, %d epochs, warnings %q; want loss.tsv, 4, a note on metrics.jsonl", r.Source, len(r.Epochs), r.Warnings)
		}
	})
	t.Run("a run that logged nothing yet", func(t *testing.T) {
		dir := t.TempDir()
		runstest.WriteLines(t, dir, runs.MetricsFile, nil)
		r, err := runs.ReadRun(dir)
		if err != nil || len(r.Epochs) != 0 || len(r.Evals) != 0 {
			t.Fatalf("ReadRun = %+v, %v; want an empty run", r, err)
		}
	})
}

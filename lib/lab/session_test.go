package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/runs"
)

// session runs command lines in one session, as the REPL does.
type session struct {
	t   *testing.T
	lab *Lab
	env *Env
	out *bytes.Buffer
}

func newSession(t *testing.T) *session {
	var out, errOut bytes.Buffer
	return &session{t: t, lab: New(), out: &out, env: &Env{Stdout: &out, Stderr: &errOut, Session: NewSession()}}
}

// run executes a line and returns its output, failing the test on error.
func (s *session) run(line string) string {
	s.t.Helper()
	out, err := s.try(line)
	if err != nil {
		s.t.Fatalf("%s: %v", line, err)
	}
	return out
}

func (s *session) try(line string) (string, error) {
	s.out.Reset()
	err := s.lab.ExecLine(context.Background(), s.env, line)
	return s.out.String(), err
}

// wnut17 is the shared WNUT-17 folder (the test skips without it, or fails under CI).
func wnut17(t *testing.T) string { return filepath.Join(datasets(t), "wnut17") }

func TestLoadAndStatsOfADatasetFolder(t *testing.T) {
	s := newSession(t)
	if _, err := s.try("stats"); !IsUsage(err) || !strings.Contains(err.Error(), "load NAME PATH") {
		t.Errorf("stats before load: %v", err)
	}
	out := s.run("load wnut " + wnut17(t))
	for _, want := range []string{"dataset wnut", "train     3394 sentences    62730 tokens   1975 entities",
		"dev       1009 sentences    15733 tokens    836 entities", "test      1287 sentences    23394 tokens   1079 entities"} {
		if !strings.Contains(out, want) {
			t.Errorf("load output lacks %q:\n%s", want, out)
		}
	}
	out = s.run("stats")
	// The MANIFEST's counts: sentences, tokens and entities per type.
	for _, want := range [][]string{
		{"sentences", "3394", "1009", "1287"},
		{"tokens", "62730", "15733", "23394"},
		{"corporation", "221", "34", "66"},
		{"creative-work", "140", "105", "142"},
		{"group", "264", "39", "165"},
		{"location", "548", "74", "150"},
		{"person", "660", "470", "429"},
		{"product", "142", "114", "127"},
	} {
		re := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(want[0]) + `\s+` + strings.Join(want[1:], `\s+`) + `$`)
		if !re.MatchString(out) {
			t.Errorf("stats lacks the row %v:\n%s", want, out)
		}
	}
	var js map[string]struct{ Sentences int }
	if err := json.Unmarshal([]byte(s.run("stats wnut --json")), &js); err != nil || js["dev"].Sentences != 1009 {
		t.Errorf("stats --json: %v %+v", err, js)
	}
	if out := s.run("show datasets"); !strings.Contains(out, "* dataset wnut") {
		t.Errorf("show datasets: %q", out)
	}
}

func TestLoadRefusesWhatItCannotRead(t *testing.T) {
	s := newSession(t)
	for line, want := range map[string]string{
		"load x /no/such/path": "no such file",
		"load x":               "missing PATH",
		"load x " + wnut17(t) + " text bogus ner 7": "COLUMNS",
	} {
		_, err := s.try(line)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want an error containing %q", line, err, want)
		}
	}
}

func TestSetShowAndTheWorkingExperiment(t *testing.T) {
	s := newSession(t)
	if _, err := s.try("show config"); err == nil || !strings.Contains(err.Error(), "no experiment") {
		t.Errorf("show config with nothing loaded: %v", err)
	}
	if _, err := s.try("train"); !IsUsage(err) {
		t.Errorf("train with nothing loaded: %v", err)
	}
	s.run("load wnut " + wnut17(t))
	s.run("set train.max_epochs=3 model.hidden_size=16")
	s.run("set train.max_epochs=4") // replaces the earlier value
	if out := s.run("set"); out != "model.hidden_size=16\ntrain.max_epochs=4\n" {
		t.Errorf("set lists %q", out)
	}
	out := s.run("show config")
	for _, want := range []string{"max_epochs: 4", "hidden_size: 16", "train: " + wnut17(t) + "/train.txt", "name: wnut", "0: text, 1: ner"} {
		if !strings.Contains(out, want) {
			t.Errorf("show config lacks %q:\n%s", want, out)
		}
	}
	if out := s.run("set train.max_epochs"); !strings.HasPrefix(out, "train.max_epochs = 4\n  ") {
		t.Errorf("set KEY explains %q", out)
	}
	_, err := s.try("set train.max_epoch=3")
	if !IsUsage(err) || !strings.Contains(err.Error(), "train.max_epochs") {
		t.Errorf("misspelt key: %v", err)
	}
	if _, err := s.try("set train.max_epochs=many"); !IsUsage(err) {
		t.Errorf("bad value: %v", err)
	}
	s.run("set --unset train.max_epochs")
	if out := s.run("set"); out != "model.hidden_size=16\n" {
		t.Errorf("after --unset: %q", out)
	}
	s.run("set --reset")
	if got := s.env.Session.Overrides(); len(got) != 0 {
		t.Errorf("after --reset: %v", got)
	}
	// A loaded YAML becomes the working experiment, named by load's NAME.
	s.run("load quick ../../data/configs/demo.yaml")
	if out := s.run("show config"); !strings.Contains(out, "name: quick") || !strings.Contains(out, "data/sample/train.conll") {
		t.Errorf("show config after loading a YAML:\n%s", out)
	}
}

// TestSessionTrainEvalPredict trains through the session (no paths given
// after load) and uses the run as the current model.
func TestSessionTrainEvalPredict(t *testing.T) {
	root, _ := filepath.Abs("../..")
	t.Chdir(root)
	s := newSession(t)
	s.env.Session.RunsDir = t.TempDir()
	run := filepath.Join(s.env.Session.RunsDir, "sample")
	s.run("load sample data/sample")
	s.run("set train.max_epochs=2 train.mini_batch_size=16 embeddings.word.dim=32 model.hidden_size=32 embeddings.char=none")
	if _, err := s.try("eval"); !IsUsage(err) || !strings.Contains(err.Error(), "no model") {
		t.Errorf("eval before any model: %v", err)
	}
	out := s.run("train --out " + run)
	if !strings.Contains(out, "run folder  "+run) {
		t.Fatalf("train output:\n%s", out)
	}
	if m := s.env.Session.Model(""); m == nil || m.Path != run {
		t.Fatalf("the run did not become the current model: %+v", m)
	}
	if out := s.run("eval --split dev"); !strings.Contains(out, "data/sample/dev.conll") || !strings.Contains(out, "FB1") {
		t.Errorf("eval --split dev:\n%s", out)
	}
	if _, err := s.try("eval --split nope"); err == nil || !strings.Contains(err.Error(), "it has train, dev, test") {
		t.Errorf("eval of a missing split: %v", err)
	}
	out = s.run("predict Stedian Restous left Siastias Systems .")
	if !strings.Contains(out, "Stedian Restous") || strings.Contains(out, "\x1b[") {
		t.Errorf("predict TEXT without colour:\n%q", out)
	}
	s.env.Session.Color = true
	if out := s.run("predict Stedian Restous left Siastias Systems ."); !strings.Contains(out, "\x1b[") {
		t.Errorf("predict TEXT with colour has no escapes: %q", out)
	}
	if out := s.run("show model"); !strings.Contains(out, "parameters") || !strings.Contains(out, "finished after 2 epochs") {
		t.Errorf("show model:\n%s", out)
	}
	if out := s.run("runs"); !strings.Contains(out, run) || !strings.Contains(out, "finished") {
		t.Errorf("runs:\n%s", out)
	}
	cands, _ := s.lab.Complete(s.env.Session, "resume ")
	found := false
	for _, c := range cands {
		found = found || (c.Text == run && c.Description == "run: finished")
	}
	if !found {
		t.Errorf("resume does not complete the finished run %s: %v", run, cands)
	}
	var infos []runs.RunInfo
	if err := json.Unmarshal([]byte(s.run("runs --json")), &infos); err != nil || len(infos) != 1 || infos[0].Epochs != 2 {
		t.Errorf("runs --json: %v %+v", err, infos)
	}
	png := filepath.Join(t.TempDir(), "f1.png")
	s.env.Session.Images = render.ITermImages
	if out := s.run("plot f1 -o " + png); out == "" {
		t.Error("plot printed nothing")
	} else if _, err := s.try("plot " + run + " f1 -o " + png); err != nil {
		t.Error(err)
	} else if !strings.Contains(s.out.String(), "\x1b]1337;File=inline=1") {
		t.Errorf("plot with an iTerm2 terminal shows no inline image")
	}
	if _, err := os.Stat(png); err != nil {
		t.Error(err)
	}
	// A second train into the same folder explains how to go on.
	if _, err := s.try("train --out " + run); err == nil || !strings.Contains(err.Error(), "resume") {
		t.Errorf("training into an existing run: %v", err)
	}
	if _, err := s.try("parse"); err != nil {
		t.Errorf("parse of the current dataset: %v", err)
	}
	if _, err := os.Stat(filepath.Join(run, "best-model", "dev.conll.parse")); err != nil {
		t.Errorf("parse wrote no dev.conll.parse: %v", err)
	}
}

func TestCancelledEvaluationStops(t *testing.T) {
	run := trainDemo(t)
	s := newSession(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.lab.ExecLine(ctx, s.env, "eval --model "+run+" --data data/sample/test.conll")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled after") {
		t.Errorf("eval with a cancelled context: %v", err)
	}
}

func TestCdAndExit(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(".")
	s := newSession(t)
	out := s.run("cd " + dir)
	wd, _ := os.Getwd()
	if strings.TrimSpace(out) != wd {
		t.Errorf("cd printed %q, working directory %q", out, wd)
	}
	if _, err := s.try("cd /no/such/dir"); err == nil {
		t.Error("cd into a missing folder succeeded")
	}
	if _, err := s.try("exit"); !errors.Is(err, ErrExit) {
		t.Errorf("exit returned %v", err)
	}
}

func TestCompleteCommandsFlagsAndValues(t *testing.T) {
	root, _ := filepath.Abs("../..")
	t.Chdir(root)
	l := New()
	sess := NewSession()
	texts := func(line string) []string {
		cands, start := l.Complete(sess, line)
		if want := strings.LastIndexAny(line, " \t") + 1; start != want {
			t.Errorf("%q: start %d, want %d", line, start, want)
		}
		var out []string
		for _, c := range cands {
			out = append(out, c.Text)
			if c.Description == "" {
				t.Errorf("%q: candidate %q has no description", line, c.Text)
			}
		}
		return out
	}
	has := func(line string, want ...string) {
		t.Helper()
		got := texts(line)
		for _, w := range want {
			if !contains(got, w) {
				t.Errorf("%q: candidates %v lack %q", line, got, w)
			}
		}
	}
	hasNot := func(line string, unwanted ...string) {
		t.Helper()
		got := texts(line)
		for _, w := range unwanted {
			if contains(got, w) {
				t.Errorf("%q: candidates %v include %q", line, got, w)
			}
		}
	}
	has("", "load", "train", "help", "exit")
	has("lo", "load")
	hasNot("lo", "train")
	has("train --", "--config", "--set", "--out", "--fresh", "--help")
	hasNot("train --fresh --", "--fresh")
	has("train --set train.max_epochs=3 --", "--set") // repeatable
	has("score x --mode ", "conlleval", "strict")
	has("score x --mode st", "strict")
	has("train data/con", "data/configs/")
	has("train data/configs/", "data/configs/demo.yaml", "data/configs/wnut17.yaml")
	has("set train.max_ep", "train.max_epochs=")
	has("set max_epo", "train.max_epochs=") // found inside the key too
	has("set --unset ", "train.max_epochs=")
	has("help ", "load", "train")
	has("show ", "config", "model", "runs", "datasets")
	has("plot runs/demo ", "f1", "loss")
	hasNot("frobnicate ", "load")
	has(`predict --text "a b`) // an unclosed quote does not break completion
	// Session values: dataset and model names.
	sess.AddDataset(&Dataset{Name: "wnut", Path: "x"})
	sess.AddModel("best", "runs/demo")
	has("stats ", "wnut")
	has("eval --model ", "best")
	has("load ", "wnut", "best")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseRestArgument(t *testing.T) {
	c := &Command{Name: "p", Args: []Param{{Name: "A"}, {Name: "REST", Optional: true, Rest: true}},
		Flags: []Param{{Name: "json", Kind: Bool}}}
	in, err := Parse(c, []string{"x", "Angela", "--json", "Merkel", "-", "said"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Arg("A") != "x" || in.Arg("REST") != "Angela Merkel - said" || !in.Bool("json") {
		t.Errorf("A %q REST %q json %v", in.Arg("A"), in.Arg("REST"), in.Bool("json"))
	}
	if got := c.Synopsis(); got != "p A [REST…] [--json]" {
		t.Errorf("synopsis %q", got)
	}
}

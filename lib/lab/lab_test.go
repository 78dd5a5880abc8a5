package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

func run(t *testing.T, argv ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := New().Exec(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Session: &Session{}}, argv)
	return out.String(), err
}

func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// datasets is the shared datasets folder (skips, or fails under CI, without it).
func datasets(t *testing.T) string { return shareddata.Path(t, "datasets") }

func TestParseFlagsAnywhere(t *testing.T) {
	c := scoreCommand()
	in, err := Parse(c, []string{"--json", "f.conll", "--mode=strict", "--scheme", "bioes"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Arg("FILE") != "f.conll" || !in.Bool("json") || in.Flag("mode") != "strict" || in.Flag("scheme") != "bioes" {
		t.Fatalf("parsed %+v", in)
	}
	in, _ = Parse(c, []string{"f"})
	if in.Flag("mode") != "conlleval" || in.Bool("json") {
		t.Errorf("defaults not applied: %+v", in)
	}
}

func TestParseErrors(t *testing.T) {
	c := scoreCommand()
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{nil, "missing FILE"},
		{[]string{"f", "--mode", "loose"}, `"loose" is not one of conlleval, strict`},
		{[]string{"f", "--nope"}, "unknown flag --nope"},
		{[]string{"f", "--mode"}, "--mode needs a value"},
		{[]string{"f", "g"}, `unexpected argument "g"`},
		{[]string{"f", "--json=maybe"}, "expected true or false"},
	} {
		_, err := Parse(c, tc.words)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !IsUsage(err) {
			t.Errorf("Parse(%q) error = %v, want usage error containing %q", tc.words, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "(see `nerlab help score`)") {
			t.Errorf("error %q lacks the help hint", err)
		}
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	_, err := run(t, "stat", "x")
	if err == nil || !strings.Contains(err.Error(), `did you mean "stats"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestHelp(t *testing.T) {
	out, err := run(t, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"stats", "convert", "score", "help"} {
		if !strings.Contains(out, "  "+name+" ") {
			t.Errorf("help lacks %s:\n%s", name, out)
		}
	}
	out, err = run(t, "score", "--help")
	if err != nil || !strings.HasPrefix(out, "usage: score FILE [--mode conlleval|strict]") || !strings.Contains(out, "examples:") {
		t.Errorf("score --help = %q, %v", out, err)
	}
	if _, err := run(t, "help", "nosuch"); err == nil {
		t.Error("help nosuch: want an error")
	}
}

func TestSplitWords(t *testing.T) {
	for line, want := range map[string][]string{
		`stats  "my file.conll" --json`: {"stats", "my file.conll", "--json"},
		`a 'b c' d\ e ""`:               {"a", "b c", "d e", ""},
		"   ":                           nil,
	} {
		got, err := splitWords(line)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
	if _, err := splitWords(`a "b`); err == nil {
		t.Error("unclosed quote: want an error")
	}
}

func TestStatsOnSample(t *testing.T) {
	out, err := run(t, "stats", repoFile("data", "sample", "sample.conll"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Sentences, Tokens, Documents int
		Entities                     map[string]int
		Scheme                       string
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Sentences != 400 || st.Tokens != 4139 || st.Documents != 0 || st.Scheme != "bio" ||
		st.Entities["PER"] != 199 || st.Entities["LOC"] != 217 || st.Entities["ORG"] != 236 || st.Entities["PRODUCT"] != 175 {
		t.Errorf("stats = %+v", st)
	}
}

func TestStatsMatchesManifestForWNUT17Train(t *testing.T) {
	out, err := run(t, "stats", filepath.Join(datasets(t), "wnut17", "train.txt"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Sentences, Tokens int
		Entities          map[string]int
	}
	json.Unmarshal([]byte(out), &st)
	want := map[string]int{"corporation": 221, "creative-work": 140, "group": 264, "location": 548, "person": 660, "product": 142}
	if st.Sentences != 3394 || st.Tokens != 62730 || len(st.Entities) != len(want) {
		t.Fatalf("stats = %+v", st)
	}
	for k, v := range want {
		if st.Entities[k] != v {
			t.Errorf("entities[%s] = %d, want %d", k, st.Entities[k], v)
		}
	}
}

func TestConvertRefusesThenRepairs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.conll")
	os.WriteFile(in, []byte("a\tO\nb\tI-PER\nc\tI-PER\n\nd\tB-LOC\n\n"), 0o644)
	_, err := run(t, "convert", in, "--to", "bioes")
	if err == nil || !strings.Contains(err.Error(), in+":2: I-PER does not continue a PER span") || !strings.Contains(err.Error(), "--repair") {
		t.Fatalf("err = %v", err)
	}
	out, err := run(t, "convert", in, "--to", "bioes", "--repair")
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\tO\nb\tB-PER\nc\tE-PER\n\nd\tS-LOC\n\n"; out != want {
		t.Errorf("converted = %q, want %q", out, want)
	}
	target := filepath.Join(dir, "out.conll")
	if _, err := run(t, "convert", in, "--to=bio", "--repair", "-o", target); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(target)
	if string(got) != "a\tO\nb\tB-PER\nc\tI-PER\n\nd\tB-LOC\n\n" {
		t.Errorf("-o wrote %q", got)
	}
	if _, err := run(t, "convert", in); err == nil || !strings.Contains(err.Error(), "missing --to") {
		t.Errorf("no --to: err = %v", err)
	}
}

func TestScoreSampleText(t *testing.T) {
	out, err := run(t, "score", repoFile("data", "sample", "sample.pred.conll"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "processed 4139 tokens with 827 phrases; found: 795 phrases; correct: 698.\n") {
		t.Errorf("score output:\n%s", out)
	}
}

func TestScoreBadTagNamesLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.conll")
	os.WriteFile(path, []byte("a\tO\tO\nb\tB-PER\tQ-PER\n"), 0o644)
	_, err := run(t, "score", path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: predicted tag \"Q-PER\"") {
		t.Errorf("err = %v", err)
	}
}

// TestScoreRealFile pastes CoNLL-03's original test labels (gold) and
// CoNLL++'s corrected ones (as predictions) into conlleval's input layout
// and checks the CLI's numbers against counts made here directly: the
// spans of the two label columns, compared as sets per sentence.
func TestScoreRealFile(t *testing.T) {
	ds := datasets(t)
	gold := readLastColumn(t, filepath.Join(ds, "conll03", "test.txt"))
	pred := readLastColumn(t, filepath.Join(ds, "conllpp", "test.txt"))
	if len(gold) != len(pred) {
		t.Fatalf("%d vs %d lines", len(gold), len(pred))
	}
	var buf bytes.Buffer
	for i := range gold {
		if gold[i] == "" {
			buf.WriteString("\n")
			continue
		}
		buf.WriteString("w " + gold[i] + " " + pred[i] + "\n")
	}
	path := filepath.Join(t.TempDir(), "pasted.conll")
	os.WriteFile(path, buf.Bytes(), 0o644)
	out, err := run(t, "score", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Phrases, Found, Correct, Tokens int
		Precision, Recall, F1, Accuracy float64
	}
	json.Unmarshal([]byte(out), &rep)
	g, p, c, tokens, same := countDirect(gold, pred)
	if rep.Phrases != g || rep.Found != p || rep.Correct != c || rep.Tokens != tokens {
		t.Fatalf("CLI counts %+v; direct count gold %d found %d correct %d tokens %d", rep, g, p, c, tokens)
	}
	if want := float64(same) / float64(tokens); rep.Accuracy != want {
		t.Errorf("accuracy %v, want %v", rep.Accuracy, want)
	}
	if rep.Precision <= 0 || rep.Precision > 1 || rep.F1 <= 0.95 || rep.F1 >= 1 {
		t.Errorf("implausible scores %+v", rep)
	}
	t.Logf("conll03 test vs conll++: P %.4f R %.4f F1 %.4f acc %.4f", rep.Precision, rep.Recall, rep.F1, rep.Accuracy)
}

// readLastColumn returns the last field of every line ("" for blank lines),
// skipping -DOCSTART- lines and the blank line after each.
func readLastColumn(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	skipBlank := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0:
			if !skipBlank {
				out = append(out, "")
			}
			skipBlank = false
		case fields[0] == "-DOCSTART-":
			skipBlank = true
		default:
			out = append(out, fields[len(fields)-1])
			skipBlank = false
		}
	}
	return out
}

// countDirect counts BIO chunks with its own reading (B- starts; I- after
// O or another type starts too) and compares them per sentence.
func countDirect(gold, pred []string) (g, p, c, tokens, same int) {
	type span struct {
		s, e int
		t    string
	}
	chunks := func(tags []string) map[span]bool {
		m := map[span]bool{}
		start, typ := -1, ""
		for i := 0; i <= len(tags); i++ {
			tag := "O"
			if i < len(tags) {
				tag = tags[i]
			}
			ty := ""
			if tag != "O" {
				ty = tag[2:]
			}
			if start >= 0 && (tag == "O" || tag[0] == 'B' || ty != typ) {
				m[span{start, i, typ}] = true
				start = -1
			}
			if tag != "O" && start < 0 {
				start, typ = i, ty
			}
		}
		return m
	}
	from := 0
	for i := 0; i <= len(gold); i++ {
		if i < len(gold) && gold[i] != "" {
			tokens++
			if gold[i] == pred[i] {
				same++
			}
			continue
		}
		gs, ps := chunks(gold[from:i]), chunks(pred[from:i])
		g += len(gs)
		p += len(ps)
		for s := range ps {
			if gs[s] {
				c++
			}
		}
		from = i + 1
	}
	return
}

// TestMalformedFlagsRefused: `--columns {0: text` and `--batch 0` or -1
// were taken as given.
func TestMalformedFlagsRefused(t *testing.T) {
	s := newSession(t)
	for line, want := range map[string]string{
		"stats ../../data/sample/dev.conll --columns {0:text":     "unbalanced braces",
		"stats ../../data/sample/dev.conll --columns 0:text,3:x}": "unbalanced braces",
		"eval --data data/sample/dev.conll --batch 0":             "0 is less than 1",
		"predict --text hello --batch -1":                         "-1 is less than 1",
		"search --index x --keep 0 hello":                         "0 is less than 1",
		"retrieve --index x --data y --out z --workers -2":        "-2 is less than 0",
		"set train.max_epochs=0":                                  "0 is not positive",
		"train x.yaml --progress -1":                              "-1 is less than 0",
	} {
		_, err := s.try(line)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", line, err, want)
		}
	}
}

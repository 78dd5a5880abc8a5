package lab

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/pretrain"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/plots"
)

func modelCommands() []*Command {
	return []*Command{trainCommand(), resumeCommand(), evalCommand(), predictCommand(), parseCommand(), plotCommand(), modelCommand(), tokenizeCommand()}
}

// IsTerminal reports whether v (a stream) is a character device: a
// terminal, where progress is drawn on one line rewritten in place.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// events returns the event sink of a training command: the session's, if
// a front-end installed one, else a text printer on stderr. Messages reach
// it with their hints (how to resume) spelt for the front-end.
func events(env *Env) func(train.Event) {
	sink := train.Printer(env.Stderr, IsTerminal(env.Stderr))
	if env.Session != nil && env.Session.Events != nil {
		sink = env.Session.Events
	}
	return func(e train.Event) {
		e.Message = env.Frontend.Respell(e.Message)
		sink(e)
	}
}

func trainCommand() *Command {
	return &Command{
		Name:    "train",
		Summary: "Train a tagger from an experiment YAML (native or CLNER keys) into a run folder.",
		Help: `Reads the experiment, builds the tagger (vocabularies and tags from the
training data), and trains with the configured recipe: SGD annealed on the dev
F1 plateau (flair's default) or AdamW with linear warmup and decay. Every epoch
is evaluated on dev (and test with train.monitor_test), logged to loss.tsv and
metrics.jsonl, and checkpointed; the best model by dev F1 is kept in
best-model/. Ctrl-C (SIGINT) or SIGTERM writes a checkpoint before stopping;
continue with ` + "`resume RUN`" + `. Relative paths in the config are relative to the
working directory (run from the repository root).`,
		Args: []Param{{Name: "CONFIG", Kind: Path, Optional: true, Help: "experiment YAML (or use --config)"}},
		Flags: []Param{
			{Name: "config", Short: "c", Kind: Path, Help: "experiment YAML"},
			{Name: "set", Kind: String, Repeat: true, Help: "override a key, e.g. --set train.max_epochs=3 (repeatable)"},
			{Name: "out", Short: "o", Kind: Path, Help: "run folder (default: target_dir/name from the config)"},
			{Name: "fresh", Kind: Bool, Help: "replace a run folder nerlab made instead of refusing it"},
			progressFlag,
		},
		Examples: []string{
			"train --config data/configs/conll03.yaml",
			"train data/configs/wnut17.yaml --set train.max_epochs=3 --out runs/wnut-quick",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			s := env.Session
			path := in.Flag("config")
			if path == "" {
				path = in.Arg("CONFIG")
			}
			if path != "" {
				exp, err := config.Load(path)
				if err != nil {
					return err
				}
				for _, w := range exp.Warnings {
					fmt.Fprintln(env.Stderr, "warning:", w)
				}
				s.SetExperiment(exp)
			}
			exp, err := s.Experiment()
			if err != nil {
				if IsUsage(err) {
					return &UsageError{Command: "train", Msg: "missing the experiment: train CONFIG, or load a config or a dataset first"}
				}
				return err
			}
			if o := s.Overrides(); len(o) > 0 {
				fmt.Fprintf(env.Stderr, "with set %s\n", strings.Join(o, " "))
			}
			for _, a := range in.Flags("set") {
				if err := exp.Set(a); err != nil {
					return &UsageError{Command: "train", Msg: err.Error()} // it names --set and the key
				}
			}
			dir := in.Flag("out")
			if dir == "" {
				dir = filepath.Join(exp.TargetDir, exp.Name)
			}
			if err := checkRunFolder(dir, exp.Inputs()); err != nil {
				return err
			}
			res, err := models.Train(ctx, exp, train.Options{RunDir: dir, Events: events(env), Fresh: in.Bool("fresh"), ProgressEvery: progressEvery(in)})
			return reportRun(env, dir, res, err)
		},
	}
}

// reportRun prints a run's outcome and makes it the session's current run
// and model (an interrupted run too: it can be resumed or evaluated).
func reportRun(env *Env, dir string, res *train.Result, err error) error {
	if runs.LooksLikeRun(dir) && (err == nil || errors.Is(err, train.ErrInterrupted)) {
		env.Session.addRun(dir)
	}
	if err != nil {
		// An interruption's message names the checkpoint and how to resume.
		return err
	}
	fmt.Fprintf(env.Stdout, "run folder  %s\n", res.RunDir)
	fmt.Fprintf(env.Stdout, "epochs      %d (%s)\n", res.Epochs, res.Stopped)
	if res.BestEpoch > 0 && math.IsNaN(res.BestDevF1) {
		fmt.Fprintf(env.Stdout, "best epoch  %d (lowest training loss: no dev data)\n", res.BestEpoch)
	} else if res.BestEpoch > 0 {
		view := ""
		if res.SelectView != "" {
			view = ", " + res.SelectView + " view"
		}
		fmt.Fprintf(env.Stdout, "best epoch  %d (dev F1 %s%s)\n", res.BestEpoch, metrics.Percent(res.BestDevF1), view)
	}
	for _, v := range res.Tests {
		// Views are named only when there are several: a one-view run on
		// context views says "test", as it always has.
		name := "test"
		if len(res.Tests) > 1 {
			name += " (" + v.View + " view)"
		}
		m := v.Report.Micro
		fmt.Fprintf(env.Stdout, "%-11s P %s  R %s  F1 %s\n", name, metrics.Percent(m.Precision), metrics.Percent(m.Recall), metrics.Percent(m.F1))
	}
	return nil
}

func resumeCommand() *Command {
	return &Command{
		Name:    "resume",
		Summary: "Continue an interrupted training run from its latest checkpoint.",
		Help: `Loads the run's config.yaml, model, optimizer and trainer state from its latest
checkpoint (written every epoch and on interrupt) and continues: the loss curve
goes on exactly as if the run had not stopped. A checkpoint that does not load
(a crash while writing it, a damaged file) is skipped for the one before it, and
said so. --checkpoint picks one; the checkpoints after it are removed, as are
loss.tsv's rows after it, since the run trains that stretch again. A run killed
before its first checkpoint starts again from the beginning.`,
		Args: []Param{{Name: "RUN", Kind: Path, Help: "run folder", Values: runCandidates}},
		Flags: []Param{
			{Name: "checkpoint", Kind: Path, Help: "checkpoint to continue from: a name in RUN/checkpoints (epoch-003) or its path; default the newest that loads"},
			progressFlag,
		},
		Examples: []string{"resume runs/conll03", "resume runs/conll03 --checkpoint epoch-003"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			res, err := models.Resume(ctx, in.Arg("RUN"), train.Options{Events: events(env), Checkpoint: in.Flag("checkpoint"), ProgressEvery: progressEvery(in)})
			return reportRun(env, in.Arg("RUN"), res, err)
		},
	}
}

var modelFlag = Param{Name: "model", Short: "m", Kind: Path, Values: modelCandidates,
	Help: "model folder, run folder (its best model) or loaded model name; default: the current model"}
var batchFlag = Param{Name: "batch", Kind: Int, Min: atLeast(1), Default: "64", Help: "sentences per batch"}
var deviceFlag = Param{Name: "device", Kind: String, Default: "cpu", Help: "cpu, cuda, cuda:N or auto"}

// loadModel returns the tagger a command uses: --model, else the session's
// current model.
func loadModel(env *Env, in *Input) (*tagger.Tagger, error) {
	return env.Session.modelFor(in.cmd.Name, in.Flag("model"), in.Flag("device"))
}

func evalCommand() *Command {
	return &Command{
		Name:    "eval",
		Summary: "Evaluate a trained model on a labelled CoNLL file.",
		Help: `Tags the file's sentences and scores them against its gold tags with conlleval
semantics (the same report and JSON as score). Context tokens of CLNER views
are encoded but not scored.`,
		Flags: []Param{modelFlag, {Name: "data", Short: "d", Kind: Path, Help: "CoNLL file with gold tags (default: the current dataset's split)"},
			{Name: "split", Kind: String, Default: "test", Help: "split of the current dataset to evaluate when --data is not given",
				Values: func(s *Session) []Candidate {
					var out []Candidate
					if d := s.Dataset(""); d != nil {
						for _, sp := range d.Splits {
							out = append(out, Candidate{Text: sp.Name, Description: sp.Path})
						}
					}
					return out
				}},
			columnsFlag,
			{Name: "json", Kind: Bool, Help: "print a JSON object"}, batchFlag, deviceFlag,
			{Name: "out", Short: "o", Kind: Path, Help: "also write token gold pred lines here"}},
		Examples: []string{"eval --model runs/conll03 --data ../shared/datasets/conll03/test.txt", "eval --split dev   (current model, current dataset)"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			c, err := dataForEval(env, in)
			if err != nil {
				return err
			}
			if err := checkOutput("--out", in.Flag("out"), c.Path, in.Flag("model")); err != nil {
				return err
			}
			tg, err := loadModel(env, in)
			if err != nil {
				return err
			}
			ev, err := evaluateCorpus(ctx, env, in, tg, c, in.Flag("out"), false)
			if err != nil {
				return err
			}
			if in.Bool("json") {
				return writeJSON(env.Stdout, ev.Report)
			}
			if env.Display != nil {
				var text strings.Builder
				ev.Report.WriteText(&text)
				return env.Display(map[string]any{"text/html": "<p>" + html.EscapeString(c.Path) + "</p>" + render.ReportHTML(ev.Report), "text/plain": text.String()})
			}
			fmt.Fprintf(env.Stdout, "%s\n", c.Path)
			return ev.Report.WriteText(env.Stdout)
		},
	}
}

// dataForEval reads --data, or takes the current dataset's --split.
func dataForEval(env *Env, in *Input) (*corpus.Corpus, error) {
	if path := in.Flag("data"); path != "" {
		opt, err := readOptions(in)
		if err != nil {
			return nil, err
		}
		return corpus.ReadFile(path, opt)
	}
	d := env.Session.Dataset("")
	if d == nil {
		return nil, &UsageError{Command: in.cmd.Name, Msg: "missing --data FILE (or " + hint.Command("load NAME DATA_DIR") + " first)"}
	}
	sp := d.Split(in.Flag("split"))
	if sp == nil {
		var names []string
		for _, x := range d.Splits {
			names = append(names, x.Name)
		}
		return nil, &UsageError{Command: in.cmd.Name, Msg: fmt.Sprintf("dataset %s has no %s split (it has %s)", d.Name, in.Flag("split"), strings.Join(names, ", "))}
	}
	return sp.Corpus, nil
}

func predictCommand() *Command {
	return &Command{
		Name:    "predict",
		Summary: "Tag raw text (one sentence per line on stdin) or a CoNLL file with a trained model.",
		Help: `Without --conll, each line of standard input (or of --text) is tokenised and
tagged; the output is CoNLL (token and tag per line, a blank line between
sentences) or, with --json, one JSON object per sentence with its entities and
their confidences (the CRF's posterior probability of exactly that span).
With --conll FILE each input line is printed with the predicted tag appended as
its last column; blank and -DOCSTART- lines are kept, context tokens get X.`,
		Args: []Param{{Name: "TEXT", Optional: true, Rest: true, Help: "text to tag, shown with its entities highlighted"}},
		Flags: []Param{modelFlag, {Name: "conll", Kind: Path, Help: "tag this CoNLL file instead of raw text"}, columnsFlag,
			{Name: "text", Short: "t", Kind: String, Help: "tag this text instead of reading stdin"},
			{Name: "json", Kind: Bool, Help: "print JSON lines with entities"},
			{Name: "scheme", Kind: Choice, Choices: []string{"auto", "iob1", "bio", "bioes"}, Default: "auto",
				Help: "scheme of the predicted tags; auto: the --conll file's own (so they score against its gold tags), else the model's"},
			batchFlag, deviceFlag},
		Examples: []string{
			`echo "Angela Merkel visited Paris ." | nerlab predict --model runs/conll03`,
			"predict --model runs/conll03 --conll test.txt > test.pred",
			`predict --model runs/conll03 --text "Apple opened a store in Berlin." --json`,
			"predict Angela Merkel visited Paris .   (current model; entities highlighted)",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			tg, err := loadModel(env, in)
			if err != nil {
				return err
			}
			if path := in.Flag("conll"); path != "" {
				return predictConll(ctx, env, in, tg, path)
			}
			if text := in.Arg("TEXT"); text != "" {
				return predictShow(env, in, tg, text)
			}
			var lines []string
			if text := in.Flag("text"); text != "" {
				lines = strings.Split(text, "\n")
			} else {
				if env.Stdin == nil {
					return &UsageError{Command: "predict", Msg: "no input: give --text, --conll or lines on stdin"}
				}
				sc := bufio.NewScanner(env.Stdin)
				sc.Buffer(make([]byte, 1<<20), 16<<20)
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				if err := sc.Err(); err != nil {
					return err
				}
			}
			var examples []*tagger.Example
			for _, l := range lines {
				if toks := tagger.Tokenize(l); len(toks) > 0 {
					examples = append(examples, tagger.ExampleOfTokens(toks))
				}
			}
			report, finish := progress(ctx, env, "tagging", len(examples))
			preds, err := tg.Predict(examples, in.Int("batch"), report)
			finish()
			if err != nil {
				return err
			}
			scheme, err := outputScheme(in, corpus.SchemeUnknown)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(env.Stdout)
			for i, p := range preds {
				p.Tags = inScheme(p.Tags, scheme)
				if in.Bool("json") {
					data, err := json.Marshal(p)
					if err != nil {
						return fmt.Errorf("sentence %d: %w", i+1, err)
					}
					fmt.Fprintf(w, "%s\n", data)
					continue
				}
				for j, tok := range p.Tokens {
					fmt.Fprintf(w, "%s %s\n", tok, p.Tags[j])
				}
				fmt.Fprintln(w)
			}
			return w.Flush()
		},
	}
}

// predictShow tags one text and prints it with its entities highlighted,
// then each entity with its type and confidence.
func predictShow(env *Env, in *Input, tg *tagger.Tagger, text string) error {
	toks := tagger.Tokenize(text)
	if len(toks) == 0 {
		return &UsageError{Command: "predict", Msg: "no tokens in the text"}
	}
	preds, err := tg.Predict([]*tagger.Example{tagger.ExampleOfTokens(toks)}, 1, nil)
	if err != nil {
		return err
	}
	p := preds[0]
	scheme, err := outputScheme(in, corpus.SchemeUnknown)
	if err != nil {
		return err
	}
	p.Tags = inScheme(p.Tags, scheme)
	if in.Bool("json") {
		return writeJSON(env.Stdout, p)
	}
	if env.Display != nil {
		return env.Display(map[string]any{"text/html": render.PredictionHTML(p), "text/plain": render.Highlight(p, false)})
	}
	fmt.Fprintln(env.Stdout, render.Highlight(p, env.Session.Color))
	if len(p.Entities) == 0 {
		fmt.Fprintln(env.Stdout, "  (no entities)")
	}
	for _, e := range p.Entities {
		fmt.Fprintf(env.Stdout, "  %-16s %-30s %.3f\n", e.Type, e.Text, e.Confidence)
	}
	return nil
}

// predictConll prints each line of a CoNLL file with the predicted tag
// appended.
func predictConll(ctx context.Context, env *Env, in *Input, tg *tagger.Tagger, path string) error {
	opt, err := readOptions(in)
	if err != nil {
		return err
	}
	c, err := corpus.ReadFile(path, opt)
	if err != nil {
		return err
	}
	textCol := c.Column(corpus.TextColumn)
	tagCol, _ := c.TagColumn()
	examples := make([]*tagger.Example, len(c.Sentences))
	for i := range c.Sentences {
		s := &c.Sentences[i]
		ex := tagger.ExampleOfTokens(s.Columns[textCol])
		if tagCol >= 0 {
			// Context tokens of a view are those tagged X.
			if full, err := tg.Examples(&corpus.Corpus{Path: c.Path, Columns: c.Columns, Sentences: c.Sentences[i : i+1]}); err == nil {
				ex = full[0]
				ex.Gold = nil
			}
		}
		examples[i] = ex
	}
	report, finish := progress(ctx, env, "tagging "+path, len(examples))
	preds, err := tg.Predict(examples, in.Int("batch"), report)
	finish()
	if err != nil {
		return err
	}
	// The file's own scheme, so that predictions score against its gold
	// tags (BIOES next to BIO gold read as 80% token accuracy).
	fileScheme := corpus.SchemeUnknown
	if tagCol >= 0 && hasEntityTags(c, tagCol) {
		// A tag column of O alone (a placeholder) says nothing of a
		// scheme: the model's own is kept.
		fileScheme, _ = c.Scheme()
	}
	scheme, err := outputScheme(in, fileScheme)
	if err != nil {
		return err
	}
	// Predicted tag per source line.
	tagAt := map[int]string{}
	for i, s := range c.Sentences {
		p, ex := preds[i], examples[i]
		p.Tags = inScheme(p.Tags, scheme)
		for j := range s.Columns[textCol] {
			tagAt[s.Line+j] = corpus.ContextType
		}
		for j := range p.Tags {
			pos := j
			if ex.Keep != nil {
				pos = ex.Keep[j]
			}
			tagAt[s.Line+pos] = p.Tags[j]
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	w := bufio.NewWriter(env.Stdout)
	sep := string(c.Separator)
	if c.Separator == 0 {
		sep = " "
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if tag, ok := tagAt[n]; ok {
			fmt.Fprintf(w, "%s%s%s\n", line, sep, tag)
		} else {
			fmt.Fprintln(w, line)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return w.Flush()
}

func parseCommand() *Command {
	return &Command{
		Name:    "parse",
		Summary: "CLNER's parse: write token gold pred score for every split of a data folder.",
		Help: `For each CoNLL file in DIR (train, dev and test files found as flair finds them,
or every *.txt / *.conll / *.tsv file), tags its sentences in order and writes
OUT/<file>.parse with one "token gold predicted probability" line per scored
token and a blank line between sentences.`,
		Flags: []Param{modelFlag, {Name: "dir", Kind: Path, Help: "data folder (default: the current dataset's splits)"}, columnsFlag, batchFlag, deviceFlag,
			{Name: "out", Short: "o", Kind: Path, Help: "output folder (default: the model's folder)"}},
		Examples: []string{"parse --model runs/wnut17 --dir ../shared/datasets/wnut17", "parse   (current model, current dataset)"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			var corpora []*corpus.Corpus
			if dir := in.Flag("dir"); dir != "" {
				files, err := dataFiles(dir)
				if err != nil {
					return err
				}
				opt, err := readOptions(in)
				if err != nil {
					return err
				}
				for _, f := range files {
					c, err := corpus.ReadFile(f, opt)
					if err != nil {
						return err
					}
					corpora = append(corpora, c)
				}
			} else if d := env.Session.Dataset(""); d != nil {
				for _, sp := range d.Splits {
					corpora = append(corpora, sp.Corpus)
				}
			} else {
				return &UsageError{Command: "parse", Msg: "missing --dir DIR (or " + hint.Command("load NAME DATA_DIR") + " first)"}
			}
			tg, err := loadModel(env, in)
			if err != nil {
				return err
			}
			out := in.Flag("out")
			if out == "" {
				if m := in.Flag("model"); m != "" {
					if out, err = tagger.ResolveModelDir(m); err != nil {
						return err
					}
				} else {
					out = env.Session.Model("").Dir()
				}
			}
			inputs := []string{in.Flag("dir")}
			for _, c := range corpora {
				inputs = append(inputs, c.Path)
			}
			if err := checkOutput("--out", out, inputs...); err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for _, c := range corpora {
				if err := ctx.Err(); err != nil {
					return err
				}
				dst := filepath.Join(out, filepath.Base(c.Path)+".parse")
				ev, err := evaluateCorpus(ctx, env, in, tg, c, dst, true)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "%s → %s  (F1 %s)\n", c.Path, dst, metrics.Percent(ev.Report.Micro.F1))
			}
			return nil
		},
	}
}

// evaluateCorpus tags and scores a labelled corpus and, when out is set,
// writes token gold predicted (and the probability with probs) lines there.
func evaluateCorpus(ctx context.Context, env *Env, in *Input, tg *tagger.Tagger, c *corpus.Corpus, out string, probs bool) (*train.Evaluation, error) {
	model := models.Tagger(tg)
	examples, err := model.Examples(c)
	if err != nil {
		return nil, err
	}
	report, finish := progress(ctx, env, "tagging "+c.Path, len(examples))
	ev, err := train.Evaluate(model, examples, in.Int("batch"), report)
	finish()
	if err != nil {
		return nil, err
	}
	if out != "" {
		if err := train.WritePredictions(out, examples, ev.Predictions, probs); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// dataFiles lists the CoNLL files of a data folder.
func dataFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || strings.HasPrefix(name, ".") || !(ext == ".txt" || ext == ".conll" || ext == ".tsv" || ext == ".bio" || ext == ".bioes") {
			continue
		}
		if strings.EqualFold(name, "readme.txt") {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no CoNLL files (*.txt, *.conll, *.tsv)", dir)
	}
	return files, nil
}

func plotCommand() *Command {
	kinds := plots.Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i], _, _ = strings.Cut(k, " ")
		names[i], _, _ = strings.Cut(names[i], ":")
		names[i], _, _ = strings.Cut(names[i], "\t")
	}
	return &Command{
		Name:    "plot",
		Summary: "Draw a run's curves (loss, F1, learning rate, per-type F1) as PNG or SVG.",
		Help: "Reads the run folder's metrics.jsonl (or loss.tsv) and draws:\n  " + strings.Join(kinds, "\n  ") +
			"\nThe format follows the --out extension (.png or .svg; SVG embeds its fonts)." +
			"\nA pretraining run (pretrain) gets its masked-token loss and held-out perplexity by step.",
		Args: []Param{{Name: "RUN", Kind: Path, Optional: true, Help: "run folder (default: this session's latest run)", Values: runCandidates},
			{Name: "WHAT", Kind: Choice, Choices: names, Optional: true, Help: "which chart (default all, or --what)"}},
		Flags: []Param{{Name: "out", Short: "o", Kind: Path, Help: "output file (.png or .svg); default RUN/curves.png, or RUN/WHAT.png for one chart"},
			{Name: "what", Kind: Choice, Choices: names, Default: "all", Help: "which chart"}},
		Examples: []string{"plot runs/conll03 --out conll03.svg", "plot runs/wnut17 f1 -o f1.png", "plot f1   (the latest run of this session)"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			dir, what := in.Arg("RUN"), in.Flag("what")
			if w := in.Arg("WHAT"); w != "" {
				what = w
			}
			if _, err := os.Stat(dir); err != nil && slices.Contains(names, dir) && in.Arg("WHAT") == "" {
				dir, what = "", dir // `plot f1`: the chart of the latest run
			}
			if dir == "" {
				runs := env.Session.Runs()
				if len(runs) == 0 {
					return &UsageError{Command: "plot", Msg: "missing RUN: no run trained in this session (" + hint.Command("runs") + " lists run folders)"}
				}
				dir = runs[len(runs)-1]
			}
			if pretrain.IsRun(dir) {
				return plotPretrain(env, dir, in.Flag("out"))
			}
			run, err := runs.ReadRun(dir)
			if err != nil {
				return err
			}
			out := in.Flag("out")
			if out == "" {
				name := "curves"
				if what != "all" {
					name = what
				}
				out = filepath.Join(dir, name+".png")
			}
			png, err := plots.WriteFile(run, what, out)
			if err != nil {
				return err
			}
			// A PNG file is also what the screen shows; an SVG one needs a PNG drawn.
			shown := env.Display != nil || env.Session.Images != render.NoImages
			if shown && !strings.EqualFold(filepath.Ext(out), ".png") {
				w, h := plots.DefaultSize(what)
				if png, err = plots.Render(run, what, "png", w, h); err != nil {
					return err
				}
			}
			if env.Display != nil {
				return env.Display(map[string]any{"image/png": base64.StdEncoding.EncodeToString(png), "text/plain": out})
			}
			fmt.Fprintln(env.Stdout, out)
			if p := env.Session.Images; p != render.NoImages {
				return render.WriteInlineImage(env.Stdout, p, png)
			}
			return nil
		},
	}
}

// outputScheme is the scheme predict writes tags in: --scheme, or with
// auto the input's (fallback; SchemeUnknown keeps the model's own).
func outputScheme(in *Input, fallback corpus.Scheme) (corpus.Scheme, error) {
	if name := in.Flag("scheme"); name != "" && name != "auto" {
		return corpus.ParseScheme(name)
	}
	return fallback, nil
}

// inScheme re-encodes predicted tags in scheme (SchemeUnknown: as they are).
func inScheme(tags []string, scheme corpus.Scheme) []string {
	if scheme == corpus.SchemeUnknown {
		return tags
	}
	return corpus.Convert(tags, scheme)
}

// progressFlag sets how often training prints a progress line when its
// output is not a terminal (nohup, a pipe, a notebook's log).
var progressFlag = Param{Name: "progress", Kind: Float, Default: "30", Min: atLeast(0),
	Help: "seconds between progress lines off a terminal (and at each tenth of an epoch once a third of that has passed); 0: every batch"}

func progressEvery(in *Input) time.Duration {
	return max(time.Duration(in.Float("progress")*float64(time.Second)), time.Nanosecond)
}

// hasEntityTags reports whether any token of c has a tag other than O in
// column col.
func hasEntityTags(c *corpus.Corpus, col int) bool {
	for _, s := range c.Sentences {
		for _, tag := range s.Columns[col] {
			if tag != corpus.Outside {
				return true
			}
		}
	}
	return false
}

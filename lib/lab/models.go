package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/plots"
)

func modelCommands() []*Command {
	return []*Command{trainCommand(), resumeCommand(), evalCommand(), predictCommand(), parseCommand(), plotCommand()}
}

// isTerminal reports whether w is a character device (a terminal), where
// progress is drawn on one line rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// events returns the event sink of a training command: the session's, if
// a front-end installed one, else a text printer on stderr.
func events(env *Env) func(train.Event) {
	if env.Session != nil && env.Session.Events != nil {
		return env.Session.Events
	}
	return train.Printer(env.Stderr, isTerminal(env.Stderr))
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
			{Name: "fresh", Kind: Bool, Help: "replace an existing run folder instead of refusing it"},
		},
		Examples: []string{
			"train --config data/configs/conll03.yaml",
			"train data/configs/wnut17.yaml --set train.max_epochs=3 --out runs/wnut-quick",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			path := in.Flag("config")
			if path == "" {
				path = in.Arg("CONFIG")
			}
			if path == "" {
				return &UsageError{Command: "train", Msg: "missing the experiment file (train CONFIG or --config CONFIG)"}
			}
			exp, err := config.Load(path)
			if err != nil {
				return err
			}
			for _, w := range exp.Warnings {
				fmt.Fprintln(env.Stderr, "warning:", w)
			}
			for _, s := range in.Flags("set") {
				if err := exp.Set(s); err != nil {
					return &UsageError{Command: "train", Msg: "--set " + s + ": " + err.Error()}
				}
			}
			res, err := train.Train(ctx, exp, train.Options{RunDir: in.Flag("out"), Events: events(env), Fresh: in.Bool("fresh")})
			return reportRun(env, res, err)
		},
	}
}

func reportRun(env *Env, res *train.Result, err error) error {
	if err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			// The printer already said where the checkpoint is.
			return err
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "run folder  %s\n", res.RunDir)
	fmt.Fprintf(env.Stdout, "epochs      %d (%s)\n", res.Epochs, res.Stopped)
	if res.BestEpoch > 0 {
		fmt.Fprintf(env.Stdout, "best epoch  %d (dev F1 %.2f)\n", res.BestEpoch, 100*res.BestDevF1)
	}
	if res.Test != nil {
		m := res.Test.Report.Micro
		fmt.Fprintf(env.Stdout, "test        P %.2f  R %.2f  F1 %.2f\n", 100*m.Precision, 100*m.Recall, 100*m.F1)
	}
	return nil
}

func resumeCommand() *Command {
	return &Command{
		Name:    "resume",
		Summary: "Continue an interrupted training run from its latest checkpoint.",
		Help: `Loads the run's config.yaml, model, optimizer and trainer state from its latest
checkpoint (written every epoch and on interrupt) and continues: the loss curve
goes on exactly as if the run had not stopped.`,
		Args:     []Param{{Name: "RUN", Kind: Path, Help: "run folder"}},
		Examples: []string{"resume runs/conll03"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			res, err := train.Resume(ctx, in.Arg("RUN"), train.Options{Events: events(env)})
			return reportRun(env, res, err)
		},
	}
}

var modelFlag = Param{Name: "model", Short: "m", Kind: Path, Help: "model folder or run folder (its best model is used)"}
var batchFlag = Param{Name: "batch", Kind: Int, Default: "64", Help: "sentences per batch"}

func loadModel(in *Input) (*tagger.Tagger, error) {
	path := in.Flag("model")
	if path == "" {
		return nil, &UsageError{Command: in.cmd.Name, Msg: "missing --model (a model or run folder)"}
	}
	dev, err := torch.Device(in.Flag("device"))
	if err != nil {
		return nil, err
	}
	return tagger.Load(path, dev)
}

var deviceFlag = Param{Name: "device", Kind: String, Default: "cpu", Help: "cpu, cuda, cuda:N or auto"}

func evalCommand() *Command {
	return &Command{
		Name:    "eval",
		Summary: "Evaluate a trained model on a labelled CoNLL file.",
		Help: `Tags the file's sentences and scores them against its gold tags with conlleval
semantics (the same report and JSON as score). Context tokens of CLNER views
are encoded but not scored.`,
		Flags: []Param{modelFlag, {Name: "data", Short: "d", Kind: Path, Help: "CoNLL file with gold tags"}, columnsFlag,
			{Name: "json", Kind: Bool, Help: "print a JSON object"}, batchFlag, deviceFlag,
			{Name: "out", Short: "o", Kind: Path, Help: "also write token gold pred lines here"}},
		Examples: []string{"eval --model runs/conll03 --data ../shared/datasets/conll03/test.txt"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			if in.Flag("data") == "" {
				return &UsageError{Command: "eval", Msg: "missing --data FILE"}
			}
			tg, err := loadModel(in)
			if err != nil {
				return err
			}
			ev, err := evaluateFile(in, tg, in.Flag("data"), in.Flag("out"), false)
			if err != nil {
				return err
			}
			if in.Bool("json") {
				return writeJSON(env.Stdout, ev.Report)
			}
			return ev.Report.WriteText(env.Stdout)
		},
	}
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
		Flags: []Param{modelFlag, {Name: "conll", Kind: Path, Help: "tag this CoNLL file instead of raw text"}, columnsFlag,
			{Name: "text", Short: "t", Kind: String, Help: "tag this text instead of reading stdin"},
			{Name: "json", Kind: Bool, Help: "print JSON lines with entities"}, batchFlag, deviceFlag},
		Examples: []string{
			`echo "Angela Merkel visited Paris ." | nerlab predict --model runs/conll03`,
			"predict --model runs/conll03 --conll test.txt > test.pred",
			`predict --model runs/conll03 --text "Apple opened a store in Berlin." --json`,
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			tg, err := loadModel(in)
			if err != nil {
				return err
			}
			if path := in.Flag("conll"); path != "" {
				return predictConll(env, in, tg, path)
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
			preds, err := tg.Predict(examples, in.Int("batch"), nil)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(env.Stdout)
			defer w.Flush()
			for _, p := range preds {
				if in.Bool("json") {
					data, _ := json.Marshal(p)
					fmt.Fprintf(w, "%s\n", data)
					continue
				}
				for j, tok := range p.Tokens {
					fmt.Fprintf(w, "%s %s\n", tok, p.Tags[j])
				}
				fmt.Fprintln(w)
			}
			return nil
		},
	}
}

// predictConll prints each line of a CoNLL file with the predicted tag
// appended.
func predictConll(env *Env, in *Input, tg *tagger.Tagger, path string) error {
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
	preds, err := tg.Predict(examples, in.Int("batch"), nil)
	if err != nil {
		return err
	}
	// Predicted tag per source line.
	tagAt := map[int]string{}
	for i, s := range c.Sentences {
		p, ex := preds[i], examples[i]
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
	defer w.Flush()
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
	return sc.Err()
}

func parseCommand() *Command {
	return &Command{
		Name:    "parse",
		Summary: "CLNER's parse: write token gold pred score for every split of a data folder.",
		Help: `For each CoNLL file in DIR (train, dev and test files found as flair finds them,
or every *.txt / *.conll / *.tsv file), tags its sentences in order and writes
OUT/<file>.parse with one "token gold predicted probability" line per scored
token and a blank line between sentences.`,
		Flags: []Param{modelFlag, {Name: "dir", Kind: Path, Help: "data folder"}, columnsFlag, batchFlag, deviceFlag,
			{Name: "out", Short: "o", Kind: Path, Help: "output folder (default: the model's folder)"}},
		Examples: []string{"parse --model runs/wnut17 --dir ../shared/datasets/wnut17"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			dir := in.Flag("dir")
			if dir == "" {
				return &UsageError{Command: "parse", Msg: "missing --dir DIR"}
			}
			tg, err := loadModel(in)
			if err != nil {
				return err
			}
			files, err := dataFiles(dir)
			if err != nil {
				return err
			}
			out := in.Flag("out")
			if out == "" {
				out = tagger.ResolveModelDir(in.Flag("model"))
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for _, f := range files {
				dst := filepath.Join(out, filepath.Base(f)+".parse")
				ev, err := evaluateFile(in, tg, f, dst, true)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "%s → %s  (F1 %.2f)\n", f, dst, 100*ev.Report.Micro.F1)
			}
			return nil
		},
	}
}

// evaluateFile tags and scores a labelled CoNLL file and, when out is set,
// writes token gold predicted (and the probability with probs) lines there.
func evaluateFile(in *Input, tg *tagger.Tagger, path, out string, probs bool) (*train.Evaluation, error) {
	opt, err := readOptions(in)
	if err != nil {
		return nil, err
	}
	c, err := corpus.ReadFile(path, opt)
	if err != nil {
		return nil, err
	}
	examples, err := tg.Examples(c)
	if err != nil {
		return nil, err
	}
	ev, err := train.Evaluate(tg, examples, in.Int("batch"), nil)
	if err != nil {
		return nil, err
	}
	if out != "" {
		if err := train.WritePredictions(out, tg, examples, ev.Predictions, probs); err != nil {
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
			"\nThe format follows the --out extension (.png or .svg; SVG embeds its fonts).",
		Args: []Param{{Name: "RUN", Kind: Path, Help: "run folder"}},
		Flags: []Param{{Name: "out", Short: "o", Kind: Path, Help: "output file (.png or .svg); default RUN/curves.png"},
			{Name: "what", Kind: Choice, Choices: names, Default: "all", Help: "which chart"}},
		Examples: []string{"plot runs/conll03 --out conll03.svg", "plot runs/wnut17 --what f1 -o f1.png"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			run, err := plots.ReadRun(in.Arg("RUN"))
			if err != nil {
				return err
			}
			out := in.Flag("out")
			if out == "" {
				out = filepath.Join(in.Arg("RUN"), "curves.png")
			}
			if err := plots.WriteFile(run, in.Flag("what"), out); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, out)
			return nil
		},
	}
}

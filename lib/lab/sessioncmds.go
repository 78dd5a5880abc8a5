package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/tagger"
)

// ErrExit is returned by the exit command; front-ends end the session.
var ErrExit = errors.New("exit")

func sessionCommands() []*Command {
	return []*Command{loadCommand(), showCommand(), setCommand(), runsCommand(), cdCommand(), pwdCommand(), exitCommand()}
}

func datasetCandidates(s *Session) []Candidate {
	var out []Candidate
	for _, d := range s.Datasets() {
		out = append(out, Candidate{Text: d.Name, Description: "dataset: " + d.Path})
	}
	return out
}

func modelCandidates(s *Session) []Candidate {
	var out []Candidate
	for _, m := range s.Models() {
		out = append(out, Candidate{Text: m.Name, Description: "model: " + m.Path})
	}
	return out
}

func keyCandidates(s *Session) []Candidate {
	keys := config.Keys()
	out := make([]Candidate, 0, len(keys))
	for _, k := range keys {
		out = append(out, Candidate{Text: k + "=", Description: config.KeyHelp(k)})
	}
	return out
}

func loadCommand() *Command {
	return &Command{
		Name:    "load",
		Summary: "Load a dataset folder or file, a model or run, or an experiment YAML under a name.",
		Help: `What PATH is decides what is loaded:
  a folder with train/dev/test files   a dataset (splits found as flair finds them)
  a CoNLL file                          a one-split dataset
  a model folder or a run folder        a model (weights read on first use)
  a Hugging Face model folder           an encoder: BERT, RoBERTa or XLM-R with its
                                        tokenizer (tokenize and model info use it; a
                                        tagger trains on it with embeddings.transformer)
  a .yaml / .yml file                   the working experiment (NAME becomes its run name)
The loaded thing becomes current: stats, train, eval, predict and parse use it
when not told otherwise. COLUMNS name a dataset's columns in file order (text
ner, or text pos chunk ner); by default the first column is the text and the
last the tags.`,
		Args: []Param{
			{Name: "NAME", Help: "name to refer to it by", Values: func(s *Session) []Candidate {
				return append(append(datasetCandidates(s), modelCandidates(s)...), encoderCandidates(s)...)
			}},
			{Name: "PATH", Kind: Path, Help: "dataset folder or file, model or run folder, Hugging Face model folder, or experiment YAML"},
			{Name: "COLUMNS", Optional: true, Rest: true, Help: "column names in file order (datasets only)",
				Values: func(*Session) []Candidate {
					return []Candidate{{Text: "text", Description: "the token column"}, {Text: "ner", Description: "the tag column"},
						{Text: "pos", Description: "part of speech"}, {Text: "chunk", Description: "chunk tags"}, {Text: "_", Description: "skip a column"}}
				}},
		},
		Examples: []string{
			"load wnut ../shared/datasets/wnut17",
			"load conll ../shared/datasets/conll03 text pos chunk ner",
			"load demo runs/demo",
			"load bert ~/models/bert-base-cased",
			"load quick data/configs/wnut17.yaml",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			s, name, path := env.Session, in.Arg("NAME"), in.Arg("PATH")
			columns := in.Arg("COLUMNS")
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			switch {
			case !st.IsDir() && (ext == ".yaml" || ext == ".yml"):
				exp, err := config.Load(path)
				if err != nil {
					return err
				}
				for _, w := range exp.Warnings {
					fmt.Fprintln(env.Stderr, "warning:", w)
				}
				exp.Name = name
				s.SetExperiment(exp)
				fmt.Fprintf(env.Stdout, "experiment %s from %s: train %s, %d epochs max; %s prints it, %s runs it\n",
					name, path, exp.Data.Train, exp.Train.MaxEpochs, env.Frontend.Command("show config"), env.Frontend.Command("train"))
				return nil
			}
			if st.IsDir() && isEncoderPath(path) {
				e, err := s.AddEncoder(name, path)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "encoder %s: %s (%s); %s shows its pieces, %s trains a tagger on it\n", name, path, describeEncoder(e),
					env.Frontend.Command("tokenize "+name+" TEXT"), env.Frontend.Command("set embeddings.transformer.model="+path))
				return nil
			}
			if ok, err := isModelPath(path); err != nil {
				return err
			} else if ok {
				m := s.AddModel(name, path)
				fmt.Fprintf(env.Stdout, "model %s: %s\n", name, m.Dir())
				return nil
			}
			d, err := readDataset(name, path, columns)
			if err != nil {
				return err
			}
			s.AddDataset(d)
			fmt.Fprintf(env.Stdout, "dataset %s: %s\n", name, path)
			for _, sp := range d.Splits {
				st := sp.Corpus.Stats()
				ents := 0
				for _, n := range st.Entities {
					ents += n
				}
				fmt.Fprintf(env.Stdout, "  %-6s %7d sentences %8d tokens %6d entities  %s\n", sp.Name, st.Sentences, st.Tokens, ents, sp.Path)
			}
			return nil
		},
	}
}

// readDataset reads a corpus folder (train/dev/test as flair finds them,
// else every CoNLL file in it) or a single file.
func readDataset(name, path, columns string) (*Dataset, error) {
	var opt corpus.ReadOptions
	if columns != "" {
		m, err := corpus.ParseColumns(columns)
		if err != nil {
			return nil, &UsageError{Command: "load", Msg: "COLUMNS: " + err.Error()}
		}
		opt.Columns = m
	}
	d := &Dataset{Name: name, Path: path, Dir: path, Columns: columns}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var files [][2]string // split name, path
	if st.IsDir() {
		found, err := config.SplitCandidates(path)
		if err != nil {
			return nil, err
		}
		for i, split := range []string{"train", "dev", "test"} {
			switch len(found[i]) {
			case 0:
			case 1:
				files = append(files, [2]string{split, filepath.Join(path, found[i][0])})
			default:
				return nil, fmt.Errorf("%s has %d %s files (%s); load the one you mean", path, len(found[i]), split, strings.Join(found[i], ", "))
			}
		}
		if len(files) == 0 {
			paths, err := dataFiles(path)
			if err != nil {
				return nil, err
			}
			for _, p := range paths {
				files = append(files, [2]string{strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), p})
			}
		}
	} else {
		d.Dir = filepath.Dir(path)
		split := splitOfFile(path)
		files = append(files, [2]string{split, path})
	}
	for _, f := range files {
		c, err := corpus.ReadFile(f[1], opt)
		if err != nil {
			return nil, err
		}
		d.Splits = append(d.Splits, Split{Name: f[0], Path: f[1], Corpus: c})
	}
	return d, nil
}

// writeDatasetStats prints the splits of d side by side.
func writeDatasetStats(w io.Writer, d *Dataset) {
	stats := make([]corpus.Stats, len(d.Splits))
	types := map[string]int{}
	for i, sp := range d.Splits {
		stats[i] = sp.Corpus.Stats()
		for t := range stats[i].Entities {
			types[t]++
		}
	}
	fmt.Fprintf(w, "%s  %s\n", d.Name, d.Path)
	row := func(label string, value func(st corpus.Stats) string) {
		fmt.Fprintf(w, "  %-20s", label)
		for i := range d.Splits {
			fmt.Fprintf(w, " %9s", value(stats[i]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-20s", "")
	for _, sp := range d.Splits {
		fmt.Fprintf(w, " %9s", sp.Name)
	}
	fmt.Fprintln(w)
	num := func(n int) string { return fmt.Sprint(n) }
	row("sentences", func(st corpus.Stats) string { return num(st.Sentences) })
	row("tokens", func(st corpus.Stats) string { return num(st.Tokens) })
	if stats[0].Documents > 0 {
		row("documents", func(st corpus.Stats) string { return num(st.Documents) })
	}
	row("longest", func(st corpus.Stats) string { return num(st.MaxLength) })
	row("scheme", func(st corpus.Stats) string { return st.Scheme })
	if stats[0].ContextSentences > 0 {
		row("context tokens", func(st corpus.Stats) string { return num(st.ContextTokens) })
	}
	row("entities", func(st corpus.Stats) string {
		n := 0
		for _, v := range st.Entities {
			n += v
		}
		return num(n)
	})
	for _, t := range sortedKeys(types) {
		row("  "+t, func(st corpus.Stats) string { return num(st.Entities[t]) })
	}
}

func showCommand() *Command {
	return &Command{
		Name:    "show",
		Summary: "Show the working experiment, the current model, the runs or the loaded datasets.",
		Help: `show config    the experiment train would run now (loaded YAML or defaults
               for the current dataset, with the session's set overrides)
show model     the current model: its files, tags, vocabulary and size
show runs      the runs table (as runs)
show datasets  the datasets, models and encoders loaded in this session`,
		Args:     []Param{{Name: "WHAT", Kind: Choice, Choices: []string{"config", "model", "runs", "datasets"}, Help: "what to show"}},
		Examples: []string{"show config", "show model"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			s := env.Session
			switch in.Arg("WHAT") {
			case "config":
				exp, err := s.Experiment()
				if err != nil {
					return err
				}
				data, err := exp.Marshal()
				if err != nil {
					return err
				}
				if s.exp != nil && s.exp.Path != "" {
					fmt.Fprintf(env.Stdout, "# from %s\n", s.exp.Path)
				} else {
					fmt.Fprintf(env.Stdout, "# defaults for dataset %s\n", s.dataset)
				}
				if len(s.overrides) > 0 {
					fmt.Fprintf(env.Stdout, "# with set %s\n", strings.Join(s.overrides, " "))
				}
				_, err = env.Stdout.Write(data)
				return err
			case "model":
				return showModel(env)
			case "runs":
				list, err := runs.List(s.runsDir(), s.runs)
				if err != nil {
					return err
				}
				writeRunsTable(env.Stdout, list, s.runsDir(), env.Frontend)
				return nil
			default:
				if len(s.datasets) == 0 && len(s.models) == 0 && len(s.encoders) == 0 {
					fmt.Fprintf(env.Stdout, "nothing loaded; %s loads a dataset, a model or a config\n", env.Frontend.Command("load NAME PATH"))
				}
				for _, d := range s.Datasets() {
					mark := " "
					if d.Name == s.dataset {
						mark = "*"
					}
					var splits []string
					for _, sp := range d.Splits {
						splits = append(splits, fmt.Sprintf("%s %d", sp.Name, len(sp.Corpus.Sentences)))
					}
					fmt.Fprintf(env.Stdout, "%s dataset %-12s %s (%s sentences)\n", mark, d.Name, d.Path, strings.Join(splits, ", "))
				}
				for _, m := range s.Models() {
					mark := " "
					if m.Name == s.model {
						mark = "*"
					}
					fmt.Fprintf(env.Stdout, "%s model   %-12s %s\n", mark, m.Name, m.Dir())
				}
				for _, e := range s.Encoders() {
					fmt.Fprintf(env.Stdout, "  encoder %-12s %s (%s)\n", e.Name, e.Dir, describeEncoder(e))
				}
				return nil
			}
		},
	}
}

func showModel(env *Env) error {
	s := env.Session
	m := s.Model("")
	if m == nil {
		return &UsageError{Command: "show", Msg: "no current model; " + hint.Command("load NAME RUN") + " or train one"}
	}
	tg, err := m.Tagger("cpu")
	if err != nil {
		return err
	}
	w := env.Stdout
	cfg := tg.Config
	fmt.Fprintf(w, "model %s  %s\n", m.Name, m.Dir())
	var types []string
	seen := map[string]bool{}
	for i := 0; i < tg.NumTags(); i++ {
		if _, typ, ok := corpus.SplitTag(tg.Tag(i)); ok && typ != "" && !seen[typ] {
			seen[typ] = true
			types = append(types, typ)
		}
	}
	fmt.Fprintf(w, "  tags        %d (%s), types: %s\n", tg.NumTags(), cfg.TagScheme, strings.Join(types, ", "))
	if word := tg.Word(); word != nil {
		fmt.Fprintf(w, "  words       %d in the vocabulary, %d dimensions\n", word.Vocab().Len(), word.Dim())
	}
	for _, e := range cfg.Embeddings {
		if c, ok := e.Config.(*embed.CharConfig); ok {
			fmt.Fprintf(w, "  characters  %s encoder\n", c.Encoder)
		}
	}
	mc := cfg.Model
	fmt.Fprintf(w, "  encoder     BiLSTM %v (hidden %d × %d layers), CRF %v\n", mc.UseRNN, mc.HiddenSize, mc.RNNLayers, mc.UseCRF)
	n := int64(0)
	for _, p := range tg.Params() {
		size := int64(1)
		for _, d := range p.MustSize() {
			size *= d
		}
		n += size
	}
	fmt.Fprintf(w, "  parameters  %d\n", n)
	run := m.Path
	if dir, err := tagger.ResolveModelDir(run); err == nil && dir == run {
		run = filepath.Dir(run)
	}
	if info, err := runs.Inspect(run); err == nil {
		fmt.Fprintf(w, "  run         %s: %s after %d epochs", info.Dir, info.Status, info.Epochs)
		if info.BestEpoch > 0 {
			fmt.Fprintf(w, ", best dev F1 %s (epoch %d)", metrics.Percent(info.BestDevF1), info.BestEpoch)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func setCommand() *Command {
	return &Command{
		Name:    "set",
		Summary: "Override experiment keys for this session (set train.max_epochs=3).",
		Help: `Overrides apply, in order, to every experiment train runs in this session
(a loaded YAML or the defaults for the current dataset), as --set does on the
command line. A later value of a key replaces the earlier one.
  set                       list the overrides
  set KEY=VALUE …           add overrides (checked now)
  set KEY                   show a key's value and what it means
  set --unset KEY           drop one override; set --reset drops them all
Keys are the native YAML keys (tab completes them); 'show config' prints the
result.`,
		Args: []Param{{Name: "ASSIGN", Optional: true, Rest: true, Help: "KEY=VALUE overrides, or a KEY to explain", Values: keyCandidates}},
		Flags: []Param{
			{Name: "unset", Kind: String, Help: "drop the override of this key", Values: keyCandidates},
			{Name: "reset", Kind: Bool, Help: "drop every override"},
		},
		Examples: []string{"set train.max_epochs=3 train.mini_batch_size=16", "set model.hidden_size", "set --unset train.max_epochs"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			s := env.Session
			if in.Bool("reset") {
				s.overrides = nil
				fmt.Fprintln(env.Stdout, "no overrides")
				return nil
			}
			if k := in.Flag("unset"); k != "" {
				k = strings.TrimSuffix(k, "=")
				if !s.Unset(k) {
					return &UsageError{Command: "set", Msg: fmt.Sprintf("%s has no override", k)}
				}
			}
			words := in.Args("ASSIGN")
			for _, w := range words {
				if !strings.Contains(w, "=") {
					if len(words) > 1 {
						return &UsageError{Command: "set", Msg: fmt.Sprintf("%q is not KEY=VALUE", w)}
					}
					return explainKey(env, w)
				}
				if err := s.Set(w); err != nil {
					return &UsageError{Command: "set", Msg: err.Error()}
				}
			}
			if len(s.overrides) == 0 {
				fmt.Fprintf(env.Stdout, "no overrides; %s adds one (tab lists the keys)\n", env.Frontend.Command("set KEY=VALUE"))
				return nil
			}
			for _, o := range s.overrides {
				fmt.Fprintln(env.Stdout, o)
			}
			return nil
		},
	}
}

func explainKey(env *Env, key string) error {
	exp, err := env.Session.Experiment()
	if err != nil {
		d := config.Default()
		exp = &d
	}
	v, err := exp.Get(key)
	if err != nil {
		return &UsageError{Command: "set", Msg: err.Error()}
	}
	fmt.Fprintf(env.Stdout, "%s = %s\n", key, v)
	if h := config.KeyHelp(key); h != "" {
		fmt.Fprintf(env.Stdout, "  %s\n", h)
	}
	return nil
}

func runsCommand() *Command {
	return &Command{
		Name:    "runs",
		Summary: "List run folders with status, epochs, best dev F1 and test F1.",
		Help: `Lists the run folders directly under DIR (default runs/) and the runs of this
session, newest first. Status is finished (results written), running (a
process is training it now), interrupted (a checkpoint to resume from) or
started.

--seeds groups the runs whose experiments differ only in train.seed and shows
each group's best dev F1 and test F1 as mean ± sample standard deviation over
its finished runs.`,
		Args: []Param{{Name: "DIR", Kind: Path, Optional: true, Help: "folder holding run folders (default runs)"}},
		Flags: []Param{{Name: "json", Kind: Bool, Help: "print JSON"},
			{Name: "seeds", Kind: Bool, Help: "group runs that differ only in their seed: mean ± sd"}},
		Examples: []string{"runs", "runs /work/runs --json", "runs --seeds runs/wnut17"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			s := env.Session
			root := in.Arg("DIR")
			if root == "" {
				root = s.runsDir()
			}
			list, err := runs.List(root, s.runs)
			if err != nil {
				return err
			}
			if in.Bool("seeds") {
				// Oldest first, so that groups and seeds read in the order run.
				slices.Reverse(list)
				groups, err := runs.GroupBySeed(list)
				if err != nil {
					return err
				}
				if in.Bool("json") {
					if groups == nil {
						groups = []runs.SeedGroup{}
					}
					return writeJSON(env.Stdout, groups)
				}
				if len(groups) == 0 {
					fmt.Fprintf(env.Stdout, "no runs under %s\n", root)
					return nil
				}
				io.WriteString(env.Stdout, render.SeedsText(groups))
				return nil
			}
			if in.Bool("json") {
				if list == nil {
					list = []runs.RunInfo{}
				}
				return writeJSON(env.Stdout, list)
			}
			if env.Display != nil && len(list) > 0 {
				return env.Display(runsBundle(list, root))
			}
			writeRunsTable(env.Stdout, list, root, env.Frontend)
			return nil
		},
	}
}

func cdCommand() *Command {
	return &Command{
		Name:     "cd",
		Summary:  "Change the working directory (relative paths in commands and configs follow it).",
		Args:     []Param{{Name: "DIR", Kind: Path, Optional: true, Help: "new working directory (default: home)"}},
		Examples: []string{"cd ~/nerlab", "cd .."},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			dir := in.Arg("DIR")
			if dir == "" || dir == "~" || strings.HasPrefix(dir, "~/") {
				home, err := os.UserHomeDir()
				if err != nil {
					return err
				}
				dir = filepath.Join(home, strings.TrimPrefix(strings.TrimPrefix(dir, "~"), "/"))
			}
			if err := os.Chdir(dir); err != nil {
				return err
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, wd)
			return nil
		},
	}
}

func pwdCommand() *Command {
	return &Command{
		Name:    "pwd",
		Summary: "Print the working directory.",
		Run: func(ctx context.Context, env *Env, in *Input) error {
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, wd)
			return nil
		},
	}
}

func exitCommand() *Command {
	return &Command{
		Name:    "exit",
		Summary: "Leave the REPL (Ctrl-D too); in a script, stop it.",
		Run: func(ctx context.Context, env *Env, in *Input) error {
			return ErrExit
		},
	}
}

// splitOfFile names the split a lone data file holds, as the folder
// reader (config.SplitCandidates) would place it: train; dev for dev,
// valid(ation) and testa; test for testb and test; else the file's name.
func splitOfFile(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	found := config.SplitsOfNames([]string{strings.ToLower(name)})
	for i, split := range []string{"train", "dev", "test"} {
		if len(found[i]) > 0 {
			return split
		}
	}
	return name
}

package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/metrics"
)

func builtins() []*Command {
	return []*Command{statsCommand(), convertCommand(), scoreCommand()}
}

var columnsFlag = Param{Name: "columns", Kind: String,
	Help: "column map: 0:text,3:ner or text,pos,chunk,ner (default: text first, ner last; 4 columns read as CoNLL-03)"}

func readOptions(in *Input) (corpus.ReadOptions, error) {
	var opt corpus.ReadOptions
	if spec := in.Flag("columns"); spec != "" {
		m, err := corpus.ParseColumns(spec)
		if err != nil {
			return opt, &UsageError{Command: in.cmd.Name, Msg: "--columns: " + err.Error()}
		}
		opt.Columns = m
	}
	return opt, nil
}

func statsCommand() *Command {
	return &Command{
		Name:    "stats",
		Summary: "Count sentences, tokens, documents, tags and entities of a CoNLL file.",
		Help: `Entities are counted as conlleval reads them: B- and S- start a span, and so
does an I- or E- after O or after another type. -DOCSTART- lines count as
documents, never as tokens. In CLNER context views the context tokens after
<EOS> are counted apart.`,
		Args: []Param{{Name: "DATA", Kind: Path, Optional: true, Values: datasetCandidates,
			Help: "a loaded dataset's name, a CoNLL file or a corpus folder (default: the current dataset)"}},
		Flags: []Param{columnsFlag, {Name: "json", Kind: Bool, Help: "print a JSON object (per split for a dataset)"}},
		Examples: []string{
			"stats data/sample/train.conll",
			"stats train.txt --columns text,pos,chunk,ner --json",
			"stats wnut   (after load wnut ../shared/datasets/wnut17)",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			arg := in.Arg("DATA")
			d := env.Session.Dataset(arg)
			if d == nil && arg == "" {
				return &UsageError{Command: "stats", Msg: "no dataset loaded; give a file or " + hint.Command("load NAME PATH") + " first"}
			}
			if d == nil {
				st, err := os.Stat(arg)
				if err != nil {
					return err
				}
				if st.IsDir() {
					if d, err = readDataset(filepath.Base(arg), arg, in.Flag("columns")); err != nil {
						return err
					}
				}
			}
			if d != nil {
				if in.Bool("json") {
					out := map[string]corpus.Stats{}
					for _, sp := range d.Splits {
						out[sp.Name] = sp.Corpus.Stats()
					}
					return writeJSON(env.Stdout, out)
				}
				writeDatasetStats(env.Stdout, d)
				return nil
			}
			opt, err := readOptions(in)
			if err != nil {
				return err
			}
			c, err := corpus.ReadFile(arg, opt)
			if err != nil {
				return err
			}
			st := c.Stats()
			if in.Bool("json") {
				return writeJSON(env.Stdout, st)
			}
			return writeStatsText(env.Stdout, arg, st)
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeStatsText(w io.Writer, path string, st corpus.Stats) error {
	fmt.Fprintf(w, "%s\n", path)
	fmt.Fprintf(w, "  sentences  %d\n  tokens     %d\n  documents  %d\n  longest    %d tokens\n", st.Sentences, st.Tokens, st.Documents, st.MaxLength)
	if st.ContextSentences > 0 {
		fmt.Fprintf(w, "  context    %d sentences with <EOS> + context, %d context tokens\n", st.ContextSentences, st.ContextTokens)
	}
	if st.Scheme != "" {
		fmt.Fprintf(w, "  scheme     %s\n", st.Scheme)
	}
	total := 0
	for _, n := range st.Entities {
		total += n
	}
	fmt.Fprintf(w, "entities (%d)\n", total)
	for _, k := range sortedKeys(st.Entities) {
		fmt.Fprintf(w, "  %-20s %7d\n", k, st.Entities[k])
	}
	fmt.Fprintf(w, "tags (%d)\n", len(st.Tags))
	for _, k := range sortedKeys(st.Tags) {
		fmt.Fprintf(w, "  %-20s %7d\n", k, st.Tags[k])
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func convertCommand() *Command {
	return &Command{
		Name:    "convert",
		Summary: "Rewrite a CoNLL file's ner tags in another scheme (iob1, bio, bioes).",
		Help: `The file's scheme is detected. Ill-formed sequences (an I- after O in BIO,
a B- never closed by E- in BIOES) are refused with their line unless
--repair is given, which reads them as conlleval does (an I- after O starts
an entity). Other columns, documents and context tokens are kept.`,
		Args: []Param{{Name: "FILE", Kind: Path, Help: "CoNLL column file"}},
		Flags: []Param{
			{Name: "to", Kind: Choice, Choices: []string{"bio", "bioes", "iob1"}, Help: "target scheme"},
			{Name: "repair", Kind: Bool, Help: "repair ill-formed tag sequences instead of refusing them"},
			{Name: "out", Short: "o", Kind: Path, Help: "write to this file (atomically) instead of stdout"},
			columnsFlag,
		},
		Examples: []string{
			"convert train.txt --to bioes > train.bioes",
			"convert train.txt.bieos --to bio --repair -o train.bio",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			if in.Flag("to") == "" {
				return &UsageError{Command: "convert", Msg: "missing --to (bio, bioes or iob1)"}
			}
			to, err := corpus.ParseScheme(in.Flag("to"))
			if err != nil {
				return err
			}
			opt, err := readOptions(in)
			if err != nil {
				return err
			}
			c, err := corpus.ReadFile(in.Arg("FILE"), opt)
			if err != nil {
				return err
			}
			if err := c.ConvertTags(to, in.Bool("repair")); err != nil {
				return err
			}
			if out := in.Flag("out"); out != "" {
				if err := checkOutput("--out", out, in.Arg("FILE")); err != nil {
					return err
				}
				return corpus.WriteFile(out, c)
			}
			return corpus.Write(env.Stdout, c)
		},
	}
}

func scoreCommand() *Command {
	return &Command{
		Name:    "score",
		Summary: "Score predicted tags against gold tags (conlleval-style input).",
		Help: `Span precision, recall and F1 (micro, macro and per type) and token accuracy.
--mode conlleval reads tags as the CoNLL-2000 conlleval script does (an I- after
O or after another type starts an entity; BIOES is converted to BIO first).
--mode strict counts only entities well formed in the scheme (detected from the
gold column unless --scheme is given). -DOCSTART- lines are not scored. JSON
values are fractions in [0,1].`,
		Args: []Param{{Name: "FILE", Kind: Path, Help: "CoNLL file whose last two columns are the gold and the predicted tag"}},
		Flags: []Param{
			{Name: "mode", Kind: Choice, Choices: []string{"conlleval", "strict"}, Default: "conlleval", Help: "how tags are read into entities"},
			{Name: "scheme", Kind: Choice, Choices: []string{"auto", "iob1", "bio", "bioes"}, Default: "auto", Help: "scheme for strict mode"},
			{Name: "json", Kind: Bool, Help: "print a JSON object"},
		},
		Examples: []string{
			"score predictions.conll",
			"score predictions.conll --mode strict --json",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			mode, err := metrics.ParseMode(in.Flag("mode"))
			if err != nil {
				return err
			}
			scheme := corpus.SchemeUnknown
			if s := in.Flag("scheme"); s != "auto" {
				if scheme, err = corpus.ParseScheme(s); err != nil {
					return err
				}
			}
			rep, err := ScoreFile(in.Arg("FILE"), mode, scheme)
			if err != nil {
				return err
			}
			if in.Bool("json") {
				return writeJSON(env.Stdout, rep)
			}
			return rep.WriteText(env.Stdout)
		},
	}
}

// ScoreFile scores a conlleval-style file: tokens with any number of
// columns whose last two are the gold and the predicted tag.
func ScoreFile(path string, mode metrics.Mode, scheme corpus.Scheme) (metrics.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return metrics.Report{}, err
	}
	c, err := corpus.Parse(data, path, corpus.ReadOptions{NoTagCheck: true})
	if err != nil {
		return metrics.Report{}, err
	}
	ncols := len(c.Sentences[0].Columns)
	if ncols < 2 {
		return metrics.Report{}, &corpus.ParseError{Path: path, Line: c.Sentences[0].Line,
			Msg: "1 column; expected the gold and the predicted tag as the last two columns"}
	}
	gold, pred := ncols-2, ncols-1
	sc := metrics.NewScorer(mode, scheme)
	for i := range c.Sentences {
		s := &c.Sentences[i]
		for _, col := range []int{gold, pred} {
			for t, tag := range s.Columns[col] {
				if _, _, ok := corpus.SplitTag(tag); !ok {
					which := map[int]string{gold: "gold", pred: "predicted"}[col]
					return metrics.Report{}, &corpus.ParseError{Path: path, Line: s.Line + t,
						Msg: fmt.Sprintf("%s tag %q (column %d) has an unknown form; expected O or B-/I-/E-/S- followed by a type", which, tag, col+1)}
				}
			}
		}
		if err := sc.Add(s.Columns[gold], s.Columns[pred]); err != nil {
			return metrics.Report{}, fmt.Errorf("%s:%d: %w", path, s.Line, err)
		}
	}
	return sc.Report(), nil
}

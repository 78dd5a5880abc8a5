package lab

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/pretrain"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/lib/wiki"
	"github.com/nerlab/nerlab/plots"
)

func pretrainCommand() *Command {
	return &Command{
		Name:    "pretrain",
		Summary: "Pretrain a BERT encoder (masked-language modelling) on knowledge corpora, in Hugging Face layout.",
		Help: `Masked-language-model pretraining (BERT's: 15% of the pieces chosen, 80% of them
[MASK], 10% a random piece, 10% unchanged, drawn anew every step; whole words
with train.whole_word) of a BERT with BertForMaskedLM's head, on knowledge
corpora in every format retrieval reads (JSONL, WikiExtractor, MediaWiki XML,
plain text; .gz and .bz2 too). From scratch, a WordPiece vocabulary is first
trained on the training documents (tokenizer.vocab_size); with --from DIR a
Hugging Face BERT folder is pretrained further (domain-adaptive pretraining),
with its tokenizer and its masked-LM head if it has one.

Documents are tokenised and packed into sequences of train.seq_len ([CLS] …
[SEP], documents separated by [SEP]); every train.held_out_every-th document is
held out, and the held-out loss and perplexity are measured every
train.eval_every steps. AdamW with linear warmup and decay, gradient clipping.

The run folder (--out) gets pretrain.yaml, metrics.jsonl (loss, learning rate,
tokens/s; held-out loss and perplexity), a checkpoint every
train.checkpoint_every steps, curves.png, and model/: the encoder as
config.json (BertForMaskedLM), model.safetensors and the tokenizer's files,
which model info, Hugging Face and the transformer embeddings read. Ctrl-C
writes a checkpoint; the same command again resumes exactly where it stopped
(the same losses and weights as a run never stopped), so a long run can go on
over several sittings. plot RUN draws the curves again.

The config is a YAML file (see data/configs/pretrain-world.yaml) or the flags;
--set changes any key.`,
		Args: []Param{{Name: "CONFIG", Kind: Path, Optional: true, Help: "pretraining YAML (or --config)"}},
		Flags: []Param{
			{Name: "config", Short: "c", Kind: Path, Help: "pretraining YAML"},
			{Name: "corpus", Kind: Path, Repeat: true, Help: "knowledge corpus file (repeatable; replaces the config's)"},
			{Name: "format", Kind: Choice, Choices: append([]string{wiki.FormatAuto}, wiki.Formats...), Help: "corpus format (default: the config's, or detected)"},
			{Name: "out", Short: "o", Kind: Path, Help: "run folder (default: the config's out)"},
			{Name: "from", Kind: Path, Help: "Hugging Face BERT folder to continue pretraining"},
			{Name: "set", Kind: String, Repeat: true, Help: "override a key, e.g. --set train.steps=500 (repeatable)",
				Values: func(*Session) []Candidate {
					var out []Candidate
					for _, k := range pretrain.Keys() {
						out = append(out, Candidate{Text: k + "="})
					}
					return out
				}},
			{Name: "fresh", Kind: Bool, Help: "start the run folder over when it holds a run of another config"},
			progressFlag,
		},
		Examples: []string{
			"pretrain data/configs/pretrain-world.yaml",
			"pretrain --corpus runs/world/knowledge.jsonl --out runs/pretrain-quick --set train.steps=200",
			"pretrain data/configs/pretrain-wiki-4x256.yaml   (again after Ctrl-C: resumes)",
			"pretrain --from ~/models/bert-base-cased --corpus knowledge.jsonl --out runs/dapt --set train.lr=5e-5",
		},
		Run: runPretrain,
	}
}

// pretrainConfig is the config the command's arguments describe.
func pretrainConfig(in *Input) (pretrain.Config, error) {
	cfg := pretrain.Defaults()
	path := in.Flag("config")
	if path == "" {
		path = in.Arg("CONFIG")
	}
	if path != "" {
		var err error
		if cfg, err = pretrain.ReadConfig(path); err != nil {
			return cfg, err
		}
	}
	if c := in.Flags("corpus"); len(c) > 0 {
		cfg.Corpus = c
	}
	if f := in.Flag("format"); f != "" {
		cfg.Format = f
	}
	if o := in.Flag("out"); o != "" {
		cfg.Out = o
	}
	if f := in.Flag("from"); f != "" {
		cfg.From = f
	}
	for _, a := range in.Flags("set") {
		if err := cfg.Set(a); err != nil {
			return cfg, &UsageError{Command: "pretrain", Msg: err.Error()}
		}
	}
	switch {
	case len(cfg.Corpus) == 0:
		return cfg, &UsageError{Command: "pretrain", Msg: "no corpus: give CONFIG or --corpus FILE"}
	case cfg.Out == "":
		return cfg, &UsageError{Command: "pretrain", Msg: "no run folder: give --out DIR (or out: in the config)"}
	}
	for _, c := range cfg.Corpus {
		if err := checkOutput("--out", cfg.Out, c); err != nil {
			return cfg, err
		}
		if safefile.Within(c, cfg.Out) {
			return cfg, fmt.Errorf("--out %s holds the corpus %s; a run folder is nerlab's to write (and --fresh empties it): choose another --out", cfg.Out, c)
		}
	}
	return cfg, cfg.Check()
}

func runPretrain(ctx context.Context, env *Env, in *Input) error {
	cfg, err := pretrainConfig(in)
	if err != nil {
		return err
	}
	show := pretrainEvents(env)
	res, err := pretrain.Run(ctx, cfg, pretrain.Options{Events: show, Fresh: in.Bool("fresh"), ProgressEvery: progressEvery(in),
		Log: func(s string) { fmt.Fprintln(env.Stderr, s) }})
	if pretrain.IsRun(cfg.Out) {
		// The curves so far, also after an interruption.
		if png, perr := writePretrainCurves(cfg.Out, filepath.Join(cfg.Out, pretrain.CurvesFile)); perr == nil && err == nil {
			defer showImage(env, png, filepath.Join(cfg.Out, pretrain.CurvesFile))
		}
	}
	if err != nil {
		// An interruption's message says that the same command resumes.
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "run folder  %s\n", res.Dir)
	fmt.Fprintf(w, "encoder     %s (Hugging Face layout; %s)\n", res.Model, hint.Command("model info "+res.Model))
	fmt.Fprintf(w, "steps       %d (%s of training)\n", res.Step, time.Duration(res.Seconds*float64(time.Second)).Round(time.Second))
	if !math.IsNaN(res.HeldOut) {
		fmt.Fprintf(w, "held-out    loss %.4f, perplexity %.2f, top-1 accuracy %.1f%%\n", res.HeldOut, res.Perplexity, 100*res.Accuracy)
	}
	// The weights' checksum, to say which encoder a result came from.
	weights := filepath.Join(res.Model, torch.SafetensorsFile)
	sum, err := fileSHA256(weights)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sha256      %s  %s\n", sum, weights)
	return nil
}

// fileSHA256 is the hex SHA-256 of a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pretrainEvents shows a run's events: progress where the front-end
// shows training (the kernel's live display, or a line on stderr
// rewritten in place on a terminal), held-out evaluations as lines.
func pretrainEvents(env *Env) func(pretrain.Event) {
	progress := events(env)
	terminal := IsTerminal(env.Stderr) && (env.Session == nil || env.Session.Events == nil)
	return func(e pretrain.Event) {
		switch e.Kind {
		case pretrain.EventStart:
			progress(train.Event{Kind: train.EventStart, Message: e.Message})
		case pretrain.EventProgress:
			progress(train.Event{Kind: train.EventProgress, Epoch: int(e.Epoch) + 1, MaxEpochs: int(math.Ceil(e.Epochs)),
				Batch: e.Step, Batches: e.Steps, Loss: e.Loss, LR: e.LR, TokensPerSec: e.TokensPerSec, ETA: e.ETA, Line: e.Line})
		case pretrain.EventHeldOut:
			if terminal {
				fmt.Fprint(env.Stderr, "\r\x1b[K") // the progress line
			}
			fmt.Fprintf(env.Stderr, "step %d/%d  held-out loss %.4f  perplexity %.2f  top-1 %.1f%%\n", e.Step, e.Steps, e.Loss, e.Perplexity, 100*e.Accuracy)
		case pretrain.EventDone:
			progress(train.Event{Kind: train.EventDone, Message: e.Message})
		}
	}
}

// writePretrainCurves draws a pretraining run's curves into path and
// returns the PNG.
func writePretrainCurves(dir, path string) ([]byte, error) {
	ms, err := pretrain.ReadMetrics(dir)
	if err != nil {
		return nil, err
	}
	c := plots.PretrainCurves{Title: "Pretraining " + filepath.Base(filepath.Clean(dir))}
	for _, m := range ms {
		if m.Kind == pretrain.KindTrain {
			c.TrainSteps, c.TrainLoss = append(c.TrainSteps, m.Step), append(c.TrainLoss, m.Loss)
		} else {
			c.HeldOutSteps, c.HeldOutLoss = append(c.HeldOutSteps, m.Step), append(c.HeldOutLoss, m.Loss)
		}
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	data, err := plots.RenderPretrain(c, format, plots.PretrainWidth, plots.PretrainHeight)
	if err != nil {
		return nil, err
	}
	if err := safefile.WriteBytes(path, data); err != nil {
		return nil, err
	}
	if format != "png" {
		return plots.RenderPretrain(c, "png", plots.PretrainWidth, plots.PretrainHeight)
	}
	return data, nil
}

// plotPretrain is plot for a pretraining run folder: the loss and
// perplexity curves, into --out (default RUN/curves.png).
func plotPretrain(env *Env, dir, out string) error {
	if out == "" {
		out = filepath.Join(dir, pretrain.CurvesFile)
	}
	if ext := strings.ToLower(filepath.Ext(out)); ext != ".png" && ext != ".svg" {
		return fmt.Errorf("%s: cannot write a chart as %q; expected a .png or .svg file name", out, ext)
	}
	png, err := writePretrainCurves(dir, out)
	if err != nil {
		return err
	}
	return showImage(env, png, out)
}

// showImage shows a chart written to path: in the notebook, inline in a
// terminal that can, else its path.
func showImage(env *Env, png []byte, path string) error {
	if env.Display != nil {
		return env.Display(map[string]any{"image/png": base64.StdEncoding.EncodeToString(png), "text/plain": path})
	}
	fmt.Fprintf(env.Stdout, "curves      %s\n", path)
	if p := env.Session.Images; p != render.NoImages {
		return render.WriteInlineImage(env.Stdout, p, png)
	}
	return nil
}

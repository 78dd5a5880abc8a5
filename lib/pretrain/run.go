package pretrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/wiki"
)

// ErrInterrupted is wrapped by the error Run returns when its context was
// cancelled: a checkpoint was written, and running the same config again
// resumes from it.
var ErrInterrupted = errors.New("pretraining interrupted")

// Event kinds, in the order a run emits them.
const (
	EventStart      = "start"      // data read, model built; Message says what
	EventProgress   = "progress"   // after a step, a few times a second at most
	EventHeldOut    = "held_out"   // a held-out evaluation: Loss, Perplexity
	EventCheckpoint = "checkpoint" // Path is the checkpoint
	EventDone       = "done"       // Message says how the run ended
)

// Event is what a run reports as it goes.
type Event struct {
	Kind         string
	Step, Steps  int
	Epoch        float64 // epochs done, fractional
	Epochs       float64 // epochs the whole run takes
	Loss         float64 // progress: the step's training loss; held-out: the held-out loss
	Perplexity   float64 // held-out
	Accuracy     float64 // held-out: the fraction of masked tokens whose top prediction is right
	LR           float64
	TokensPerSec float64
	ETA          time.Duration // the rest of the run at this sitting's pace
	Path         string
	Message      string
	// Line marks the progress events worth a line of their own where
	// nothing is redrawn (a log, a pipe): at most one per ProgressEvery.
	Line bool
}

// Options are how a run reports and where it may write.
type Options struct {
	Events func(Event) // nil: no events
	// Fresh empties the run folder of an earlier run of another config
	// instead of refusing it.
	Fresh bool
	// ProgressEvery is the interval between the progress events marked
	// Line; progress events come at most ten times a second, or after
	// every step (each a Line) when it is 0.
	ProgressEvery time.Duration
	// Log, when set, hears what a run does before it trains (reading the
	// corpus, training the vocabulary).
	Log func(string)
}

// Result is how a run ended.
type Result struct {
	Dir        string // the run folder
	Model      string // the Hugging Face folder of the encoder
	Step       int
	HeldOut    float64 // the last held-out loss (NaN without held-out data)
	Perplexity float64
	Accuracy   float64 // the last held-out top-1 accuracy
	Seconds    float64 // training time, all sittings
}

// Run pretrains the model cfg describes into the run folder cfg.Out, or
// resumes the run there from its latest checkpoint; the same cfg and a
// finished run return at once. Cancelling ctx writes a checkpoint and
// returns an error wrapping ErrInterrupted.
func Run(ctx context.Context, cfg Config, opt Options) (res *Result, err error) {
	if cfg.Out == "" {
		return nil, errors.New("pretrain: no run folder (out)")
	}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	emit := func(e Event) {
		if opt.Events != nil {
			e.Steps = cfg.Train.Steps
			opt.Events(e)
		}
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, args...))
		}
	}
	device, err := torch.Device(cfg.Train.Device)
	if err != nil {
		return nil, err
	}
	release, err := prepareFolder(cfg.Out, cfg, opt.Fresh)
	if err != nil {
		return nil, err
	}
	defer release()
	if cfg.Train.Threads > 0 {
		torch.SetThreads(cfg.Train.Threads)
	}

	tok, err := runTokenizer(ctx, cfg, logf)
	if err != nil {
		return nil, err
	}
	logf("reading %s", strings.Join(cfg.Corpus, ", "))
	corpus, err := ReadCorpus(ctx, cfg.Corpus, cfg.Format, tok, cfg.Train.HeldOutEvery, func(n int) {
		if n%20000 == 0 {
			logf("  %d documents", n)
		}
	})
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, opt: opt, emit: emit, tok: tok, corpus: corpus, device: device}
	defer r.release()
	if err := r.build(); err != nil {
		return nil, err
	}
	return r.train(ctx)
}

// release frees the model and the optimizer's state when Run returns,
// whether the run finished, stopped or failed (what it finished is on
// disk by then): a REPL or kernel session would otherwise hold them (four
// times the parameters) until Go's finalizers ran, which a small Go heap
// may put off indefinitely.
func (r *runner) release() {
	if r.adamw != nil {
		r.adamw.Release()
	}
	if r.model != nil {
		r.model.VS.Destroy()
	}
}

// runTokenizer is the run's tokenizer: --from's, tokenizer.dir, or a
// WordPiece vocabulary trained on the training documents into the run
// folder (once: a resumed run reads it back).
func runTokenizer(ctx context.Context, cfg Config, logf func(string, ...any)) (tokenize.Tokenizer, error) {
	switch {
	case cfg.From != "":
		return LoadTokenizer(cfg.From)
	case cfg.Tokenizer.Dir != "":
		return LoadTokenizer(cfg.Tokenizer.Dir)
	}
	dir := filepath.Join(cfg.Out, TokenizerDir)
	if _, err := os.Stat(filepath.Join(dir, "vocab.txt")); err == nil {
		return LoadTokenizer(dir)
	}
	tc := cfg.Tokenizer
	logf("training a WordPiece vocabulary of %d on %s", tc.VocabSize, strings.Join(cfg.Corpus, ", "))
	tr := tokenize.NewWordPieceTrainer(tokenize.WordPieceTrainerOptions{VocabSize: tc.VocabSize, Lowercase: tc.Lowercase, MinFrequency: tc.MinFrequency})
	docs := 0
	for _, path := range cfg.Corpus {
		rd, err := wiki.Open(path, cfg.Format)
		if err != nil {
			return nil, err
		}
		for {
			if err := ctx.Err(); err != nil {
				rd.Close()
				return nil, err
			}
			a, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rd.Close()
				return nil, err
			}
			docs++
			if e := cfg.Train.HeldOutEvery; e > 0 && docs%e == 0 {
				continue // held out: the vocabulary must not have seen it either
			}
			for _, p := range a.Paragraphs {
				tr.Add(p)
			}
		}
		rd.Close()
	}
	vocab, err := tr.Vocab()
	if err != nil {
		return nil, err
	}
	logf("  %d distinct words, %d pieces", tr.Words(), len(vocab))
	tmp, err := os.MkdirTemp(cfg.Out, ".tokenizer.tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := tokenize.WriteWordPiece(tmp, vocab, tc.Lowercase, cfg.Model.MaxLen); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return LoadTokenizer(dir)
}

// LoadTokenizer reads the tokenizer of a model folder (tokenize.Load:
// tokenizer.json, vocab.txt, vocab.json with merges.txt, or a
// SentencePiece model).
func LoadTokenizer(dir string) (tokenize.Tokenizer, error) { return tokenize.Load(dir) }

// runner is one sitting of a run.
type runner struct {
	cfg    Config
	opt    Options
	emit   func(Event)
	tok    tokenize.Tokenizer
	corpus *Corpus
	device gotch.Device

	model   *MaskedLM
	adamw   optim.Optimizer
	params  []optim.Param
	st      *state
	masking Masking
	resumed string // the checkpoint resumed from

	epoch int   // the epoch order holds
	order []int // the order of the training sequences in that epoch

	lineTokens int64     // tokens since the last metrics line
	lineStart  time.Time // when the steps since that line began
}

// build makes or loads the model and optimizer, and the state to go on
// from.
func (r *runner) build() error {
	t := r.cfg.Train
	ckpt, err := latestCheckpoint(r.cfg.Out)
	if err != nil {
		return err
	}
	torch.Seed(t.Seed) // the initial weights
	switch {
	case ckpt != "":
		r.model, _, err = LoadMaskedLM(ckpt, r.device)
		r.resumed = ckpt
	case r.cfg.From != "":
		r.model, _, err = LoadMaskedLM(r.cfg.From, r.device)
	default:
		sp := r.tok.Specials()
		m := r.cfg.Model
		r.model = NewMaskedLM(embed.BertConfig{
			ModelType: "bert", VocabSize: int64(r.tok.VocabSize()), HiddenSize: int64(m.Hidden), NumHiddenLayers: m.Layers,
			NumAttentionHeads: int64(m.Heads), IntermediateSize: int64(m.Intermediate), HiddenAct: m.Activation,
			HiddenDropoutProb: m.Dropout, AttentionDropoutProb: m.Dropout, MaxPositionEmbeddings: int64(m.MaxLen),
			TypeVocabSize: 2, LayerNormEps: 1e-12, PadTokenID: int64(max(sp.PAD, 0)),
		}, r.device)
	}
	if err != nil {
		return err
	}
	c := r.model.Bert.Config
	if int64(r.tok.VocabSize()) > c.VocabSize {
		return fmt.Errorf("the tokenizer has %d pieces but the model's vocab_size is %d", r.tok.VocabSize(), c.VocabSize)
	}
	if int64(t.SeqLen) > c.MaxPositionEmbeddings {
		return fmt.Errorf("train.seq_len %d exceeds the model's max_position_embeddings %d", t.SeqLen, c.MaxPositionEmbeddings)
	}
	sp := r.tok.Specials()
	if sp.CLS < 0 || sp.SEP < 0 || sp.MASK < 0 || sp.PAD < 0 {
		return fmt.Errorf("the tokenizer lacks a special token MLM pretraining needs (ids: CLS %d, SEP %d, MASK %d, PAD %d)", sp.CLS, sp.SEP, sp.MASK, sp.PAD)
	}
	r.masking = Masking{Prob: t.MaskProb, WholeWord: t.WholeWord, Specials: sp, Vocab: r.tok.VocabSize()}

	// AdamW with BERT's exclusions from weight decay: biases and
	// LayerNorm weights.
	decay := optim.Group{Name: "decay", WeightDecay: t.WeightDecay}
	plain := optim.Group{Name: "no_decay"}
	named := r.model.Params()
	for _, n := range slices.Sorted(maps.Keys(named)) {
		p := optim.Param{Name: n, Tensor: named[n]}
		r.params = append(r.params, p)
		if strings.HasSuffix(n, "bias") || strings.Contains(n, "LayerNorm") {
			plain.Params = append(plain.Params, p)
		} else {
			decay.Params = append(decay.Params, p)
		}
	}
	r.adamw = optim.NewAdamW([]optim.Group{decay, plain}, 0.9, 0.999, 1e-8)
	if ckpt == "" {
		r.st = &state{Schedule: optim.LinearWarmupDecay{Peak: t.LR, Warmup: t.Warmup, Total: t.Steps}}
		return trimMetrics(r.cfg.Out, 0)
	}
	if r.st, err = readState(ckpt); err != nil {
		return err
	}
	if err := loadOptimizer(ckpt, r.adamw, r.st); err != nil {
		return err
	}
	return trimMetrics(r.cfg.Out, r.st.Step)
}

// train runs the steps from the state's to the config's last.
func (r *runner) train(ctx context.Context) (*Result, error) {
	t := r.cfg.Train
	n := r.corpus.Train.Sequences(t.SeqLen)
	perEpoch := (n + t.Batch - 1) / t.Batch
	emit := r.emit
	r.emit = func(e Event) {
		e.Epochs = float64(t.Steps) / float64(perEpoch)
		emit(e)
	}
	heldSeqs := r.corpus.HeldOut.Sequences(t.SeqLen)
	if t.EvalSequences > 0 {
		heldSeqs = min(heldSeqs, t.EvalSequences)
	}
	how := "from scratch"
	switch {
	case r.resumed != "":
		how = "resumed from " + r.resumed
	case r.cfg.From != "":
		how = "continued from " + r.cfg.From
	}
	c := r.model.Bert.Config
	r.emit(Event{Kind: EventStart, Step: r.st.Step, Path: r.cfg.Out, Message: fmt.Sprintf(
		"pretraining %s (%s): %d layers, hidden %d, vocabulary %d; %d training documents → %d sequences of %d (%d steps an epoch), %d held-out documents (%d sequences evaluated)",
		r.cfg.Out, how, c.NumHiddenLayers, c.HiddenSize, c.VocabSize, r.corpus.Documents, n, t.SeqLen, perEpoch, r.corpus.Held, heldSeqs)})

	res := &Result{Dir: r.cfg.Out, Model: filepath.Join(r.cfg.Out, ModelDir), HeldOut: math.NaN(), Perplexity: math.NaN()}
	sitting, startStep := time.Now(), r.st.Step
	var lastEmit, lastLine time.Time
	lastSaved := r.st.Step
	if r.resumed == "" && r.st.Step == 0 {
		lastSaved = -1
	}
	r.lineStart = time.Now()
	for r.st.Step < t.Steps {
		if err := ctx.Err(); err != nil {
			if lastSaved != r.st.Step {
				if _, err := r.checkpoint(); err != nil {
					return nil, err
				}
			}
			return nil, fmt.Errorf("%w at step %d of %d (%v); run the same command again to resume", ErrInterrupted, r.st.Step, t.Steps, err)
		}
		batch := r.batchAt(r.st.Step, n, perEpoch)
		began := time.Now()
		loss, err := r.step(batch)
		if err != nil {
			return nil, err
		}
		r.st.Seconds += time.Since(began).Seconds()
		r.st.Step++
		done := r.st.Step
		ep := float64(done) / float64(perEpoch)
		if err := r.record(loss, batch.Tokens, ep); err != nil {
			return nil, err
		}
		if (done%t.EvalEvery == 0 || done == t.Steps) && heldSeqs > 0 {
			loss, acc, masked := r.heldOut(heldSeqs)
			res.HeldOut, res.Perplexity, res.Accuracy = loss, math.Exp(loss), acc
			if err := appendMetric(r.cfg.Out, Metric{Kind: KindHeldOut, Step: done, Epoch: ep, Loss: loss, Perplexity: math.Exp(loss), Accuracy: acc, Masked: masked, Seconds: r.st.Seconds}); err != nil {
				return nil, err
			}
			r.emit(Event{Kind: EventHeldOut, Step: done, Epoch: ep, Loss: loss, Perplexity: math.Exp(loss), Accuracy: acc})
		}
		if done%t.CheckpointEvery == 0 || done == t.Steps {
			path, err := r.checkpoint()
			if err != nil {
				return nil, err
			}
			lastSaved = done
			r.emit(Event{Kind: EventCheckpoint, Step: done, Epoch: ep, Path: path})
		}
		if now := time.Now(); now.Sub(lastEmit) > 100*time.Millisecond || done == t.Steps || r.opt.ProgressEvery <= 0 {
			pace := time.Since(sitting) / time.Duration(done-startStep)
			line := now.Sub(lastLine) >= r.opt.ProgressEvery
			if line {
				lastLine = now
			}
			lastEmit = now
			r.emit(Event{Kind: EventProgress, Step: done, Epoch: ep, Loss: loss, LR: r.st.Schedule.LR(),
				TokensPerSec: float64(r.st.Tokens) / math.Max(r.st.Seconds, 1e-9), ETA: pace * time.Duration(t.Steps-done), Line: line})
		}
	}
	res.Step, res.Seconds = r.st.Step, r.st.Seconds
	if math.IsNaN(res.HeldOut) {
		// A finished run called again: the curve has the last evaluation.
		if ms, err := ReadMetrics(r.cfg.Out); err == nil {
			for _, m := range ms {
				if m.Kind == KindHeldOut {
					res.HeldOut, res.Perplexity, res.Accuracy = m.Loss, m.Perplexity, m.Accuracy
				}
			}
		}
	}
	if lastSaved != r.st.Step {
		if _, err := r.checkpoint(); err != nil {
			return nil, err
		}
	}
	msg := fmt.Sprintf("finished %d steps in %s of training; the encoder is in %s", res.Step, time.Duration(res.Seconds*float64(time.Second)).Round(time.Second), res.Model)
	if !math.IsNaN(res.HeldOut) {
		msg += fmt.Sprintf(" (held-out loss %.4f, perplexity %.2f, top-1 accuracy %.1f%%)", res.HeldOut, res.Perplexity, 100*res.Accuracy)
	}
	r.emit(Event{Kind: EventDone, Step: res.Step, Message: msg, Path: res.Model})
	return res, nil
}

// batchAt is the batch of step: the step's share of its epoch's order of
// the n training sequences, masked from the step's random stream.
func (r *runner) batchAt(step, n, perEpoch int) *Batch {
	t := r.cfg.Train
	if e := step / perEpoch; e != r.epoch || r.order == nil {
		r.epoch, r.order = e, order(t.Seed, e, n)
	}
	b := step % perEpoch
	seqs := r.order[b*t.Batch : min((b+1)*t.Batch, n)]
	return r.masking.batch(&r.corpus.Train, seqs, t.SeqLen, streamRNG(t.Seed, purposeMask, step))
}

// record counts a step's loss and tokens and writes a metrics line every
// log_every steps (and at the last): the mean loss since the line before.
func (r *runner) record(loss float64, tokens int, epoch float64) error {
	t := r.cfg.Train
	r.st.LossSum += loss
	r.st.LossSteps++
	r.st.Tokens += int64(tokens)
	r.lineTokens += int64(tokens)
	if done := r.st.Step; done%t.LogEvery != 0 && done != t.Steps {
		return nil
	}
	secs := time.Since(r.lineStart).Seconds()
	m := Metric{Kind: KindTrain, Step: r.st.Step, Epoch: epoch, Loss: r.st.LossSum / float64(r.st.LossSteps),
		LR: r.st.Schedule.LR(), TokensPerSec: float64(r.lineTokens) / math.Max(secs, 1e-9), Seconds: r.st.Seconds}
	r.st.LossSum, r.st.LossSteps, r.lineTokens, r.lineStart = 0, 0, 0, time.Now()
	return appendMetric(r.cfg.Out, m)
}

// step trains one batch and returns its loss.
func (r *runner) step(b *Batch) (float64, error) {
	t := r.cfg.Train
	// Dropout's masks come from libtorch's generator: seeded from the
	// step, they are the same in a resumed run.
	torch.Seed(stepSeed(t.Seed, r.st.Step))
	ids := torch.MustFromInt64s(b.Input, []int64{int64(b.B), int64(b.T)}, r.device)
	mask := torch.MustFromInt64s(b.Attention, []int64{int64(b.B), int64(b.T)}, r.device)
	pos := torch.MustFromInt64s(b.Positions, []int64{int64(len(b.Positions))}, r.device)
	targets := torch.MustFromInt64s(b.Targets, []int64{int64(len(b.Targets))}, r.device)
	defer func() {
		for _, x := range []*ts.Tensor{ids, mask, pos, targets} {
			x.MustDrop()
		}
	}()
	loss := r.model.Loss(ids, mask, pos, targets, true)
	value := scalar(loss)
	if math.IsNaN(value) || math.IsInf(value, 0) {
		loss.MustDrop()
		return 0, fmt.Errorf("pretrain: the loss is %v at step %d; lower train.lr (now %g) or raise train.warmup", value, r.st.Step+1, t.LR)
	}
	loss.MustBackward()
	loss.MustDrop()
	if t.Clip > 0 {
		optim.ClipGradNorm(r.params, t.Clip)
	}
	if err := r.adamw.Step(r.st.Schedule.LR()); err != nil {
		return 0, err
	}
	r.st.Schedule.Advance()
	r.adamw.ZeroGrad()
	return value, nil
}

// heldOut is the mean masked-token loss on the first n held-out
// sequences, with the same masks at every evaluation so that the curve
// compares like with like, the fraction of masked tokens predicted right
// (top-1), and the number of tokens predicted.
func (r *runner) heldOut(n int) (loss, accuracy float64, masked int) {
	t := r.cfg.Train
	var sum float64
	correct := 0
	for i, k := 0, 0; i < n; i, k = i+t.Batch, k+1 {
		seqs := make([]int, 0, t.Batch)
		for j := i; j < min(i+t.Batch, n); j++ {
			seqs = append(seqs, j)
		}
		b := r.masking.batch(&r.corpus.HeldOut, seqs, t.SeqLen, streamRNG(t.Seed, purposeHeldOut, k))
		ids := torch.MustFromInt64s(b.Input, []int64{int64(b.B), int64(b.T)}, r.device)
		mask := torch.MustFromInt64s(b.Attention, []int64{int64(b.B), int64(b.T)}, r.device)
		pos := torch.MustFromInt64s(b.Positions, []int64{int64(len(b.Positions))}, r.device)
		targets := torch.MustFromInt64s(b.Targets, []int64{int64(len(b.Targets))}, r.device)
		s, c := r.model.Evaluate(ids, mask, pos, targets)
		sum, correct = sum+s, correct+c
		masked += len(b.Targets)
		for _, x := range []*ts.Tensor{ids, mask, pos, targets} {
			x.MustDrop()
		}
	}
	return sum / float64(max(masked, 1)), float64(correct) / float64(max(masked, 1)), masked
}

// checkpoint saves the run's position and renews the model folder.
func (r *runner) checkpoint() (string, error) {
	path, err := saveCheckpoint(r.cfg.Out, r.model, r.adamw, r.st)
	if err != nil {
		return "", err
	}
	return path, r.writeModel()
}

// writeModel writes the encoder in Hugging Face layout (the weights,
// config.json and the tokenizer's files) to the model folder, replacing
// the previous one only once the new one is complete.
func (r *runner) writeModel() error {
	final := filepath.Join(r.cfg.Out, ModelDir)
	tmp, err := os.MkdirTemp(r.cfg.Out, "."+ModelDir+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := r.model.Save(tmp); err != nil {
		return err
	}
	if err := r.tok.Save(tmp); err != nil {
		return err
	}
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

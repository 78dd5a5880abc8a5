// Package train runs training: flair's two recipes (SGD annealed on a dev
// plateau, AdamW with linear warmup and decay), gradient accumulation and
// clipping, per-group learning rates, evaluation every epoch, the best
// model by dev F1, a checkpoint every epoch and on interrupt, and resume
// that continues the same curve. A run lives in a folder: config copy,
// training.log, loss.tsv (flair's columns), metrics.jsonl, checkpoints,
// best and final model, test predictions.
package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/safefile"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
)

// ErrInterrupted is returned (wrapped) when the context is cancelled; the
// run folder then holds a checkpoint to resume from.
var ErrInterrupted = errors.New("training interrupted")

// Options are the run's non-experiment settings.
type Options struct {
	RunDir string      // the run folder; "" means TargetDir/Name
	Events func(Event) // nil: no events
	Log    io.Writer   // a copy of training.log's lines (nil: none)
	// Fresh allows reusing a run folder that already has files (they are
	// replaced); otherwise a non-empty folder is refused.
	Fresh bool
}

// Result summarises a finished run.
type Result struct {
	RunDir    string
	Epochs    int
	BestEpoch int
	BestDevF1 float64
	Test      *Evaluation // the final model's (best model's, when saved) test evaluation, nil without test data
	Stopped   string      // why training ended
}

// data is the loaded corpora as examples.
type data struct {
	train, dev, test []*tagger.Example
	trainTokens      int
}

// trainer is one run in progress.
type trainer struct {
	exp    *config.Experiment
	opts   Options
	dir    string
	tg     *tagger.Tagger
	opt    optim.Optimizer
	params []optim.Param
	st     *State
	data   *data
	log    *logger
	emit   func(Event)
}

// Train starts a new run of exp.
func Train(ctx context.Context, exp *config.Experiment, opts Options) (*Result, error) {
	// One OS thread for the whole run: libtorch's grad mode and its OpenMP
	// thread team are per thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := exp.Validate(); err != nil {
		return nil, err
	}
	dir := opts.RunDir
	if dir == "" {
		dir = filepath.Join(exp.TargetDir, exp.Name)
	}
	if pid, ok := Running(dir); ok {
		return nil, fmt.Errorf("run folder %s is being trained now (process %d); choose another with --out", dir, pid)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !opts.Fresh {
		return nil, fmt.Errorf("run folder %s already exists; resume it with `nerlab resume %s`, or choose another with --out", dir, dir)
	}
	if opts.Fresh {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	release, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	defer release()
	yaml, err := exp.Marshal()
	if err != nil {
		return nil, err
	}
	if err := safefile.WriteBytes(filepath.Join(dir, ConfigCopy), yaml); err != nil {
		return nil, err
	}
	tr, data, device, err := newTrainer(exp, opts, dir)
	if err != nil {
		return nil, err
	}
	defer tr.log.Close()
	torch.Seed(exp.Train.Seed)
	tg, info, err := tagger.Build(exp, data.train, data.dev, device)
	if err != nil {
		return nil, err
	}
	tr.tg = tg
	tr.log.Printf("model: %s", info)
	if err := tr.prepare(data); err != nil {
		return nil, err
	}
	tr.st = tr.freshState()
	return tr.run(ctx)
}

// Resume continues the run in dir from its latest checkpoint, with the
// experiment saved in its config.yaml.
func Resume(ctx context.Context, dir string, opts Options) (*Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := os.Stat(filepath.Join(dir, ConfigCopy)); err != nil {
		return nil, fmt.Errorf("%s: not a run folder (no %s)", dir, ConfigCopy)
	}
	release, err := lockRun(dir)
	if err != nil {
		return nil, err
	}
	defer release()
	exp, err := config.Load(filepath.Join(dir, ConfigCopy))
	if err != nil {
		return nil, err
	}
	ckpt, err := latestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	st, err := ReadState(filepath.Join(ckpt, stateFile))
	if err != nil {
		return nil, err
	}
	if st.Finished {
		return nil, fmt.Errorf("%s: the run already finished (%s); start a new one to train further", dir, st.StopReason)
	}
	tr, data, device, err := newTrainer(exp, opts, dir)
	if err != nil {
		return nil, err
	}
	defer tr.log.Close()
	tg, err := tagger.Load(ckpt, device)
	if err != nil {
		return nil, err
	}
	tr.tg = tg
	if err := tr.prepare(data); err != nil {
		return nil, err
	}
	if err := loadOptimizerState(ckpt, tr.opt, st); err != nil {
		return nil, err
	}
	tr.st = st
	if err := truncateAfter(dir, st.Epoch); err != nil {
		return nil, err
	}
	tr.log.Printf("resuming %s from %s (epoch %d, batch %d)", dir, filepath.Base(ckpt), st.Epoch+1, st.Batch)
	return tr.run(ctx)
}

// newTrainer opens the run's log, applies the experiment's device and
// thread settings and reads its data.
func newTrainer(exp *config.Experiment, opts Options, dir string) (*trainer, corpora, gotch.Device, error) {
	data, device, err := setup(exp)
	if err != nil {
		return nil, data, device, err
	}
	log, err := openLog(dir, opts.Log)
	if err != nil {
		return nil, data, device, err
	}
	emit := opts.Events
	if emit == nil {
		emit = func(Event) {}
	}
	return &trainer{exp: exp, opts: opts, dir: dir, log: log, emit: emit}, data, device, nil
}

// corpora are the experiment's data files as read.
type corpora struct{ train, dev, test []*corpus.Corpus }

// setup applies the experiment's device and thread settings and reads its
// data.
func setup(exp *config.Experiment) (corpora, gotch.Device, error) {
	device, err := torch.Device(exp.Train.Device)
	if err != nil {
		return corpora{}, device, err
	}
	torch.SetThreads(exp.Train.Threads)
	train, dev, test, err := readData(exp)
	return corpora{train, dev, test}, device, err
}

// readData reads the experiment's corpora (context views are read the same
// way: X-tagged tokens are context).
func readData(exp *config.Experiment) (train, dev, test []*corpus.Corpus, err error) {
	cols, err := exp.Data.ColumnMap()
	if err != nil {
		return nil, nil, nil, err
	}
	read := func(path string) (*corpus.Corpus, error) {
		return corpus.ReadFile(path, corpus.ReadOptions{Columns: cols})
	}
	add := func(dst *[]*corpus.Corpus, path string) error {
		if path == "" {
			return nil
		}
		c, err := read(path)
		if err != nil {
			return err
		}
		*dst = append(*dst, c)
		return nil
	}
	if err := add(&train, exp.Data.Train); err != nil {
		return nil, nil, nil, err
	}
	if err := add(&dev, exp.Data.Dev); err != nil {
		return nil, nil, nil, err
	}
	if err := add(&test, exp.Data.Test); err != nil {
		return nil, nil, nil, err
	}
	if exp.Train.TrainWithDev {
		train = append(train, dev...)
		dev = nil
	}
	return train, dev, test, nil
}

// prepare turns corpora into examples and builds the optimizer.
func (tr *trainer) prepare(c corpora) error {
	d := &data{}
	conv := func(cs []*corpus.Corpus) ([]*tagger.Example, error) {
		var out []*tagger.Example
		for _, c := range cs {
			ex, err := tr.tg.Examples(c)
			if err != nil {
				return nil, err
			}
			out = append(out, ex...)
		}
		return out, nil
	}
	var err error
	if d.train, err = conv(c.train); err != nil {
		return err
	}
	if d.dev, err = conv(c.dev); err != nil {
		return err
	}
	if d.test, err = conv(c.test); err != nil {
		return err
	}
	if len(d.train) == 0 {
		return fmt.Errorf("%s: no training sentences", tr.exp.Data.Train)
	}
	for _, e := range d.train {
		d.trainTokens += len(e.Tokens)
	}
	tr.data = d

	// Parameter groups: the CRF transitions may train with a multiplied LR.
	named := tr.tg.Params()
	names := make([]string, 0, len(named))
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	t := tr.exp.Train
	wd := 0.0
	if t.Optimizer == "adamw" {
		wd = t.WeightDecay
	}
	body := optim.Group{Name: "model", LRScale: 1, WeightDecay: wd}
	crfGroup := optim.Group{Name: "crf", LRScale: cmp.Or(t.CRFLRMultiplier, 1), WeightDecay: wd}
	for _, n := range names {
		p := optim.Param{Name: n, Tensor: named[n]}
		if n == tagger.TransitionsName {
			crfGroup.Params = append(crfGroup.Params, p)
		} else {
			body.Params = append(body.Params, p)
		}
		tr.params = append(tr.params, p)
	}
	groups := []optim.Group{body}
	if len(crfGroup.Params) > 0 {
		groups = append(groups, crfGroup)
	}
	switch t.Optimizer {
	case "sgd":
		tr.opt = optim.NewSGD(groups, t.Momentum, false)
	case "adamw":
		tr.opt = optim.NewAdamW(groups, 0.9, 0.999, 1e-8)
	default:
		return fmt.Errorf("train.optimizer %q; expected sgd or adamw", t.Optimizer)
	}
	tr.log.Printf("data: %d training sentences (%d tokens), %d dev, %d test", len(d.train), d.trainTokens, len(d.dev), len(d.test))
	return nil
}

func (tr *trainer) batchesPerEpoch() int {
	b := max(tr.exp.Train.MiniBatchSize, 1)
	return (len(tr.data.train) + b - 1) / b
}

func (tr *trainer) freshState() *State {
	t := tr.exp.Train
	st := &State{Format: stateFormat, Seed: t.Seed} // BestScore counts once BestEpoch > 0
	if t.Optimizer == "adamw" {
		steps := t.MaxEpochs * ((tr.batchesPerEpoch() + max(t.Accumulate, 1) - 1) / max(t.Accumulate, 1))
		st.Warmup = &optim.LinearWarmupDecay{Peak: t.LearningRate, Warmup: int(float64(steps) * t.WarmupFraction), Total: steps}
	} else {
		st.Anneal = optim.NewAnnealOnPlateau(t.LearningRate, t.AnnealFactor, t.Patience, t.MinLearningRate)
	}
	return st
}

// lr is the learning rate of the next optimizer step.
func (tr *trainer) lr() float64 {
	if tr.st.Warmup != nil {
		return tr.st.Warmup.LR()
	}
	return tr.st.Anneal.LR
}

// epochBatches is the batch order of an epoch, a function of the seed and
// the epoch alone so that a resumed run sees the same batches.
func (tr *trainer) epochBatches(epoch int) [][]int {
	t := tr.exp.Train
	n := len(tr.data.train)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rng := rand.New(rand.NewPCG(uint64(t.Seed), uint64(epoch)))
	if t.Shuffle {
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	if t.SortByLength {
		// Shuffled, then stably sorted: equal lengths stay shuffled.
		slices.SortStableFunc(idx, func(a, b int) int {
			return cmp.Compare(len(tr.data.train[a].Tokens), len(tr.data.train[b].Tokens))
		})
	}
	size := max(t.MiniBatchSize, 1)
	var batches [][]int
	for s := 0; s < n; s += size {
		batches = append(batches, idx[s:min(s+size, n)])
	}
	if t.SortByLength && t.Shuffle {
		rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	}
	return batches
}

// batchSeed derives the libtorch seed of one batch.
func batchSeed(seed int64, epoch, batch int) int64 {
	x := uint64(seed)*0x9E3779B97F4A7C15 ^ uint64(epoch)<<32 ^ uint64(batch)
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return int64(x >> 1)
}

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
	"strings"
	"time"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/runs"
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
	// replaced); otherwise a non-empty folder is refused, unless it is a
	// run that stopped before its first checkpoint.
	Fresh bool
	// Checkpoint is the checkpoint Resume continues from: a folder name in
	// the run's checkpoints (epoch-003) or its path. "" means the newest
	// that loads.
	Checkpoint string
	// ProgressEvery is the longest time between progress lines in
	// training.log (a line is also written at every tenth of an epoch);
	// 0 means 30 seconds.
	ProgressEvery time.Duration
}

// Result summarises a finished run.
type Result struct {
	RunDir    string
	Epochs    int
	BestEpoch int
	BestDevF1 float64 // NaN without dev data: the best epoch is then the one of the lowest training loss
	// Tests are the final model's (best model's, when saved) test
	// evaluations, one per view in the run's order; none without test
	// data.
	Tests []ViewEvaluation
	// SelectView is the view whose dev F1 picked the best epoch (runs of
	// several views with dev data only).
	SelectView string
	Stopped    string // why training ended
}

// ViewEvaluation is an evaluation of one view.
type ViewEvaluation struct {
	View string
	*Evaluation
}

// Test is the test evaluation of the run's first view, nil without test
// data.
func (r *Result) Test() *Evaluation {
	if len(r.Tests) == 0 {
		return nil
	}
	return r.Tests[0].Evaluation
}

// view is one of a run's views of its sentences: plain, or context (each
// sentence with <EOS> and its retrieved context). The views of a run hold
// the same sentences in the same order.
type view struct {
	name             string
	train, dev, test []Example
}

// data is the run's views as the model's examples.
type data struct {
	views       []view
	trainTokens int
}

// first is the run's first view, whose scores are the run's: plain, or
// context for a one-view run on context views.
func (d *data) first() *view { return &d.views[0] }

// trainer is one run in progress.
type trainer struct {
	exp       *config.Experiment
	opts      Options
	dir       string
	builder   Builder
	objective Objective
	model     Model
	opt       optim.Optimizer
	params    []optim.Param
	st        *State
	data      *data
	log       *logger
	emit      func(Event)
	// note is said when the run starts: how resume found the folder
	// (checkpoints skipped or removed, a start from the beginning).
	note string
}

// Train starts a new run of exp with the model and objective recipes picks
// for it.
func Train(ctx context.Context, exp *config.Experiment, recipes Recipes, opts Options) (*Result, error) {
	// One OS thread for the whole run: libtorch's grad mode and its OpenMP
	// thread team are per thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := exp.Validate(); err != nil {
		return nil, err
	}
	recipe, err := pick(recipes, exp)
	if err != nil {
		return nil, err
	}
	dir := opts.RunDir
	if dir == "" {
		dir = filepath.Join(exp.TargetDir, exp.Name)
	}
	if pid, ok := runs.Running(dir); ok {
		return nil, fmt.Errorf("run folder %s is being trained now (process %d); choose another with --out", dir, pid)
	}
	// A folder that stopped before its first checkpoint may be started
	// again: it holds nothing a user would miss.
	restart := !opts.Fresh && restartable(dir)
	if entries, err := os.ReadDir(dir); err == nil && !nothingToKeep(entries) && !opts.Fresh && !restart {
		if !IsRun(dir) {
			return nil, fmt.Errorf("%s already exists and is not a run folder nerlab made (no %s); choose another with --out", dir, runs.Marker)
		}
		return nil, fmt.Errorf("run folder %s already exists; resume it with %s, replace it with --fresh, or choose another with --out", dir, hint.Command("resume "+dir))
	}
	// The data are read before the folder is touched, so that a missing
	// or broken data file leaves no folder behind (and --fresh does not
	// remove a run for a config that cannot train).
	data, device, err := setup(exp)
	if err != nil {
		return nil, err
	}
	var keptCharts []string
	if opts.Fresh {
		if keptCharts, err = checkFresh(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	release, err := runs.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer release()
	if opts.Fresh {
		// Emptied under the lock, after checking again: another process
		// may have started in the folder since the first look.
		if keptCharts, err = checkFresh(dir); err != nil {
			return nil, err
		}
		if err := clearForFresh(dir); err != nil {
			return nil, err
		}
	}
	if !opts.Fresh && !restart {
		// A start killed before its marker was in place left at most
		// the lock and temporary files; under the lock, they go (and a
		// folder another process filled since the first look is kept).
		if entries, err := os.ReadDir(dir); err != nil || !nothingToKeep(entries) {
			return nil, fmt.Errorf("%s already exists and is not a run folder nerlab made (no %s); choose another with --out", dir, runs.Marker)
		}
		if _, err := cleanTemp(dir); err != nil {
			return nil, err
		}
	}
	if restart {
		// Under the lock: a process that took the folder meanwhile has
		// made it a run to keep.
		if !restartable(dir) {
			return nil, fmt.Errorf("run folder %s already exists; resume it with %s, or choose another with --out", dir, hint.Command("resume "+dir))
		}
		if _, err := cleanTemp(dir); err != nil {
			return nil, err
		}
		if err := restartRecords(dir); err != nil {
			return nil, err
		}
	}
	// The marker first: the folder is recognisably nerlab's (IsRun,
	// restartable) from the first file on.
	if err := writeRunMarker(dir); err != nil {
		return nil, err
	}
	tr, err := openTrainer(exp, recipe, opts, dir)
	if err != nil {
		return nil, err
	}
	defer tr.log.Close()
	if restart {
		tr.log.Printf("starting %s again: it stopped before its first checkpoint", dir)
	}
	yaml, err := exp.Marshal()
	if err != nil {
		return nil, err
	}
	if err := safefile.WriteBytes(filepath.Join(dir, runs.ConfigCopy), yaml); err != nil {
		return nil, err
	}
	if len(keptCharts) > 0 {
		// Said where the start is shown, not only in the log: the charts
		// are the old run's until plot draws them again.
		tr.note = fmt.Sprintf("--fresh kept %s (charts are not training's to remove; they show the old run until plotted again)", listSome(keptCharts))
		tr.log.Printf("%s", tr.note)
	}
	return tr.start(ctx, data, device)
}

// start builds the model (or loads train.init_from) and trains from the
// first epoch.
func (tr *trainer) start(ctx context.Context, data corpora, device gotch.Device) (*Result, error) {
	torch.Seed(tr.exp.Train.Seed)
	// The vocabulary covers every view's words.
	var train []*corpus.Corpus
	for _, v := range data.views {
		train = append(train, v.train...)
	}
	model, info, err := tr.builder.New(tr.exp, train, data.views[0].dev, device)
	if err != nil {
		return nil, err
	}
	tr.model = model
	tr.log.Printf("model: %s", info)
	if err := tr.prepare(data); err != nil {
		return nil, err
	}
	tr.st = tr.freshState()
	return tr.run(ctx)
}

// Resume continues the run in dir from its newest checkpoint that loads
// (or opts.Checkpoint), with the experiment saved in its config.yaml and
// the recipe recipes picks for it. Checkpoints that do not load are
// skipped, and said so; a run without any checkpoint starts again from the
// beginning.
func Resume(ctx context.Context, dir string, recipes Recipes, opts Options) (*Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := os.Stat(filepath.Join(dir, runs.ConfigCopy)); err != nil || !IsRun(dir) {
		return nil, fmt.Errorf("%s: not a run folder nerlab made (it needs %s and %s, or a checkpoint)", dir, runs.ConfigCopy, runs.Marker)
	}
	release, err := runs.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer release()
	exp, err := config.Load(filepath.Join(dir, runs.ConfigCopy))
	if err != nil {
		return nil, err
	}
	removed, err := cleanTemp(dir)
	if err != nil {
		return nil, err
	}
	all, err := listCheckpoints(dir)
	if err != nil {
		return nil, err
	}
	tries := all
	if opts.Checkpoint != "" {
		c, err := findCheckpoint(dir, opts.Checkpoint, all)
		if err != nil {
			return nil, err
		}
		tries = []checkpoint{c}
	}
	// Finished means finish wrote the results; a checkpoint marked
	// finished by annealing before a kill still has finish to run.
	if len(tries) > 0 && tries[0].st != nil && tries[0].st.Finished && exists(filepath.Join(dir, runs.ResultsFile)) {
		return nil, fmt.Errorf("%s: the run already finished (%s); start a new one to train further", dir, tries[0].st.StopReason)
	}
	recipe, err := pick(recipes, exp)
	if err != nil {
		return nil, err
	}
	tr, data, device, err := newTrainer(exp, recipe, opts, dir)
	if err != nil {
		return nil, err
	}
	defer tr.log.Close()
	if len(removed) > 0 {
		tr.log.Printf("removed %s, left by a run that was killed while writing", strings.Join(removed, ", "))
	}
	if len(all) == 0 {
		// Killed (or failed) before its first checkpoint: the
		// experiment is deterministic, so starting again gives the
		// curve it would have had (IsRun above: the curve files are
		// nerlab's to replace).
		if err := restartRecords(dir); err != nil {
			return nil, err
		}
		tr.note = fmt.Sprintf("%s has no checkpoint (it stopped before its first one); starting it from the beginning", dir)
		tr.log.Printf("%s", tr.note)
		return tr.start(ctx, data, device)
	}
	from, skipped, err := tr.restore(tries, data, device)
	if err != nil {
		return nil, err
	}
	dropped, err := dropLaterCheckpoints(all, from, skipped)
	if err != nil {
		return nil, err
	}
	if err := pointLatest(dir, from); err != nil {
		return nil, err
	}
	if err := truncateAfter(dir, from.st.Epoch); err != nil {
		return nil, err
	}
	notes := resumeNotes(dir, from, skipped, dropped)
	rewound, err := tr.rewindOutputs(from, all)
	if err != nil {
		return nil, err
	}
	notes = append(notes, rewound...)
	for _, n := range notes {
		tr.log.Printf("%s", n)
	}
	tr.note = strings.Join(notes, "\n")
	return tr.run(ctx)
}

// resumeNotes say what resume found and did: the checkpoints it skipped,
// those it removed, and where it continues.
func resumeNotes(dir string, from checkpoint, skipped []checkpoint, dropped []string) []string {
	var notes []string
	for _, s := range skipped {
		notes = append(notes, fmt.Sprintf("skipping checkpoint %s: %v", s.name, s.err))
	}
	if len(dropped) > 0 {
		notes = append(notes, fmt.Sprintf("removed checkpoints %s: they come after %s, and this resume trains that stretch again", strings.Join(dropped, ", "), from.name))
	}
	return append(notes, fmt.Sprintf("resuming %s from %s (epoch %d, batch %d)", dir, from.name, from.st.Epoch+1, from.st.Batch))
}

// restore loads the first of tries that loads completely (trainer state,
// model, optimizer) into tr, and returns it with the ones that did not.
// Only when none loads is it an error.
func (tr *trainer) restore(tries []checkpoint, data corpora, device gotch.Device) (checkpoint, []checkpoint, error) {
	var skipped []checkpoint
	for _, c := range tries {
		if c.err == nil {
			c.err = tr.load(c, data, device)
		}
		if c.err == nil {
			return c, skipped, nil
		}
		skipped = append(skipped, c)
	}
	if tr.opts.Checkpoint != "" {
		return checkpoint{}, nil, fmt.Errorf("checkpoint %s does not load: %w", skipped[0].name, skipped[0].err)
	}
	var why []string
	for _, s := range skipped {
		why = append(why, fmt.Sprintf("%s: %v", s.name, s.err))
	}
	return checkpoint{}, nil, fmt.Errorf("%s: none of its checkpoints loads (%s); train it again from its config into another folder: %s", tr.dir, strings.Join(why, "; "), hint.Command("train "+filepath.Join(tr.dir, runs.ConfigCopy)+" --out NEW_RUN"))
}

// load makes c the trainer's model, optimizer and state.
func (tr *trainer) load(c checkpoint, data corpora, device gotch.Device) error {
	model, err := tr.builder.Load(c.dir, device)
	if err != nil {
		return err
	}
	tr.model = model
	if err := tr.prepare(data); err != nil {
		return err
	}
	if err := loadOptimizerState(c.dir, tr.opt, c.st); err != nil {
		return err
	}
	tr.st = c.st
	return nil
}

// pick is the recipe recipes gives exp, checked before anything is
// written.
func pick(recipes Recipes, exp *config.Experiment) (Recipe, error) {
	if recipes == nil {
		return Recipe{}, fmt.Errorf("train %s: no recipes to make its model (nerlab's are models.Recipe)", exp.Name)
	}
	r, err := recipes(exp)
	if err == nil && r.Model == nil {
		err = fmt.Errorf("train %s: the recipe has no model builder", exp.Name)
	}
	return r, err
}

// newTrainer opens the run's log, applies the experiment's device and
// thread settings and reads its data.
func newTrainer(exp *config.Experiment, recipe Recipe, opts Options, dir string) (*trainer, corpora, gotch.Device, error) {
	data, device, err := setup(exp)
	if err != nil {
		return nil, data, device, err
	}
	tr, err := openTrainer(exp, recipe, opts, dir)
	return tr, data, device, err
}

// openTrainer opens the run's log.
func openTrainer(exp *config.Experiment, recipe Recipe, opts Options, dir string) (*trainer, error) {
	log, err := openLog(dir, opts.Log)
	if err != nil {
		return nil, err
	}
	emit := opts.Events
	if emit == nil {
		emit = func(Event) {}
	}
	objective := recipe.Objective
	if objective == nil {
		objective = NLL{}
	}
	return &trainer{exp: exp, opts: opts, dir: dir, builder: recipe.Model, objective: objective, log: log, emit: emit}, nil
}

// corpora are the experiment's data files as read, by view: the first
// view is data's, a second one (context) data.context's, paired one to
// one with the first.
type corpora struct{ views []viewCorpora }

// viewCorpora are one view's splits.
type viewCorpora struct {
	name             string
	train, dev, test []*corpus.Corpus
}

// setup applies the experiment's device and thread settings and reads its
// data.
func setup(exp *config.Experiment) (corpora, gotch.Device, error) {
	device, err := torch.Device(exp.Train.Device)
	if err != nil {
		return corpora{}, device, err
	}
	torch.SetThreads(exp.Train.Threads)
	c, err := readData(exp)
	return c, device, err
}

// readData reads the experiment's views: data's files (a one-view run on
// context views, whose X-tagged tokens are context, is the context view),
// and with data.context a second view of each split, checked sentence for
// sentence against the first.
func readData(exp *config.Experiment) (corpora, error) {
	var c corpora
	first := viewCorpora{name: runs.Plain}
	var err error
	if first.train, first.dev, first.test, err = readSplits(&exp.Data); err != nil {
		return c, err
	}
	c.views = append(c.views, first)
	if exp.Data.Context != nil {
		second := viewCorpora{name: runs.Context}
		if second.train, second.dev, second.test, err = readSplits(exp.Data.Context); err != nil {
			return c, err
		}
		for _, p := range []struct {
			name        string
			plain, view []*corpus.Corpus
		}{{"train", first.train, second.train}, {"dev", first.dev, second.dev}, {"test", first.test, second.test}} {
			if len(p.plain) != len(p.view) {
				return c, fmt.Errorf("data.%s and data.context.%s: one is set and the other is not; the context view needs every split the plain view has", p.name, p.name)
			}
			for i := range p.plain {
				if err := corpus.Pair(p.plain[i], p.view[i]); err != nil {
					return c, fmt.Errorf("data.context.%s is not the context view of data.%s: %w", p.name, p.name, err)
				}
			}
		}
		c.views = append(c.views, second)
	} else if slices.ContainsFunc(first.train, (*corpus.Corpus).HasContext) {
		// A one-view run on context views is scored as the context view.
		c.views[0].name = runs.Context
	}
	if exp.Train.TrainWithDev {
		for i := range c.views {
			v := &c.views[i]
			v.train, v.dev = append(v.train, v.dev...), nil
		}
	}
	return c, nil
}

// readSplits reads the files of one view; a split without a file is nil.
func readSplits(d *config.Data) (train, dev, test []*corpus.Corpus, err error) {
	cols, err := d.ColumnMap()
	if err != nil {
		return nil, nil, nil, err
	}
	read := func(path string) ([]*corpus.Corpus, error) {
		if path == "" {
			return nil, nil
		}
		c, err := corpus.ReadFile(path, corpus.ReadOptions{Columns: cols})
		if err != nil {
			return nil, err
		}
		return []*corpus.Corpus{c}, nil
	}
	if train, err = read(d.Train); err != nil {
		return nil, nil, nil, err
	}
	if dev, err = read(d.Dev); err != nil {
		return nil, nil, nil, err
	}
	test, err = read(d.Test)
	return train, dev, test, err
}

// prepare turns corpora into examples and builds the optimizer.
func (tr *trainer) prepare(c corpora) error {
	d := &data{}
	conv := func(cs []*corpus.Corpus) ([]Example, error) {
		var out []Example
		for _, c := range cs {
			ex, err := tr.model.Examples(c)
			if err != nil {
				return nil, err
			}
			out = append(out, ex...)
		}
		return out, nil
	}
	for _, vc := range c.views {
		v := view{name: vc.name}
		var err error
		if v.train, err = conv(vc.train); err != nil {
			return err
		}
		if v.dev, err = conv(vc.dev); err != nil {
			return err
		}
		if v.test, err = conv(vc.test); err != nil {
			return err
		}
		for _, e := range v.train {
			d.trainTokens += e.Len()
		}
		d.views = append(d.views, v)
	}
	first := d.first()
	if len(first.train) == 0 {
		return fmt.Errorf("%s: no training sentences", tr.exp.Data.Train)
	}
	tr.data = d
	if c, ok := tr.objective.(Checker); ok {
		if err := c.Check(tr.model); err != nil {
			return err
		}
	}
	if err := tr.buildOptimizer(); err != nil {
		return err
	}
	if len(d.views) > 1 {
		var names []string
		for _, v := range d.views {
			names = append(names, v.name)
		}
		tr.log.Printf("data: %d training sentences in %s views (%d tokens; %s), %d dev, %d test", len(first.train), viewCount(len(d.views)), d.trainTokens, tr.objective, len(first.dev), len(first.test))
	} else {
		tr.log.Printf("data: %d training sentences (%d tokens), %d dev, %d test", len(first.train), d.trainTokens, len(first.dev), len(first.test))
	}
	if len(first.dev) == 0 {
		tr.log.Printf("no dev data: the best model is the epoch with the lowest training loss (as flair does), and no dev F1 is reported")
	}
	return nil
}

// viewCount spells small counts of views as the log has always said them.
func viewCount(n int) string {
	if n == 2 {
		return "two"
	}
	return fmt.Sprint(n)
}

// buildOptimizer makes the optimizer over the model's parameters, grouped
// by the first segment of their names: a group with a learning-rate
// multiplier (train.lr_multipliers, or train.crf_lr_multiplier for crf)
// trains at its own rate, the rest form the group "model".
func (tr *trainer) buildOptimizer() error {
	named := tr.model.Parameters()
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
	multipliers := t.GroupLRMultipliers()
	body := optim.Group{Name: "model", LRScale: 1, WeightDecay: wd}
	byName := map[string]*optim.Group{}
	var own []string
	tr.params = nil
	for _, n := range names {
		p := optim.Param{Name: n, Tensor: named[n]}
		tr.params = append(tr.params, p)
		prefix, _, _ := strings.Cut(n, ".")
		scale, ok := multipliers[prefix]
		if !ok {
			body.Params = append(body.Params, p)
			continue
		}
		g := byName[prefix]
		if g == nil {
			g = &optim.Group{Name: prefix, LRScale: scale, WeightDecay: wd}
			byName[prefix] = g
			own = append(own, prefix)
		}
		g.Params = append(g.Params, p)
	}
	groups := []optim.Group{body}
	for _, prefix := range own {
		groups = append(groups, *byName[prefix])
	}
	switch t.Optimizer {
	case "sgd":
		tr.opt = optim.NewSGD(groups, t.Momentum, false)
	case "adamw":
		tr.opt = optim.NewAdamW(groups, 0.9, 0.999, 1e-8)
	default:
		return fmt.Errorf("train.optimizer %q; expected sgd or adamw", t.Optimizer)
	}
	return nil
}

func (tr *trainer) batchesPerEpoch() int {
	b := max(tr.exp.Train.MiniBatchSize, 1)
	n := (len(tr.data.first().train) + b - 1) / b
	return n * len(tr.data.views)
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

// batch is a training batch: sentence ids into one view's training
// examples.
type batch struct {
	view int
	ids  []int
}

// epochBatches is the batch order of an epoch, a function of the seed and
// the epoch alone so that a resumed run sees the same batches. Each batch
// holds one view; with several views, their batches are interleaved at
// random.
func (tr *trainer) epochBatches(epoch int) []batch {
	t := tr.exp.Train
	rng := rand.New(rand.NewPCG(uint64(t.Seed), uint64(epoch)))
	var batches []batch
	for v := range tr.data.views {
		batches = append(batches, tr.viewBatches(rng, v)...)
	}
	if len(tr.data.views) > 1 {
		rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	}
	return batches
}

// viewBatches cuts one view's training examples into batches.
func (tr *trainer) viewBatches(rng *rand.Rand, v int) []batch {
	t := tr.exp.Train
	examples := tr.data.views[v].train
	n := len(examples)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if t.Shuffle {
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	if t.SortByLength {
		// Shuffled, then stably sorted: equal lengths stay shuffled.
		slices.SortStableFunc(idx, func(a, b int) int {
			return cmp.Compare(examples[a].Len(), examples[b].Len())
		})
	}
	size := max(t.MiniBatchSize, 1)
	var batches []batch
	for s := 0; s < n; s += size {
		batches = append(batches, batch{view: v, ids: idx[s:min(s+size, n)]})
	}
	if t.SortByLength && t.Shuffle {
		rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	}
	return batches
}

// objectiveBatch is b as the objective sees it: its sentences in every
// view.
func (tr *trainer) objectiveBatch(b batch) Batch {
	out := Batch{View: b.view, Sets: make([][]Example, len(tr.data.views)), Views: make([]string, len(tr.data.views))}
	for v, view := range tr.data.views {
		out.Views[v] = view.name
		set := make([]Example, len(b.ids))
		for i, id := range b.ids {
			set[i] = view.train[id]
		}
		out.Sets[v] = set
	}
	return out
}

func batchSeed(seed int64, epoch, batch int) int64 {
	x := uint64(seed)*0x9E3779B97F4A7C15 ^ uint64(epoch)<<32 ^ uint64(batch)
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return int64(x >> 1)
}

// rewindOutputs takes back what the run wrote after the checkpoint it
// resumes from. The finish's outputs (results.json, the test predictions,
// final-model) are written again when the run ends; left in place, an
// interrupted resume would show the old finish as the run's. best-model
// stays unless a later checkpoint (all holds them, dropped ones too) says
// a later epoch replaced it, or cannot say: then it is saved anew from
// the checkpoint when that is the best epoch's end, and removed otherwise
// (the next epoch that beats the best dev score saves it; else the test
// uses the final model, and says so). It returns what it did, for the log.
func (tr *trainer) rewindOutputs(from checkpoint, all []checkpoint) ([]string, error) {
	var notes, removed []string
	names := []string{runs.ResultsFile, runs.FinalModelDir}
	for i, v := range tr.data.views {
		names = append(names, predFile(i, v.name))
	}
	for _, name := range names {
		path := filepath.Join(tr.dir, name)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
		removed = append(removed, name)
	}
	if len(removed) > 0 {
		notes = append(notes, fmt.Sprintf("removed %s: the run finishes again", strings.Join(removed, ", ")))
	}
	stale := false
	for _, c := range all {
		later := c.dir != from.dir && (c.st == nil || c.st.Epoch > from.st.Epoch || c.st.Epoch == from.st.Epoch && c.st.Batch > from.st.Batch)
		if later && (c.st == nil || c.st.BestEpoch > from.st.Epoch) {
			stale = true // a later best epoch, or a state that cannot tell
		}
	}
	if !stale || !exists(filepath.Join(tr.dir, runs.BestModelDir)) {
		return notes, nil
	}
	if from.st.Batch == 0 && from.st.BestEpoch == from.st.Epoch {
		if err := tr.saveModel(runs.BestModelDir); err != nil {
			return nil, err
		}
		return append(notes, fmt.Sprintf("best-model saved again from %s (epoch %d, the best so far)", from.name, from.st.Epoch)), nil
	}
	if err := os.RemoveAll(filepath.Join(tr.dir, runs.BestModelDir)); err != nil {
		return nil, err
	}
	return append(notes, fmt.Sprintf("removed best-model: it came from an epoch after %s; the next epoch that beats epoch %d's dev score saves it", from.name, from.st.BestEpoch)), nil
}

package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/torch"
)

// run trains from tr.st to the end: the epochs left, then the final model
// and test evaluation.
func (tr *trainer) run(ctx context.Context) (*Result, error) {
	t := tr.exp.Train
	// The optimizer's state is not needed once the run ends; free it now
	// rather than when Go's finalizers get to it (see optim.Release).
	defer tr.opt.Release()
	msg := fmt.Sprintf("training %s → %s (%d sentences, %d batches per epoch)", tr.exp.Name, tr.dir, len(tr.data.first().train), tr.batchesPerEpoch())
	if tr.note != "" {
		msg = tr.note + "\n" + msg
	}
	tr.emit(Event{Kind: EventStart, Epoch: tr.st.Epoch, MaxEpochs: t.MaxEpochs, Path: tr.dir, Message: msg})
	tr.log.Printf("recipe: %s lr %g, batch %d, max epochs %d, seed %d", t.Optimizer, t.LearningRate, t.MiniBatchSize, t.MaxEpochs, t.Seed)
	// A checkpoint may already be finished (annealing stopped the run)
	// when a run killed before finish is resumed: then only finish is left.
	for !tr.st.Finished && tr.st.Epoch < t.MaxEpochs {
		if err := tr.epoch(ctx); err != nil {
			return nil, err
		}
		if tr.st.Finished {
			break
		}
	}
	if !tr.st.Finished {
		tr.st.Finished, tr.st.StopReason = true, fmt.Sprintf("reached max_epochs %d", t.MaxEpochs)
	}
	return tr.finish()
}

// epoch trains one epoch (or the rest of one, after resuming mid-way),
// evaluates every view, keeps the best model, and checkpoints.
func (tr *trainer) epoch(ctx context.Context) error {
	epoch := tr.st.Epoch + 1
	row, err := tr.trainEpoch(ctx, epoch)
	if err != nil {
		return err
	}
	if err := tr.evaluateViews(epoch, &row); err != nil {
		return err
	}
	if err := tr.keepBest(epoch, &row); err != nil {
		return err
	}
	return tr.endEpoch(epoch, row)
}

// trainEpoch trains the epoch's batches from st.Batch on and returns the
// epoch's training record.
func (tr *trainer) trainEpoch(ctx context.Context, epoch int) (epochRow, error) {
	t := tr.exp.Train
	st := tr.st
	batches := tr.epochBatches(epoch)
	accum := max(t.Accumulate, 1)
	clock := epochClock{started: time.Now(), before: st.EpochSeconds}
	clock.lastLine = clock.started
	tr.opt.ZeroGrad()
	// The partial-epoch sums as of the last optimizer step: an interrupt
	// inside an accumulation window rewinds to them, since the window's
	// batches will be trained again on resume.
	atStep := partial{st.EpochLoss, st.EpochBatches, st.EpochTokens, st.Batch}
	for bi := st.Batch; bi < len(batches); bi++ {
		if err := ctx.Err(); err != nil {
			return epochRow{}, tr.interrupt(atStep, clock.seconds(time.Now()))
		}
		torch.Seed(batchSeed(st.Seed, epoch, bi))
		b := tr.objectiveBatch(batches[bi])
		tokens := 0
		for _, e := range b.Examples() {
			tokens += e.Len()
		}
		value, err := tr.backward(b, accum)
		if err != nil {
			return epochRow{}, err
		}
		if math.IsNaN(value) || math.IsInf(value, 0) {
			return epochRow{}, tr.diverged(epoch, bi, fmt.Sprintf("the loss is %v", value))
		}
		st.EpochLoss += value
		st.EpochBatches++
		st.EpochTokens += tokens
		if (bi+1)%accum == 0 || bi == len(batches)-1 {
			if err := tr.step(epoch, bi); err != nil {
				return epochRow{}, err
			}
			atStep = partial{st.EpochLoss, st.EpochBatches, st.EpochTokens, bi + 1}
		}
		st.Batch = bi + 1
		tr.progress(&clock, epoch, bi, len(batches))
	}
	seconds := clock.seconds(time.Now())
	row := epochRow{Epoch: epoch, Time: time.Now(), LR: tr.epochLR(), Seconds: seconds,
		TrainLoss: st.EpochLoss / math.Max(float64(st.EpochBatches), 1), TokensSec: float64(st.EpochTokens) / math.Max(seconds, 1e-9)}
	tr.emit(Event{Kind: EventEpoch, Epoch: epoch, MaxEpochs: t.MaxEpochs, Loss: row.TrainLoss, LR: row.LR,
		TokensPerSec: row.TokensSec, Seconds: seconds})
	tr.log.Printf("epoch %d: train loss %.5f, lr %.6g, %.1fs, %.0f tokens/s", epoch, row.TrainLoss, row.LR, seconds, row.TokensSec)
	return row, nil
}

// step clips the accumulated gradients, checks them, and takes an
// optimizer step at the schedule's rate.
func (tr *trainer) step(epoch, bi int) error {
	st := tr.st
	if clip := tr.exp.Train.ClipNorm; clip > 0 {
		optim.ClipGradNorm(tr.params, clip)
	}
	if !optim.GradsFinite(tr.params) {
		return tr.diverged(epoch, bi, "a gradient is NaN or infinite")
	}
	if err := tr.opt.Step(tr.lr()); err != nil {
		return err
	}
	tr.opt.ZeroGrad()
	st.Steps++
	if st.Warmup != nil {
		st.Warmup.Advance()
	}
	return nil
}

// epochClock times an epoch that may have begun in an earlier process.
type epochClock struct {
	started             time.Time
	before              float64 // seconds trained before this process took over
	lastEvent, lastLine time.Time
}

func (c *epochClock) seconds(now time.Time) float64 { return c.before + now.Sub(c.started).Seconds() }

// progress emits a progress event after batch bi (a few per second at
// most), and a progress line for the log and the printer off a terminal,
// where nothing is redrawn: at least every ProgressEvery, and at a tenth
// of the epoch once a third of that has passed. Long epochs report their
// tenths, epochs of a few seconds (the demo's) stay quiet; none after the
// last batch, where the epoch's line follows.
func (tr *trainer) progress(c *epochClock, epoch, bi, batches int) {
	st := tr.st
	now := time.Now()
	since := now.Sub(c.lastLine)
	tenth := (bi+1)*10/batches > bi*10/batches
	line := bi < batches-1 && (since >= tr.progressEvery() || tenth && since >= tr.progressEvery()/3)
	if !line && now.Sub(c.lastEvent) <= 250*time.Millisecond && bi != batches-1 {
		return
	}
	c.lastEvent = now
	elapsed := c.seconds(now)
	rate := float64(st.EpochTokens) / math.Max(elapsed, 1e-9)
	left := time.Duration(float64(batches-bi-1) * elapsed / float64(bi+1) * float64(time.Second))
	e := Event{Kind: EventProgress, Epoch: epoch, MaxEpochs: tr.exp.Train.MaxEpochs, Batch: bi + 1, Batches: batches,
		Loss: st.EpochLoss / float64(st.EpochBatches), LR: tr.lr(), TokensPerSec: rate, ETA: left, Line: line}
	if line {
		c.lastLine = now
		tr.log.Printf("%s", progressLine(e))
	}
	tr.emit(e)
}

// evaluateViews scores every view on dev, and on test when it is
// monitored, into row.
func (tr *trainer) evaluateViews(epoch int, row *epochRow) error {
	t := tr.exp.Train
	for _, v := range tr.data.views {
		evals := viewRows{View: v.name}
		for _, e := range []struct {
			split    string
			examples []Example
			dst      **evalRow
			on       bool
		}{{"dev", v.dev, &evals.Dev, true}, {"test", v.test, &evals.Test, t.MonitorTest}} {
			if !e.on || len(e.examples) == 0 {
				continue
			}
			ev, err := Evaluate(tr.model, e.examples, t.EvalBatchSize, nil)
			if err != nil {
				return err
			}
			*e.dst = &evalRow{Loss: ev.Loss, Report: ev.Report}
			tr.reportEval(epoch, e.split, v.name, ev)
		}
		row.Views = append(row.Views, evals)
	}
	return nil
}

// keepBest saves the best model when the epoch beats the best score so
// far, and lets the annealing schedule observe the score: dev F1 of the
// selected view, or (without dev data) the negated train loss, as flair
// does.
func (tr *trainer) keepBest(epoch int, row *epochRow) error {
	st := tr.st
	score, dev := -row.TrainLoss, row.Views[tr.selectIndex()].Dev
	if dev != nil {
		score = dev.Report.Micro.F1
	}
	if st.BestEpoch == 0 || score > st.BestScore {
		st.BestScore, st.BestEpoch = score, epoch
		if err := tr.saveModel(runs.BestModelDir); err != nil {
			return err
		}
		msg := fmt.Sprintf("new best model (epoch %d, %s) saved to %s", epoch, tr.scoreText(dev != nil, score), filepath.Join(tr.dir, runs.BestModelDir))
		tr.log.Printf("%s", msg)
		tr.emit(Event{Kind: EventBest, Epoch: epoch, MaxEpochs: tr.exp.Train.MaxEpochs, Path: filepath.Join(tr.dir, runs.BestModelDir), Message: msg})
	}
	if st.Anneal != nil {
		before := st.Anneal.LR
		st.Anneal.Observe(score)
		row.BadEpochs = st.Anneal.BadEpochsColumn()
		if st.Anneal.LR != before {
			tr.log.Printf("no improvement for %d epochs: learning rate %.6g → %.6g", st.Anneal.Patience+1, before, st.Anneal.LR)
		}
		if st.Anneal.Done() {
			st.Finished, st.StopReason = true, fmt.Sprintf("learning rate %.6g fell below min_learning_rate %g", st.Anneal.LR, st.Anneal.MinLR)
		}
	}
	return nil
}

// endEpoch records the epoch (loss.tsv, metrics.jsonl) and checkpoints
// it.
func (tr *trainer) endEpoch(epoch int, row epochRow) error {
	t := tr.exp.Train
	st := tr.st
	row.RSSMB, row.PeakRSSMB = MemoryMB()
	if err := writeEpoch(tr.dir, row, tsvLayout{test: t.MonitorTest && len(tr.data.first().test) > 0, views: tr.viewNames()}); err != nil {
		return err
	}
	testKill("epoch-end")
	// The epoch is complete: reset the partial sums and checkpoint.
	st.Epoch, st.Batch = epoch, 0
	st.EpochLoss, st.EpochBatches, st.EpochTokens, st.EpochSeconds = 0, 0, 0, 0
	path, err := saveCheckpoint(tr.dir, fmt.Sprintf("epoch-%03d", epoch), tr.model, tr.opt, st)
	if err != nil {
		return err
	}
	if err := pruneCheckpoints(tr.dir, t.KeepCheckpoints); err != nil {
		return err
	}
	tr.emit(Event{Kind: EventCheckpoint, Epoch: epoch, MaxEpochs: t.MaxEpochs, Path: path})
	if st.Finished {
		tr.log.Printf("stopping: %s", st.StopReason)
		tr.emit(Event{Kind: EventStop, Epoch: epoch, MaxEpochs: t.MaxEpochs, Message: "stopping: " + st.StopReason})
	}
	return nil
}

// progressEvery is the longest time between progress lines.
func (tr *trainer) progressEvery() time.Duration {
	if tr.opts.ProgressEvery > 0 {
		return tr.opts.ProgressEvery
	}
	return 30 * time.Second
}

// epochLR is the learning rate the epoch trained with (for AdamW, the one
// of its last step).
func (tr *trainer) epochLR() float64 {
	if w := tr.st.Warmup; w != nil {
		prev := *w
		if prev.Step > 0 {
			prev.Step--
		}
		return prev.LR()
	}
	return tr.st.Anneal.LR
}

// selectView is the view whose dev F1 picks the best epoch: "" in a
// one-view run (or without dev data), else train.select_view (plain or
// context).
func (tr *trainer) selectView() string {
	if len(tr.data.views) < 2 || len(tr.data.first().dev) == 0 {
		return ""
	}
	return tr.data.views[tr.selectIndex()].name
}

// selectIndex is the index of the view whose dev F1 picks the best epoch:
// the one train.select_view names, or the first.
func (tr *trainer) selectIndex() int {
	for i, v := range tr.data.views {
		if i > 0 && v.name == tr.exp.Train.SelectView {
			return i
		}
	}
	return 0
}

// viewNames are the run's views' names, in order.
func (tr *trainer) viewNames() []string {
	var names []string
	for _, v := range tr.data.views {
		names = append(names, v.name)
	}
	return names
}

// scoreText names the selection score and its value: dev F1 as a
// percentage, or (without dev data) the training loss, whose negation
// is the score.
func (tr *trainer) scoreText(dev bool, score float64) string {
	if view := tr.selectView(); dev && view != "" && tr.selectIndex() > 0 {
		return "dev F1 (" + view + " view) " + metrics.Percent(score)
	}
	if dev {
		return "dev F1 " + metrics.Percent(score)
	}
	return fmt.Sprintf("lowest train loss %.4f", -score)
}

func (tr *trainer) reportEval(epoch int, split, view string, ev *Evaluation) {
	rep := ev.Report
	name := split
	if view != runs.Plain || len(tr.data.views) > 1 {
		name += " (" + view + ")"
	}
	tr.log.Printf("  %s: loss %.5f  precision %s  recall %s  F1 %s  accuracy %s", name, ev.Loss,
		metrics.Percent(rep.Micro.Precision), metrics.Percent(rep.Micro.Recall), metrics.Percent(rep.Micro.F1), metrics.Percent(rep.Accuracy))
	tr.emit(Event{Kind: EventEval, Epoch: epoch, MaxEpochs: tr.exp.Train.MaxEpochs, Split: split, View: view, Loss: ev.Loss, Report: &rep})
}

func (tr *trainer) saveModel(name string) error {
	return tr.model.Save(filepath.Join(tr.dir, name))
}

// partial is the position and sums of an epoch in progress.
type partial struct {
	loss            float64
	batches, tokens int
	next            int // the next batch to train
}

// interrupt writes a mid-epoch checkpoint at the last optimizer step and
// returns ErrInterrupted. Gradients accumulated since that step are not
// part of the checkpoint: resume trains those batches again.
func (tr *trainer) interrupt(at partial, seconds float64) error {
	st := tr.st
	if skipped := st.Batch - at.next; skipped > 0 {
		tr.log.Printf("note: %d accumulated batches without an optimizer step will be trained again on resume", skipped)
	}
	st.Batch, st.EpochLoss, st.EpochBatches, st.EpochTokens, st.EpochSeconds = at.next, at.loss, at.batches, at.tokens, seconds
	name := fmt.Sprintf("epoch-%03d-batch-%05d", st.Epoch+1, st.Batch)
	path, err := saveCheckpoint(tr.dir, name, tr.model, tr.opt, st)
	if err != nil {
		return fmt.Errorf("%w, and writing the checkpoint failed: %v", ErrInterrupted, err)
	}
	msg := fmt.Sprintf("interrupted in epoch %d after %d batches; checkpoint %s; continue with %s", st.Epoch+1, st.Batch, path, hint.Command("resume "+tr.dir))
	tr.log.Printf("%s", msg)
	tr.emit(Event{Kind: EventStop, Epoch: st.Epoch + 1, MaxEpochs: tr.exp.Train.MaxEpochs, Path: path, Message: msg})
	return fmt.Errorf("%w: %s", ErrInterrupted, msg)
}

// diverged stops on a NaN/Inf loss or gradient, keeping the last good
// checkpoint (the one of the previous epoch).
func (tr *trainer) diverged(epoch, batch int, why string) error {
	last, _ := latestCheckpoint(tr.dir)
	msg := fmt.Sprintf("stopping: %s at epoch %d batch %d; the last good checkpoint is %s (lower the learning rate or clip gradients with train.clip_norm)", why, epoch, batch+1, orNone(last))
	tr.log.Printf("%s", msg)
	tr.emit(Event{Kind: EventStop, Epoch: epoch, MaxEpochs: tr.exp.Train.MaxEpochs, Message: msg})
	return fmt.Errorf("%s", msg)
}

func orNone(s string) string {
	if s == "" {
		return "none (no epoch finished)"
	}
	return s
}

// finish saves the final model, evaluates the test set with the best model
// (or the final one) and writes the predictions and results.
func (tr *trainer) finish() (*Result, error) {
	t := tr.exp.Train
	res := &Result{RunDir: tr.dir, Epochs: tr.st.Epoch, BestEpoch: tr.st.BestEpoch, Stopped: tr.st.StopReason, SelectView: tr.selectView(), BestDevF1: math.NaN()}
	if tr.st.BestEpoch > 0 && len(tr.data.first().dev) > 0 {
		// Without dev data the best score is a negated loss, not an F1.
		res.BestDevF1 = tr.st.BestScore
	}
	if t.SaveFinalModel {
		if err := tr.saveModel(runs.FinalModelDir); err != nil {
			return nil, err
		}
	}
	if len(tr.data.first().test) > 0 {
		model := tr.model
		which := "final"
		if best := filepath.Join(tr.dir, runs.BestModelDir); tr.builder.Saved(best) {
			m, err := tr.builder.Load(best, tr.model.Device())
			if err != nil {
				return nil, err
			}
			model, which = m, "best"
		}
		for i, v := range tr.data.views {
			if len(v.test) == 0 {
				continue
			}
			ev, err := Evaluate(model, v.test, t.EvalBatchSize, nil)
			if err != nil {
				return nil, err
			}
			res.Tests = append(res.Tests, ViewEvaluation{View: v.name, Evaluation: ev})
			if err := WritePredictions(filepath.Join(tr.dir, predFile(i, v.name)), v.test, ev.Predictions, false); err != nil {
				return nil, err
			}
			loss, rep := ev.Loss, ev.Report
			if err := appendMetrics(tr.dir, metricsLine{Kind: "final", Epoch: tr.st.Epoch, Split: "test", View: v.name, Loss: &loss,
				Report: &rep, Path: which}); err != nil {
				return nil, err
			}
			name := "test"
			if v.name != runs.Plain || len(tr.data.views) > 1 {
				name += " (" + v.name + " view)"
			}
			tr.log.Printf("%s (%s model): precision %s  recall %s  F1 %s", name, which,
				metrics.Percent(rep.Micro.Precision), metrics.Percent(rep.Micro.Recall), metrics.Percent(rep.Micro.F1))
			tr.emit(Event{Kind: EventEval, Epoch: tr.st.Epoch, MaxEpochs: t.MaxEpochs, Split: "test", View: v.name, Loss: loss, Report: &rep,
				Message: which + " model"})
		}
	}
	// The results before the mark below: a run killed in between is
	// resumed, finishes again and rewrites them, while the other order
	// would leave a finished run without results.json.
	if err := writeResults(tr.dir, res); err != nil {
		return nil, err
	}
	testKill("finish")
	// Mark the latest checkpoint finished so resume refuses the run. The
	// trainer's state is that checkpoint's (it was written at the end of
	// the last epoch) plus the stop reason.
	last, err := latestCheckpoint(tr.dir)
	if err != nil {
		return nil, err
	}
	if err := writeState(last, tr.st); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("done: %s (%s)", tr.dir, res.Stopped)
	tr.log.Printf("%s", msg)
	tr.emit(Event{Kind: EventDone, Epoch: tr.st.Epoch, MaxEpochs: t.MaxEpochs, Path: tr.dir, Message: msg})
	return res, nil
}

// predFile is the file of a view's test predictions: test.conll for the
// run's first view, test-NAME.conll for the others (test-context.conll).
func predFile(index int, name string) string {
	if index == 0 {
		return runs.TestPredFile
	}
	return runs.ViewPredFile(name)
}

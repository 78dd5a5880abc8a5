package train

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// Event kinds, in the order a run emits them.
const (
	EventStart      = "start"      // run folder ready, data and model built
	EventProgress   = "progress"   // during an epoch, a few times per second at most (Line marks the ones for a log)
	EventEpoch      = "epoch"      // an epoch's training finished
	EventEval       = "eval"       // an evaluation (dev or test, one view)
	EventBest       = "best"       // a new best model was saved
	EventCheckpoint = "checkpoint" // a checkpoint was written
	EventStop       = "stop"       // training stopped early (min LR, NaN, interrupt)
	EventDone       = "done"       // the run finished; Path is the run folder
)

// Event is what a run reports as it goes. The REPL and the kernel render
// these; the CLI prints them with Printer.
type Event struct {
	Kind         string          `json:"kind"`
	Epoch        int             `json:"epoch"`
	MaxEpochs    int             `json:"max_epochs"`
	Batch        int             `json:"batch,omitempty"`
	Batches      int             `json:"batches,omitempty"`
	Loss         float64         `json:"loss,omitempty"`
	LR           float64         `json:"lr,omitempty"`
	TokensPerSec float64         `json:"tokens_per_sec,omitempty"`
	ETA          time.Duration   `json:"eta,omitempty"` // rest of the current epoch
	Seconds      float64         `json:"seconds,omitempty"`
	Split        string          `json:"split,omitempty"`
	View         string          `json:"view,omitempty"`
	Report       *metrics.Report `json:"report,omitempty"`
	Path         string          `json:"path,omitempty"`
	Message      string          `json:"message,omitempty"`
	// Line marks the progress events worth a line of their own where
	// nothing is redrawn (a log, a pipe): every tenth of an epoch and at
	// least every Options.ProgressEvery. training.log has these lines.
	Line bool `json:"line,omitempty"`
}

// Printer renders events as text: on a terminal the progress is one line
// rewritten in place; otherwise (nohup, a pipe) the progress events marked
// Line are printed as lines of their own, so a long epoch does not look
// dead.
func Printer(w io.Writer, terminal bool) func(Event) {
	var lastWidth int
	clearLine := func() {
		if terminal && lastWidth > 0 {
			fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", lastWidth))
			lastWidth = 0
		}
	}
	return func(e Event) {
		switch e.Kind {
		case EventProgress:
			if !terminal {
				if e.Line {
					fmt.Fprintln(w, progressLine(e))
				}
				return
			}
			line := fmt.Sprintf("epoch %d/%d  %s %d/%d  loss %.4f  lr %.4g  %.0f tok/s  ETA %s",
				e.Epoch, e.MaxEpochs, bar(e.Batch, e.Batches, 20), e.Batch, e.Batches, e.Loss, e.LR, e.TokensPerSec,
				e.ETA.Round(time.Second))
			clearLine()
			fmt.Fprint(w, line)
			lastWidth = len([]rune(line))
		case EventStart:
			clearLine()
			fmt.Fprintln(w, e.Message)
		case EventEpoch:
			clearLine()
			fmt.Fprintf(w, "epoch %d/%d  train loss %.4f  lr %.4g  %.0f tok/s  %.1fs\n",
				e.Epoch, e.MaxEpochs, e.Loss, e.LR, e.TokensPerSec, e.Seconds)
		case EventEval:
			clearLine()
			view := ""
			if e.View != "" && e.View != runs.Plain {
				view = " (" + e.View + ")"
			}
			note := ""
			if e.Message != "" {
				note = "  (" + e.Message + ")"
			}
			m := e.Report.Micro
			fmt.Fprintf(w, "  %s%s  loss %.4f  P %s  R %s  F1 %s%s\n", e.Split, view, e.Loss,
				metrics.Percent(m.Precision), metrics.Percent(m.Recall), metrics.Percent(m.F1), note)
		case EventBest, EventStop, EventDone:
			clearLine()
			fmt.Fprintln(w, "  "+e.Message)
		}
	}
}

// progressLine is a progress event as a line of its own.
func progressLine(e Event) string {
	return fmt.Sprintf("epoch %d/%d  batch %d/%d  loss %.4f  %.0f tok/s  ETA %s",
		e.Epoch, e.MaxEpochs, e.Batch, e.Batches, e.Loss, e.TokensPerSec, e.ETA.Round(time.Second))
}

func bar(done, total, width int) string {
	if total <= 0 {
		return ""
	}
	n := done * width / total
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

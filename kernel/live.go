package main

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/nerlab/nerlab/kernel/jupyter"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/plots"
)

// liveTraining renders a training run in one notebook output that is
// replaced in place: a status line (epoch, progress, loss, speed), the
// run's curves redrawn after every epoch, and the latest dev scores (of
// each view, in a two-view run).
type liveTraining struct {
	out      *jupyter.Output
	id       string
	dir      string
	status   string
	chart    string                     // base64 PNG of the curves, redrawn each epoch
	reports  map[string]*metrics.Report // by view: plain, context
	shown    bool
	lastDraw time.Time
}

func newLiveTraining(out *jupyter.Output) *liveTraining {
	return &liveTraining{out: out, id: jupyter.NewDisplayID()}
}

// event is the session's training event sink.
func (lt *liveTraining) event(e train.Event) {
	switch e.Kind {
	case train.EventStart:
		lt.dir = e.Path
		lt.status = e.Message
		lt.draw(true)
	case train.EventProgress:
		lt.status = fmt.Sprintf("epoch %d/%d · batch %d/%d · loss %.4f · lr %.4g · %.0f tokens/s · ETA %s",
			e.Epoch, e.MaxEpochs, e.Batch, e.Batches, e.Loss, e.LR, e.TokensPerSec, e.ETA.Round(time.Second))
		if time.Since(lt.lastDraw) > time.Second {
			lt.draw(false)
		}
	case train.EventEval:
		if e.Split == "dev" && e.Report != nil {
			r := *e.Report
			if lt.reports == nil {
				lt.reports = map[string]*metrics.Report{}
			}
			lt.reports[cmp.Or(e.View, "plain")] = &r
		}
	case train.EventCheckpoint, train.EventDone, train.EventStop:
		if e.Kind != train.EventCheckpoint {
			lt.status = e.Message
		}
		lt.redrawChart()
		lt.draw(false)
	}
}

// redrawChart renders the run's curves from its metrics so far.
func (lt *liveTraining) redrawChart() {
	run, err := runs.ReadRun(lt.dir)
	if err != nil || len(run.Epochs) == 0 {
		return
	}
	w, h := plots.DefaultSize("all")
	png, err := plots.Render(run, "all", "png", w, h)
	if err == nil {
		lt.chart = base64.StdEncoding.EncodeToString(png)
	}
}

// draw shows (first) or replaces the output.
func (lt *liveTraining) draw(first bool) {
	lt.lastDraw = time.Now()
	data := map[string]any{"text/html": lt.html(), "text/plain": lt.status}
	if first || !lt.shown {
		lt.out.Display(data, nil, lt.id)
		lt.shown = true
		return
	}
	lt.out.Update(data, nil, lt.id)
}

// html is the output: status, chart, latest dev scores.
func (lt *liveTraining) html() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="nerlab-training"><p style="font-family:monospace">%s</p>`, html.EscapeString(lt.status))
	if lt.chart != "" {
		fmt.Fprintf(&b, `<img src="data:image/png;base64,%s" style="max-width:100%%"/>`, lt.chart)
	}
	for _, view := range []string{"plain", "context"} {
		r := lt.reports[view]
		if r == nil {
			continue
		}
		title := "latest dev scores"
		if len(lt.reports) > 1 {
			title += " (" + view + " view)"
		}
		b.WriteString("<p>" + title + "</p>" + render.ReportHTML(*r))
	}
	b.WriteString("</div>")
	return b.String()
}

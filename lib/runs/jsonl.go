package runs

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/nerlab/nerlab/lib/metrics"
)

// metricsRow is one line of metrics.jsonl. Pointers tell a missing value
// from a zero; JSON has no NaN, so a trainer writes null for a NaN loss.
type metricsRow struct {
	Kind         string          `json:"kind"`
	Epoch        *int            `json:"epoch"`
	Loss         *float64        `json:"loss"`
	LR           *float64        `json:"lr"`
	Seconds      *float64        `json:"seconds"`
	TokensPerSec *float64        `json:"tokens_per_sec"`
	Split        string          `json:"split"`
	View         string          `json:"view"`
	Report       *metrics.Report `json:"report"`
}

// readMetrics parses metrics.jsonl. Rows of kinds other than train and
// eval (checkpoints, events) are skipped whatever else they hold. Only a
// last line that is not JSON is forgiven; a last line that is JSON but
// says something wrong is an error like any other.
func readMetrics(path string, data []byte) (*Run, error) {
	h := newHistory()
	var warnings []string
	lines := logLines(data)
	for i, line := range lines {
		var head struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal([]byte(line.text), &head); err != nil {
			var syntax *json.SyntaxError
			if i == len(lines)-1 && errors.As(err, &syntax) {
				warnings = append(warnings, truncatedWarning(path, line.number, err))
				break
			}
			return nil, &LineError{path, line.number,
				fmt.Errorf("not a JSON object (%w); expected one object per line", err)}
		}
		if head.Kind != "train" && head.Kind != "eval" {
			continue
		}
		var row metricsRow
		if err := json.Unmarshal([]byte(line.text), &row); err != nil {
			return nil, &LineError{path, line.number,
				fmt.Errorf("bad %s row (%w); expected the fields nerlab's trainer writes", head.Kind, err)}
		}
		if err := addMetricsRow(h, row); err != nil {
			return nil, &LineError{path, line.number, err}
		}
	}
	r := h.run()
	r.Warnings = warnings
	return r, nil
}

func addMetricsRow(h *history, row metricsRow) error {
	if row.Epoch == nil {
		return fmt.Errorf("%s row has no epoch; expected \"epoch\": a whole number ≥ 0", row.Kind)
	}
	epoch := *row.Epoch
	if epoch < 0 {
		return fmt.Errorf("%s row has epoch %d; expected a whole number ≥ 0", row.Kind, epoch)
	}
	if row.Kind == "train" {
		h.addTrain(epoch, trainRow{
			lr: orNaN(row.LR), loss: orNaN(row.Loss),
			seconds: orNaN(row.Seconds), tokensPerSec: orNaN(row.TokensPerSec),
		})
		return nil
	}
	if row.Split == "" {
		return fmt.Errorf("eval row has no split; expected \"split\": \"dev\" or \"test\"")
	}
	view := row.View
	if view == "" {
		view = Plain
	}
	e := evalRow{loss: orNaN(row.Loss),
		precision: math.NaN(), recall: math.NaN(), f1: math.NaN(), accuracy: math.NaN()}
	if rep := row.Report; rep != nil {
		e.precision, e.recall, e.f1, e.accuracy = rep.Micro.Precision, rep.Micro.Recall, rep.Micro.F1, rep.Accuracy
		// metrics.Report reads a missing per_type as an empty map; keep
		// "no per-type scores" as nil, as loss.tsv rows have it.
		if len(rep.PerType) > 0 {
			e.perType = rep.PerType
		}
	}
	h.addEval(epoch, evalKey{row.Split, view}, e)
	return nil
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

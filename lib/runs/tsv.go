package runs

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// LossColumns begin every row of loss.tsv, in flair's order; the
// evaluations' columns (EvalColumns) follow them.
var LossColumns = []string{"EPOCH", "TIMESTAMP", "BAD_EPOCHS", "LEARNING_RATE", "TRAIN_LOSS"}

// evalMeasures are the measures of one evaluation, in the order of their
// columns.
var evalMeasures = []string{"LOSS", "PRECISION", "RECALL", "F1", "ACCURACY"}

// EvalColumns returns the loss.tsv columns of one evaluation, its loss
// then precision, recall, F1 and accuracy. A run's first view (view "")
// keeps flair's names, DEV_LOSS … DEV_ACCURACY, so that flair's readers
// still find them; a further view puts its name after the split:
// EvalColumns("dev", "context") gives DEV_CONTEXT_LOSS … DEV_CONTEXT_ACCURACY.
// The trainer writes loss.tsv with these names and the reader parses them
// back (parseEvalColumn), so the two cannot drift apart.
func EvalColumns(split, view string) []string {
	prefix := strings.ToUpper(split) + "_"
	if view != "" {
		prefix += strings.ToUpper(view) + "_"
	}
	cols := make([]string, len(evalMeasures))
	for i, m := range evalMeasures {
		cols[i] = prefix + m
	}
	return cols
}

// parseEvalColumn reads a column EvalColumns names back: its split, its
// view (Plain for the first view's unprefixed columns, which is what a
// one-view run evaluates) and the index of its measure in evalMeasures.
// Only dev and test columns are evaluations; TRAIN_LOSS is not.
func parseEvalColumn(name string) (split, view string, measure int, ok bool) {
	split, rest, found := strings.Cut(name, "_")
	if !found || (split != "DEV" && split != "TEST") {
		return "", "", 0, false
	}
	for i, m := range evalMeasures {
		if rest == m {
			return strings.ToLower(split), Plain, i, true
		}
		if v, found := strings.CutSuffix(rest, "_"+m); found && v != "" {
			return strings.ToLower(split), strings.ToLower(v), i, true
		}
	}
	return "", "", 0, false
}

// tsvColumns says where each known value sits in a loss.tsv row; columns
// it does not know (TIMESTAMP, BAD_EPOCHS, later additions) are read past.
type tsvColumns struct {
	epoch, lr, trainLoss int           // -1 when absent
	evals                []evalColumns // in the order of their first column
	names                []string
}

// evalColumns locates the loss, precision, recall, F1 and accuracy of one
// split and view; -1 marks a measure the file lacks.
type evalColumns struct {
	key evalKey
	at  [5]int
}

func parseTSVHeader(fields []string) (*tsvColumns, error) {
	c := &tsvColumns{epoch: -1, lr: -1, trainLoss: -1, names: fields}
	seen := map[string]bool{}
	for i, raw := range fields {
		name := strings.ToUpper(strings.TrimSpace(raw))
		if seen[name] {
			return nil, fmt.Errorf("column %s appears twice; expected each column once", name)
		}
		seen[name] = true
		switch name {
		case "EPOCH":
			c.epoch = i
		case "LEARNING_RATE":
			c.lr = i
		case "TRAIN_LOSS":
			c.trainLoss = i
		}
		split, view, measure, ok := parseEvalColumn(name)
		if !ok {
			continue
		}
		key := evalKey{split, view}
		k := slices.IndexFunc(c.evals, func(e evalColumns) bool { return e.key == key })
		if k < 0 {
			k = len(c.evals)
			c.evals = append(c.evals, evalColumns{key, [5]int{-1, -1, -1, -1, -1}})
		}
		c.evals[k].at[measure] = i
	}
	if c.epoch < 0 {
		return nil, fmt.Errorf("no EPOCH column; expected flair's header (EPOCH TIMESTAMP LEARNING_RATE TRAIN_LOSS DEV_LOSS ...)")
	}
	return c, nil
}

// readLossTSV parses flair's loss.tsv. A header further down (a trainer
// that writes it again when it resumes, perhaps with columns added) takes
// over for the rows after it; every row is a whole epoch, so a repeated
// epoch replaces the earlier one.
func readLossTSV(path string, data []byte) (*Run, error) {
	lines := logLines(data)
	if len(lines) == 0 {
		return newHistory().run(), nil
	}
	cols, err := parseTSVHeader(strings.Split(lines[0].text, "\t"))
	if err != nil {
		return nil, &LineError{path, lines[0].number, err}
	}
	h := newHistory()
	var warnings []string
	for i, line := range lines[1:] {
		fields := strings.Split(line.text, "\t")
		if cols.isHeader(fields) {
			if cols, err = parseTSVHeader(fields); err != nil {
				return nil, &LineError{path, line.number, err}
			}
			continue
		}
		if err := addTSVRow(h, cols, fields); err != nil {
			if i == len(lines)-2 {
				warnings = append(warnings, truncatedWarning(path, line.number, err))
				break
			}
			return nil, &LineError{path, line.number, err}
		}
	}
	r := h.run()
	r.Warnings = warnings
	return r, nil
}

// isHeader tells a repeated header row from a data row.
func (c *tsvColumns) isHeader(fields []string) bool {
	return len(fields) > c.epoch && strings.EqualFold(strings.TrimSpace(fields[c.epoch]), "EPOCH")
}

func addTSVRow(h *history, cols *tsvColumns, fields []string) error {
	if len(fields) != len(cols.names) {
		return fmt.Errorf("%d fields; expected %d TAB-separated fields as in the header", len(fields), len(cols.names))
	}
	epochText := strings.TrimSpace(fields[cols.epoch])
	epoch, err := strconv.Atoi(epochText)
	if err != nil || epoch < 0 {
		return fmt.Errorf("EPOCH %q; expected a whole number ≥ 0", epochText)
	}
	value := func(col int) (float64, error) {
		if col < 0 {
			return math.NaN(), nil
		}
		text := strings.TrimSpace(fields[col])
		if col == cols.lr {
			// One learning rate per parameter group, comma-separated:
			// the first group's is the one to chart.
			text, _, _ = strings.Cut(text, ",")
		}
		if text == "_" || text == "" {
			return math.NaN(), nil
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q; expected a number or _", strings.TrimSpace(cols.names[col]), text)
		}
		return v, nil
	}
	var train trainRow
	if train.lr, err = value(cols.lr); err != nil {
		return err
	}
	if train.loss, err = value(cols.trainLoss); err != nil {
		return err
	}
	train.seconds, train.tokensPerSec = math.NaN(), math.NaN()
	evals := make([]evalRow, len(cols.evals))
	for i, e := range cols.evals {
		var v [5]float64
		for j, col := range e.at {
			if v[j], err = value(col); err != nil {
				return err
			}
		}
		evals[i] = evalRow{loss: v[0], precision: v[1], recall: v[2], f1: v[3], accuracy: v[4]}
	}
	// Only a row that parsed whole enters the history.
	h.addTrain(epoch, train)
	for i, e := range cols.evals {
		h.addEval(epoch, e.key, evals[i])
	}
	return nil
}

package runs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LineError is a problem at one line of a run log. Its message reads
// "path:line: what is wrong; what was expected"; Err is the cause.
type LineError struct {
	Path string
	Line int // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// ReadRun reads the run folder dir. It prefers metrics.jsonl, which has
// per-type scores and throughput, and falls back to flair's loss.tsv when
// metrics.jsonl is absent or holds no epoch yet. A run that logged nothing
// yet is an empty Run, not an error; a folder with neither file is an
// error that wraps fs.ErrNotExist.
//
// Both readers follow the same rules: a repeated epoch (a resumed run)
// replaces what was logged for it before, and what the abandoned attempt
// logged after it; an unparsable last line (a run killed mid-write) is
// skipped with a note in Run.Warnings; any other malformed line is a
// *LineError.
func ReadRun(dir string) (*Run, error) {
	var warnings []string
	metricsPath := filepath.Join(dir, MetricsFile)
	data, err := os.ReadFile(metricsPath)
	switch {
	case err == nil:
		r, err := readMetrics(metricsPath, data)
		if err != nil {
			return nil, err
		}
		if len(r.Epochs) > 0 || !exists(filepath.Join(dir, LossFile)) {
			return finish(r, dir, MetricsFile, nil), nil
		}
		warnings = append(r.Warnings, fmt.Sprintf("%s: no epochs logged; read %s instead", metricsPath, LossFile))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read run: %w", err)
	}

	lossPath := filepath.Join(dir, LossFile)
	data, err = os.ReadFile(lossPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no %s or %s; expected a run folder written by training: %w",
			dir, MetricsFile, LossFile, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	r, err := readLossTSV(lossPath, data)
	if err != nil {
		return nil, err
	}
	return finish(r, dir, LossFile, warnings), nil
}

func finish(r *Run, dir, source string, earlier []string) *Run {
	r.Dir, r.Source = dir, source
	r.Warnings = append(earlier, r.Warnings...)
	return r
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// logLine is one non-blank line of a log with its 1-based number.
type logLine struct {
	number int
	text   string
}

// logLines splits a log into its non-blank lines, without line ends
// (LF or CRLF).
func logLines(data []byte) []logLine {
	var lines []logLine
	for i, text := range strings.Split(string(data), "\n") {
		text = strings.TrimSuffix(text, "\r")
		if strings.TrimSpace(text) != "" {
			lines = append(lines, logLine{i + 1, text})
		}
	}
	return lines
}

// truncatedWarning is the note for a last line skipped as cut short.
func truncatedWarning(path string, line int, err error) string {
	return fmt.Sprintf("%s:%d: skipped the last line, cut short (%v)", path, line, err)
}

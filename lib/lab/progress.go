package lab

import (
	"context"
	"fmt"
	"time"
)

// progress returns the callback a batch loop over total items reports to:
// it stops the loop when ctx is cancelled (Ctrl-C in the REPL), and on a
// terminal it redraws "label done/total" on one stderr line, at most ten
// times a second. finish clears that line.
func progress(ctx context.Context, env *Env, label string, total int) (report func(done int) error, finish func()) {
	live := IsTerminal(env.Stderr)
	var last time.Time
	drawn := false
	report = func(done int) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s cancelled after %d of %d sentences: %w", label, done, total, err)
		}
		if live && (time.Since(last) > 100*time.Millisecond || done == total) {
			last, drawn = time.Now(), true
			fmt.Fprintf(env.Stderr, "\r\x1b[K%s %d/%d sentences (%.0f%%)", label, done, total, 100*float64(done)/float64(max(total, 1)))
		}
		return nil
	}
	finish = func() {
		if drawn {
			fmt.Fprint(env.Stderr, "\r\x1b[K")
		}
	}
	return report, finish
}

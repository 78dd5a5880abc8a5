package train

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// killAtEnv names the test hook that makes a training process kill itself
// (SIGKILL: no deferred cleanup, no signal handler, as a crash or the OOM
// killer would) the nth time it reaches a point, so tests can stop a run
// at moments that a timer hits only by chance. Its value is point:n, with
// point one of
//
//	epoch-end          an epoch's rows are in loss.tsv, its checkpoint not yet written
//	checkpoint-write   a checkpoint is half written in its temporary folder
//	checkpoint-rename  a checkpoint is in place, checkpoints/latest not yet updated
//	finish             final model and results written, the run not yet marked finished
const killAtEnv = "NERLAB_TEST_KILL_AT"

var killAt = struct {
	point string
	n     int
	seen  int
}{}

func init() {
	point, n, ok := strings.Cut(os.Getenv(killAtEnv), ":")
	if !ok {
		return
	}
	if k, err := strconv.Atoi(n); err == nil && k > 0 {
		killAt.point, killAt.n = point, k
	}
}

// testKill kills the process at point when killAtEnv asks for it. Training
// runs on one goroutine, so the count needs no lock.
func testKill(point string) {
	if killAt.point != point {
		return
	}
	if killAt.seen++; killAt.seen == killAt.n {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		// The signal is on its way and nothing more may be written. (A
		// bare select{} could instead end in Go's deadlock report.)
		for {
			time.Sleep(time.Hour)
		}
	}
}

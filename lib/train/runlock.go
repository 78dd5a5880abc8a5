package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/nerlab/nerlab/lib/runs"
)

// errRunning is wrapped by the error lockRun gives for a folder in use.
var errRunning = errors.New("run in use")

// lockRun takes dir's lock and writes this process's id into it; release
// unlocks and removes it.
func lockRun(dir string) (release func(), err error) {
	path := filepath.Join(dir, runs.LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid, ok := runs.Running(dir); ok && pid > 0 {
				who = "process " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%s is being trained by %s: %w (wait for it, or stop it first)", dir, who, errRunning)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		os.Remove(path)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

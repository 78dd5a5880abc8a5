package runs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrRunning is wrapped by the error Lock gives for a folder in use.
var ErrRunning = errors.New("run in use")

// Lock takes dir's LockFile (flock) for this process and writes its id
// into it; release unlocks and removes it. A folder another process holds
// (training or pretraining in it) is refused with an error wrapping
// ErrRunning that names that process.
func Lock(dir string) (release func(), err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid, ok := Running(dir); ok && pid > 0 {
				who = "process " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%s is in use by %s: %w (wait for it, or stop it first)", dir, who, ErrRunning)
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

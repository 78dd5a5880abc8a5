package runs

import (
	"errors"
	"fmt"
	"io/fs"
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
	for try := 1; ; try++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		lockOpened(path)
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
		// The holder before us removes the file before it unlocks, so the
		// file we locked may no longer be the one at path; a third process
		// would then lock a new file there and both would go on. Only the
		// lock on the file that path names counts: otherwise try again.
		same, err := samePath(f, path)
		if err != nil || !same {
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %v", path, err)
			}
			if try == 100 { // holders come and go without end: give up rather than spin
				return nil, fmt.Errorf("%s is in use: its lock file was replaced 100 times while this process took it: %w", dir, ErrRunning)
			}
			continue
		}
		f.Truncate(0)
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		return func() {
			os.Remove(path)
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}, nil
	}
}

// lockOpened runs between opening the lock file and locking it; tests
// use it to let another holder replace the file in that moment.
var lockOpened = func(path string) {}

// samePath says whether the open file f is the file at path now; no file
// at path (the holder removed it) is false, not an error.
func samePath(f *os.File, path string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, now), nil
}

package runs

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLockRefusesASecondHolder(t *testing.T) {
	dir := t.TempDir()
	release, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pid, ok := Running(dir); !ok || pid != os.Getpid() {
		t.Errorf("Running = %d, %v while locked; want this process", pid, ok)
	}
	// flock belongs to an open file, so a second Lock in the same process
	// stands for a second process.
	_, err = Lock(dir)
	if !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), "in use by process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second Lock: %v", err)
	}
	release()
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file left after release: %v", err)
	}
	if _, ok := Running(dir); ok {
		t.Error("Running after release")
	}
	again, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	again()
}

// TestLockFollowsAReplacedFile: a holder that releases between our opening
// the lock file and locking it removes that file, and a third process may
// lock a new one at the same path. Lock must then see that the file it
// holds is gone and contend for the new one (here: be refused), not go on
// beside the third process.
func TestLockFollowsAReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LockFile)
	var third func()
	lockOpened = func(string) {
		lockOpened = func(string) {}
		os.Remove(path) // the previous holder releases …
		var err error
		if third, err = Lock(dir); err != nil { // … and a third process locks anew
			t.Fatal(err)
		}
	}
	defer func() { lockOpened = func(string) {} }()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	release, err := Lock(dir)
	if err == nil {
		release()
		t.Fatal("Lock went on with a removed lock file while another process held the new one")
	}
	if !errors.Is(err, ErrRunning) {
		t.Fatalf("Lock: %v; want ErrRunning", err)
	}
	third()
}

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

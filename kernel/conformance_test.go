package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/internal/testbin"
)

// kernelBinary builds nerlab-kernel once per test process.
func kernelBinary(t testing.TB) string { return testbin.Build(t, ".", "nerlab-kernel") }

// jupyterEnv installs the kernelspec of a freshly built kernel into a
// temporary JUPYTER_PATH and returns the environment that finds it.
func jupyterEnv(t *testing.T) []string {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import jupyter_client, jupyter_kernel_test").Run(); err != nil {
		shareddata.Missing(t, "Debian's python3-jupyter-client and python3-jupyter-kernel-test are needed (make setup installs them): %v", err)
	}
	prefix := t.TempDir()
	if out, err := exec.Command(kernelBinary(t), "install", "--prefix", prefix).CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	return append(os.Environ(), "JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"), "JUPYTER_PLATFORM_DIRS=1")
}

// TestJupyterConformance runs jupyter_kernel_test's suite against the
// kernel: hello world, stderr, execute_result, display_data, errors,
// completion, inspect, is_complete and history.
func TestJupyterConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("conformance suite")
	}
	cmd := exec.Command("/usr/bin/python3", "-m", "unittest", "-v", "testdata/conformance.py")
	cmd.Env = jupyterEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance suite failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "OK") || strings.Contains(string(out), "skipped=") && strings.Contains(string(out), "test_display_data ... skipped") {
		t.Errorf("suite output:\n%s", out)
	}
	t.Logf("%s", out)
}

// TestMagicsThroughJupyterClient drives the kernel with jupyter_client:
// a training cell interrupted after its first epoch ends with an
// Interrupted error and leaves a checkpoint, its live display was updated
// in place, the next cell runs in the same kernel, and the magics render
// predictions, scores, plots and runs as HTML and PNG.
func TestMagicsThroughJupyterClient(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	root, _ := filepath.Abs("..")
	cmd := exec.Command("/usr/bin/python3", "-m", "unittest", "-v", "testdata/magics.py")
	cmd.Env = append(jupyterEnv(t), "NERLAB_ROOT="+root, "NERLAB_RUN="+filepath.Join(t.TempDir(), "run"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("magics suite failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

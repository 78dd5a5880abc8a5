package runs_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPureGo: reading a run folder never needs libtorch, so that plots,
// scripts and the command layer's run inspection build without it. No
// package runs depends on may use cgo (gotch does).
func TestPureGo(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgoFiles, _ := strings.Cut(line, " ")
		if strings.Contains(path, "gotch") || cgoFiles != "0" {
			t.Errorf("package runs depends on %s (%s cgo files)", path, cgoFiles)
		}
	}
}

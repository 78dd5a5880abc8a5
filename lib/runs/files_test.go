package runs

import (
	"path/filepath"
	"testing"
)

// TestViewPredFile: the context view's predictions are the file two-view
// runs have always written, and every view's name matches the pattern by
// which a run folder is cleared and cleaned.
func TestViewPredFile(t *testing.T) {
	if got := ViewPredFile(Context); got != TestContextPredFile {
		t.Errorf("context predictions %s, want %s", got, TestContextPredFile)
	}
	for _, view := range []string{Context, "wiki", "ctx2"} {
		if ok, _ := filepath.Match(ViewPredPattern, ViewPredFile(view)); !ok {
			t.Errorf("%s does not match %s", ViewPredFile(view), ViewPredPattern)
		}
	}
	if ok, _ := filepath.Match(ViewPredPattern, TestPredFile); ok {
		t.Errorf("%s matches %s: the first view's file is listed on its own", TestPredFile, ViewPredPattern)
	}
}

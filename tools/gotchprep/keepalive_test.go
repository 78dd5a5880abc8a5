package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const keepAliveSample = `package ts

// #include "stdlib.h"
import "C"

import (
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
)

// Matmul multiplies.
func (ts *Tensor) Matmul(other *Tensor, del bool) (*Tensor, error) {
	if del {
		defer ts.MustDrop()
	}
	ptr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(0)))
	lib.AtgMatmul(ptr, ts.ctensor, other.ctensor)
	return newTensor(*ptr), nil
}

func Cat(tensors []*Tensor, dim int64) { lib.AtgCat(tensors[0].ctensor) }

func Stack(first *Tensor, rest ...*Tensor) { use(first.ctensor) }

func (ts *Tensor) AddScalar(s *Scalar, _ *Tensor) { lib.AtgAddScalar(ts.ctensor, s.cscalar) }

// MustMatmul reads no C pointer itself: Matmul keeps the tensors alive.
func (ts *Tensor) MustMatmul(other *Tensor, del bool) *Tensor {
	t, _ := ts.Matmul(other, del)
	return t
}

func Numel(shape []int64) int64 { return 0 }

func (o *COptimizer) Step() {}
`

func TestInsertKeepAlives(t *testing.T) {
	out, n, err := insertKeepAlives("sample.go", []byte(keepAliveSample))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("changed %d functions, want 4 (Matmul, Cat, Stack, AddScalar)", n)
	}
	text := string(out)
	// The cgo preamble must stay right above import "C", or cgo loses it.
	if !strings.Contains(text, "// #include \"stdlib.h\"\nimport \"C\"\n") {
		t.Errorf("cgo preamble moved:\n%s", text)
	}
	if !strings.Contains(text, "\nimport \"runtime\"\n") {
		t.Errorf("runtime not imported:\n%s", text)
	}
	body := func(fn string) string {
		i := strings.Index(text, fn)
		if i < 0 {
			t.Fatalf("%s missing from:\n%s", fn, text)
		}
		rest := text[i+1:]
		if j := strings.Index(rest, "\nfunc "); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	want := map[string][]string{
		"func (ts *Tensor) Matmul(":     {"ts", "other"},
		"func Cat(":                     {"tensors"},
		"func Stack(":                   {"first", "rest"},
		"func (ts *Tensor) AddScalar(":  {"ts", "s"},
		"func Numel(":                   nil,
		"func (ts *Tensor) MustMatmul(": nil,
		"func (o *COptimizer) Step(":    nil,
	}
	for fn, names := range want {
		b := body(fn)
		if got := strings.Count(b, "runtime.KeepAlive("); got != len(names) {
			t.Errorf("%s: %d keep-alives, want %d:\n%s", fn, got, len(names), b)
		}
		for _, name := range names {
			if !strings.Contains(b, "defer runtime.KeepAlive("+name+")") {
				t.Errorf("%s does not keep %s alive:\n%s", fn, name, b)
			}
		}
	}
	// The keep-alive comes before the body's own statements, so it covers
	// every C call in it.
	m := body("func (ts *Tensor) Matmul(")
	if strings.Index(m, "KeepAlive(other)") > strings.Index(m, "lib.AtgMatmul") {
		t.Errorf("keep-alive after the C call:\n%s", m)
	}
}

func TestInsertKeepAlivesKeepsAnExistingRuntimeImport(t *testing.T) {
	src := "package ts\n\nimport \"runtime\"\n\nfunc F(x *Tensor) { runtime.GC(); use(x.ctensor) }\n"
	out, n, err := insertKeepAlives("f.go", []byte(src))
	if err != nil || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if c := strings.Count(string(out), `"runtime"`); c != 1 {
		t.Errorf("runtime imported %d times:\n%s", c, out)
	}
}

func TestKeepArgumentsAliveSkipsTests(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "ts"), 0o755)
	src := "package ts\n\nfunc F(x *Tensor) { use(x.ctensor) }\n"
	os.WriteFile(filepath.Join(root, "ts", "a.go"), []byte(src), 0o644)
	os.WriteFile(filepath.Join(root, "ts", "a_test.go"), []byte(src), 0o644)
	n, err := keepArgumentsAlive(root)
	if err != nil || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "ts", "a_test.go")); string(b) != src {
		t.Errorf("a test file was rewritten:\n%s", b)
	}
}

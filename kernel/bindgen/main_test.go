package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestBindingsAreUpToDate regenerates every binding file named by the
// go:generate line of kernel/bindings and compares it with the committed
// one, so an API change without `go generate ./kernel/bindings` fails.
func TestBindingsAreUpToDate(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "bindings", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "//go:generate go run ../bindgen -out . "); ok {
			paths = strings.Fields(rest)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no go:generate line in kernel/bindings/doc.go")
	}
	pkgs, err := packages.Load(&packages.Config{Mode: loadMode}, paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		want, err := generate(p.Types, docsOf(p))
		if err != nil {
			t.Fatalf("%s: %v", p.PkgPath, err)
		}
		name := filepath.Join("..", "bindings", fileName(p.PkgPath))
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale (%v); run go generate ./kernel/bindings", name, err)
		}
	}
}

func TestGenerateSkipsGenericsAndBindsTheRest(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{Mode: loadMode}, "slices", "math")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		src, err := generate(p.Types, docsOf(p))
		switch p.PkgPath {
		case "slices":
			if err == nil {
				t.Errorf("slices (only generics) produced a file:\n%s", src)
			}
		case "math":
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`"Sqrt":\s+r\.ValueOf\(p\.Sqrt\)`, `"Pi":\s+"float:3141592653`, `"MaxInt8":\s+r\.ValueOf\(p\.MaxInt8\)`, `"MaxInt8":\s+"int:127"`, `"Sqrt":\s+"Sqrt returns the square root of x`} {
				if !regexp.MustCompile(want).Match(src) {
					t.Errorf("math binding lacks %s", want)
				}
			}
		}
	}
}

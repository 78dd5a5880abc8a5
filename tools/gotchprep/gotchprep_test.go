package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// fakeLibtorch lays out an unpacked libtorch with the files gotchprep reads.
func fakeLibtorch(t *testing.T, version string, cuda bool, abi string) string {
	t.Helper()
	root := t.TempDir()
	major, minor, _ := strings.Cut(version, ".")
	minor, patch, _ := strings.Cut(minor, ".")
	files := map[string]string{
		"lib/libtorch.so": "",
		"include/torch/csrc/api/include/torch/version.h": "#pragma once\n#define TORCH_VERSION_MAJOR " + major +
			"\n#define TORCH_VERSION_MINOR " + minor + "\n#define TORCH_VERSION_PATCH " + patch + "\n",
	}
	if cuda {
		files["lib/libtorch_cuda.so"] = ""
	}
	if abi != "" {
		files["share/cmake/Torch/TorchConfig.cmake"] = `set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=` + abi + `")` + "\n"
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFlagsForUnpackedCUDALibtorch(t *testing.T) {
	root := fakeLibtorch(t, "2.11.0", true, "1")
	lt, err := FindLibtorch(root)
	if err != nil {
		t.Fatal(err)
	}
	if lt.Version != "2.11.0" || !lt.CUDA || lt.CXX11ABI != 1 {
		t.Fatalf("got version %s cuda %v abi %d", lt.Version, lt.CUDA, lt.CXX11ABI)
	}
	lib := lt.Flags().LibGo()
	for _, want := range []string{
		"-std=c++17",
		"-I" + filepath.Join(root, "include") + " ",
		"-I" + filepath.Join(root, "include", "torch", "csrc", "api", "include"),
		"-D_GLIBCXX_USE_CXX11_ABI=1",
		"-L" + filepath.Join(root, "lib") + " -Wl,-rpath," + filepath.Join(root, "lib"),
		"-Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed",
	} {
		if !strings.Contains(lib, want) {
			t.Errorf("lib.go lacks %q:\n%s", want, lib)
		}
	}
	if strings.Contains(lib, "/usr/local/cuda") || strings.Contains(lib, "-lcudart") {
		t.Errorf("lib.go still has gotch's hard-coded CUDA flags:\n%s", lib)
	}
}

func TestFlagsForUnpackedCPULibtorch(t *testing.T) {
	lt, err := FindLibtorch(fakeLibtorch(t, "1.13.1", false, ""))
	if err != nil {
		t.Fatal(err)
	}
	lib := lt.Flags().LibGo()
	if lt.CUDA || strings.Contains(lib, "cuda") {
		t.Errorf("CPU libtorch got CUDA flags:\n%s", lib)
	}
	if !strings.Contains(lib, "-std=c++14") || strings.Contains(lib, "_GLIBCXX_USE_CXX11_ABI") {
		t.Errorf("want c++14 and no ABI define for a 1.x libtorch without cmake config:\n%s", lib)
	}
}

func TestFindLibtorchErrors(t *testing.T) {
	if _, err := FindLibtorch(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no lib/libtorch.so") {
		t.Errorf("empty LIBTORCH: err = %v", err)
	}
	root := fakeLibtorch(t, "2.1.0", false, "")
	os.WriteFile(filepath.Join(root, "include/torch/csrc/api/include/torch/version.h"), []byte("// nothing\n"), 0o644)
	if _, err := FindLibtorch(root); err == nil || !strings.Contains(err.Error(), "TORCH_VERSION_MAJOR") {
		t.Errorf("bad version header: err = %v", err)
	}
}

func TestSystemLibtorchFlags(t *testing.T) {
	lt, err := FindLibtorch("")
	if err != nil {
		t.Skipf("no system libtorch: %v", err)
	}
	lib := lt.Flags().LibGo()
	if !strings.Contains(lib, "-I/usr/include/torch/csrc/api/include") || strings.Contains(lib, "-L") {
		t.Errorf("system flags:\n%s", lib)
	}
}

// header is a tiny generated-wrapper file in gotch's layout.
var header = strings.Split(`// generated

void atg_good(tensor *out__, tensor self) {
  PROTECT(
    auto outputs__ = torch::good(*self);
    out__[0] = new torch::Tensor(outputs__);
  )
}

void atg_missing(tensor *out__, tensor self) {
  PROTECT(
    auto outputs__ = torch::missing(*self);
    out__[0] = new torch::Tensor(outputs__);
  )
}

void atg_tuple(tensor *out__, tensor self) {
  PROTECT(
    auto outputs__ = torch::tuple_op(*self);
    out__[0] = new torch::Tensor(std::get<5>(outputs__));
  )
}
`, "\n")

func TestParseDiagnosticsAndStub(t *testing.T) {
	stderr := strings.Join([]string{
		"In file included from torch_api.cpp:1079:",
		"torch_api_generated.cpp.h: In function 'void atg_missing(tensor*, tensor)':",
		"torch_api_generated.cpp.h:12:29: error: 'missing' is not a member of 'torch'",
		"   12 |     auto outputs__ = torch::missing(*self);",
		"/usr/include/c++/12/tuple:1401:5:   required by substitution of 'template<...> std::get(...)'",
		"/work/x/libtch/torch_api_generated.cpp.h:20:3:   required from here",
		"/usr/include/c++/12/tuple:1357:25: error: static assertion failed: tuple index must be in range",
	}, "\n")
	d := ParseDiagnostics(stderr)
	if len(d.Failing) != 2 || d.Failing[12] != "'missing' is not a member of 'torch'" || d.Failing[20] != "" {
		t.Fatalf("Failing = %#v", d.Failing)
	}
	if len(d.Errors) != 2 {
		t.Errorf("Errors = %q, want the two error lines", d.Errors)
	}
	out, disabled, orphans := StubFailing(header, d.Failing)
	if len(orphans) != 0 {
		t.Errorf("orphans = %v", orphans)
	}
	if len(disabled) != 2 || disabled[0].Name != "atg_missing" || disabled[1].Name != "atg_tuple" ||
		disabled[1].Reason != "template instantiation failed" {
		t.Fatalf("disabled = %+v", disabled)
	}
	text := strings.Join(out, "\n")
	for _, want := range []string{
		"torch::good(*self)", // untouched
		`PROTECT(throw std::runtime_error("atg_missing is not available in this libtorch");)`,
		`PROTECT(throw std::runtime_error("atg_tuple is not available in this libtorch");)`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stubbed header lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "torch::missing") || strings.Contains(text, "std::get<5>") {
		t.Errorf("failing bodies survived:\n%s", text)
	}
	if got := len(FindWrappers(out)); got != 3 {
		t.Errorf("stubbed header has %d wrappers, want 3", got)
	}
}

func TestStubReportsLinesOutsideWrappers(t *testing.T) {
	_, disabled, orphans := StubFailing(header, map[int]string{1: "stray"})
	if len(disabled) != 0 || len(orphans) != 1 || orphans[0] != 1 {
		t.Errorf("disabled %v orphans %v", disabled, orphans)
	}
}

func TestPatchMustMatchOnce(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.go"), []byte("x := bad(1)\ny := bad(1)\n"), 0o644)
	err := applyPatches(root, []Patch{{File: "a.go", Old: "bad(1)", New: "good(1)"}})
	if err == nil || !strings.Contains(err.Error(), "found it 2 times") {
		t.Errorf("err = %v, want a refusal of an ambiguous patch", err)
	}
	if err := applyPatches(root, []Patch{{File: "a.go", Old: "x := bad(1)", New: "x := good(1)"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(root, "a.go"))
	if string(data) != "x := good(1)\ny := bad(1)\n" {
		t.Errorf("patched = %q", data)
	}
}

func TestCacheKeyChangesWithInputs(t *testing.T) {
	lt := &Libtorch{Version: "1.13.0", IncludeDir: "/usr/include", LibDir: "/usr/lib", CXX11ABI: -1}
	base := cacheKey("h1:abc", lt, lt.Flags(), "g++ 12")
	if cacheKey("h1:abc", lt, lt.Flags(), "g++ 12") != base {
		t.Fatal("cache key is not deterministic")
	}
	cuda := *lt
	cuda.CUDA = true
	for name, key := range map[string]string{
		"module sum": cacheKey("h1:other", lt, lt.Flags(), "g++ 12"),
		"compiler":   cacheKey("h1:abc", lt, lt.Flags(), "g++ 13"),
		"cuda":       cacheKey("h1:abc", &cuda, cuda.Flags(), "g++ 12"),
	} {
		if key == base {
			t.Errorf("changing the %s did not change the cache key", name)
		}
	}
}

// TestPrepareForReal runs the whole preparation against this machine's
// libtorch into a temporary folder, then checks the cache makes a second
// run instant. It takes about 30 s (two syntax-only compiles).
func TestPrepareForReal(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 30 s preparation")
	}
	if _, err := FindLibtorch(""); err != nil {
		shareddata.Missing(t, "no system libtorch: %v", err)
	}
	out := filepath.Join(t.TempDir(), "gotch")
	if err := prepare(out, "", false); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, disabledFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	ops := lines[1:] // first line is a comment
	if len(ops) == 0 || !strings.HasPrefix(ops[0], "atg_") {
		t.Fatalf("DISABLED_OPS.txt = %q", data)
	}
	t.Logf("%d ops disabled", len(ops))
	lib, _ := os.ReadFile(filepath.Join(out, "libtch", "lib.go"))
	if strings.Contains(string(lib), "cudart") {
		t.Errorf("lib.go keeps CUDA flags:\n%s", lib)
	}
	gen, _ := os.ReadFile(filepath.Join(out, "ts", "tensor-generated.go"))
	if i := strings.Index(string(gen), "func (ts *Tensor) Matmul(other *Tensor"); i < 0 ||
		!strings.Contains(string(gen[i:i+300]), "defer runtime.KeepAlive(other)") {
		t.Errorf("Matmul does not keep its arguments alive")
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary folder left behind: %v", err)
	}
	start := time.Now()
	if err := prepare(out, "", false); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cached run took %v; want it instant", d)
	}
}

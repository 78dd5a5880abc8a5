package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Libtorch describes one libtorch installation: where its headers and
// shared libraries are and what they were built with.
type Libtorch struct {
	// Root is the LIBTORCH directory, empty for the system libtorch.
	Root       string
	IncludeDir string // holds torch/csrc/api/include and ATen
	LibDir     string // holds libtorch.so
	Version    string // "1.13.0"
	CUDA       bool   // libtorch_cuda.so is present
	// CXX11ABI is the value of _GLIBCXX_USE_CXX11_ABI the libraries were built
	// with, or -1 when the installation does not say (system packages use the
	// compiler's default).
	CXX11ABI int
}

// systemLibDirs are the places Debian and common distributions put libtorch.so.
var systemLibDirs = []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"}

// FindLibtorch locates libtorch: the directory named by root (LIBTORCH) when
// it is not empty, the system installation otherwise.
func FindLibtorch(root string) (*Libtorch, error) {
	if root != "" {
		return findUnpacked(root)
	}
	lt := &Libtorch{IncludeDir: "/usr/include", CXX11ABI: -1}
	for _, dir := range systemLibDirs {
		if fileExists(filepath.Join(dir, "libtorch.so")) {
			lt.LibDir = dir
			break
		}
	}
	if lt.LibDir == "" {
		return nil, fmt.Errorf("no libtorch.so in %s; install Debian's libtorch-dev (make setup does) or set LIBTORCH=/path/to/libtorch", strings.Join(systemLibDirs, ", "))
	}
	if err := lt.readVersion(); err != nil {
		return nil, err
	}
	lt.CUDA = fileExists(filepath.Join(lt.LibDir, "libtorch_cuda.so"))
	return lt, nil
}

// findUnpacked reads an unpacked libtorch (the zip from pytorch.org, or the
// torch/ folder of a Python wheel): root/include, root/lib, root/share/cmake.
func findUnpacked(root string) (*Libtorch, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	lt := &Libtorch{Root: abs, IncludeDir: filepath.Join(abs, "include"), LibDir: filepath.Join(abs, "lib"), CXX11ABI: -1}
	if !fileExists(filepath.Join(lt.LibDir, "libtorch.so")) {
		return nil, fmt.Errorf("LIBTORCH=%s: no lib/libtorch.so there; expected an unpacked libtorch (include/, lib/)", root)
	}
	if err := lt.readVersion(); err != nil {
		return nil, fmt.Errorf("LIBTORCH=%s: %w", root, err)
	}
	lt.CUDA = fileExists(filepath.Join(lt.LibDir, "libtorch_cuda.so"))
	lt.CXX11ABI = readABI(filepath.Join(abs, "share", "cmake", "Torch", "TorchConfig.cmake"))
	return lt, nil
}

var versionDefine = regexp.MustCompile(`(?m)^#define TORCH_VERSION_(MAJOR|MINOR|PATCH) (\d+)`)

func (lt *Libtorch) readVersion() error {
	path := filepath.Join(lt.IncludeDir, "torch", "csrc", "api", "include", "torch", "version.h")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read libtorch version: %w", err)
	}
	parts := map[string]string{}
	for _, m := range versionDefine.FindAllStringSubmatch(string(data), -1) {
		parts[m[1]] = m[2]
	}
	if parts["MAJOR"] == "" || parts["MINOR"] == "" {
		return fmt.Errorf("%s: no TORCH_VERSION_MAJOR/MINOR defines; expected a libtorch version header", path)
	}
	if parts["PATCH"] == "" {
		parts["PATCH"] = "0"
	}
	lt.Version = parts["MAJOR"] + "." + parts["MINOR"] + "." + parts["PATCH"]
	return nil
}

var abiDefine = regexp.MustCompile(`_GLIBCXX_USE_CXX11_ABI=([01])`)

// readABI finds the C++ ABI flag libtorch's CMake config hands to its users.
func readABI(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	if m := abiDefine.FindSubmatch(data); m != nil {
		return int(m[1][0] - '0')
	}
	return -1
}

// major returns the major version number.
func (lt *Libtorch) major() int {
	var m int
	fmt.Sscanf(lt.Version, "%d", &m)
	return m
}

// CgoFlags are the #cgo lines libtch/lib.go gets for this libtorch.
type CgoFlags struct {
	CFLAGS   []string
	CXXFLAGS []string
	LDFLAGS  []string
}

// Flags computes the compile and link flags for lt.
func (lt *Libtorch) Flags() CgoFlags {
	std := "-std=c++14"
	if lt.major() >= 2 {
		std = "-std=c++17" // libtorch 2.x headers need C++17
	}
	f := CgoFlags{
		CFLAGS: []string{"-I${SRCDIR}", "-O2", "-Wall", "-Wno-unused-variable", "-Wno-deprecated-declarations", "-Wno-sign-compare", "-Wno-unused-function"},
		// -w: the generated wrappers trigger thousands of deprecation warnings
		// that would otherwise flood every first build.
		CXXFLAGS: []string{std, "-O2", "-w", "-I${SRCDIR}"},
		LDFLAGS:  []string{"-lstdc++"},
	}
	if lt.IncludeDir != "/usr/include" {
		f.CXXFLAGS = append(f.CXXFLAGS, "-I"+lt.IncludeDir)
	}
	f.CXXFLAGS = append(f.CXXFLAGS, "-I"+filepath.Join(lt.IncludeDir, "torch", "csrc", "api", "include"))
	if lt.CXX11ABI >= 0 {
		f.CXXFLAGS = append(f.CXXFLAGS, fmt.Sprintf("-D_GLIBCXX_USE_CXX11_ABI=%d", lt.CXX11ABI))
	}
	if lt.Root != "" {
		f.LDFLAGS = append(f.LDFLAGS, "-L"+lt.LibDir, "-Wl,-rpath,"+lt.LibDir)
	}
	f.LDFLAGS = append(f.LDFLAGS, "-ltorch", "-lc10", "-ltorch_cpu")
	if lt.CUDA {
		// Nothing in the wrappers references libtorch_cuda directly; without
		// --no-as-needed the linker drops it and CUDA never registers.
		f.LDFLAGS = append(f.LDFLAGS, "-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed")
	}
	return f
}

// CompileArgs are the g++ arguments that check the wrapper translation unit
// with the same flags cgo will use, ${SRCDIR} resolved to srcdir.
func (f CgoFlags) CompileArgs(srcdir string) []string {
	var args []string
	for _, a := range f.CXXFLAGS {
		args = append(args, strings.ReplaceAll(a, "${SRCDIR}", srcdir))
	}
	return args
}

// LibGo renders libtch/lib.go with these flags.
func (f CgoFlags) LibGo() string {
	var b strings.Builder
	b.WriteString("// Code generated by nerlab tools/gotchprep; DO NOT EDIT.\n\npackage libtch\n\n")
	for _, line := range []struct {
		name  string
		flags []string
	}{{"CFLAGS", f.CFLAGS}, {"CXXFLAGS", f.CXXFLAGS}, {"LDFLAGS", f.LDFLAGS}} {
		fmt.Fprintf(&b, "// #cgo %s: %s\n", line.name, strings.Join(line.flags, " "))
	}
	b.WriteString("import \"C\"\n")
	return b.String()
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

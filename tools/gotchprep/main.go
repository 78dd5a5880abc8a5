// Command gotchprep prepares gotch for the libtorch on this machine.
//
// gotch as published cannot build against the libtorch that can be installed
// here: its cgo flags hard-code CUDA libraries and a vendored libtorch path,
// and its generated op wrappers call ops that other libtorch versions lack.
// gotchprep copies a gotch release out of the Go module cache into
// third_party/gotch, writes cgo flags for the libtorch it finds (Debian's
// system libtorch, or LIBTORCH=/path for an unpacked CPU or CUDA libtorch),
// compiles the wrapper translation unit and replaces each wrapper that does
// not compile with a runtime error naming the op. The ops it disabled are
// listed in third_party/gotch/DISABLED_OPS.txt. It also applies a few
// fixes to gotch's Go code (patch.go), each explained there, and makes every
// function of package ts keep its tensor arguments alive until it returns
// (keepalive.go).
//
// The result is cached by (gotch version and checksum, libtorch version and
// location, flags, compiler): a second run with the same inputs returns at once.
//
// Usage (from the repository root; `make setup` runs it):
//
//	go run ./tools/gotchprep [-out third_party/gotch] [-force]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	gotchModule  = "github.com/sugarme/gotch"
	gotchVersion = "v0.8.0"
	// prepRevision changes whenever this tool's output would change for the
	// same inputs, so caches written by older revisions are rebuilt.
	prepRevision = "6"
	stampFile    = ".nerlab-prepared"
	disabledFile = "DISABLED_OPS.txt"
	maxPasses    = 6
)

func main() {
	out := flag.String("out", "third_party/gotch", "where the prepared gotch goes")
	force := flag.Bool("force", false, "prepare again even when the cache says it is up to date")
	flag.Parse()
	if err := prepare(*out, os.Getenv("LIBTORCH"), *force); err != nil {
		fmt.Fprintln(os.Stderr, "gotchprep:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gotchprep: "+format+"\n", args...)
}

func prepare(out, libtorchRoot string, force bool) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	lt, err := FindLibtorch(libtorchRoot)
	if err != nil {
		return err
	}
	flags := lt.Flags()
	src, sum, err := moduleDir(gotchModule, gotchVersion)
	if err != nil {
		return err
	}
	compiler, err := compilerVersion()
	if err != nil {
		return err
	}
	key := cacheKey(sum, lt, flags, compiler)
	if !force {
		if old, err := os.ReadFile(filepath.Join(out, stampFile)); err == nil && strings.TrimSpace(string(old)) == key {
			logf("gotch %s for libtorch %s is up to date in %s", gotchVersion, lt.Version, out)
			return nil
		}
	}
	logf("preparing gotch %s for libtorch %s (%s, cuda=%v) in %s", gotchVersion, lt.Version, libtorchWhere(lt), lt.CUDA, out)

	// Build in a sibling folder and rename at the end, so an interrupted run
	// never leaves a half-prepared tree that a later build would trust.
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := copyTree(src, tmp); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := applyPatches(tmp, patches); err != nil {
		return err
	}
	if err := addExtraFiles(tmp, extraFiles); err != nil {
		return err
	}
	kept, err := keepArgumentsAlive(tmp)
	if err != nil {
		return err
	}
	logf("%d functions keep their tensor arguments alive through their C calls", kept)
	libtch := filepath.Join(tmp, "libtch")
	if err := os.WriteFile(filepath.Join(libtch, "lib.go"), []byte(flags.LibGo()), 0o644); err != nil {
		return err
	}
	disabled, err := stubUntilClean(libtch, flags)
	if err != nil {
		return err
	}
	if err := writeDisabled(filepath.Join(tmp, disabledFile), lt, disabled); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, stampFile), []byte(key+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	logf("done: %d ops disabled (listed in %s)", len(disabled), filepath.Join(out, disabledFile))
	return nil
}

func libtorchWhere(lt *Libtorch) string {
	if lt.Root == "" {
		return "system, " + lt.LibDir
	}
	return lt.Root
}

// moduleDir finds (downloading if needed) a module version in the module
// cache and returns its directory and checksum.
func moduleDir(path, version string) (dir, sum string, err error) {
	cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = os.TempDir() // outside any module, so go.mod's replace does not apply
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Dir == "" {
		msg := strings.TrimSpace(info.Error + " " + stderr.String())
		if runErr != nil && msg == "" {
			msg = runErr.Error()
		}
		return "", "", fmt.Errorf("go mod download %s@%s: %s", path, version, msg)
	}
	return info.Dir, info.Sum, nil
}

func compilerVersion() (string, error) {
	out, err := exec.Command("g++", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("g++ not found (install g++; make setup does): %w", err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return first, nil
}

func cacheKey(sum string, lt *Libtorch, flags CgoFlags, compiler string) string {
	h := sha256.New()
	for _, part := range []string{prepRevision, gotchModule, gotchVersion, sum, lt.Version, lt.IncludeDir, lt.LibDir,
		fmt.Sprint(lt.CUDA, lt.CXX11ABI), flags.LibGo(), compiler} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	// What nerlab adds to or changes in gotch is part of the key, so editing
	// a patch or an extra file re-prepares without a manual revision bump.
	for _, p := range patches {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", p.File, p.Old, p.New)
	}
	names := make([]string, 0, len(extraFiles))
	for name := range extraFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", name, extraFiles[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stubUntilClean compiles libtch/torch_api.cpp (syntax only) and stubs the
// wrappers the compiler rejects, until it compiles. A pass can reveal new
// failures (g++ stops instantiating after some errors), hence the loop.
func stubUntilClean(libtch string, flags CgoFlags) ([]Disabled, error) {
	header := filepath.Join(libtch, generatedHeader)
	var all []Disabled
	for pass := 1; pass <= maxPasses; pass++ {
		start := time.Now()
		args := append(flags.CompileArgs(libtch), "-fsyntax-only", "-fmax-errors=0", filepath.Join(libtch, "torch_api.cpp"))
		cmd := exec.Command("g++", args...)
		cmd.Dir = libtch
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			logf("pass %d: wrappers compile (%.1fs)", pass, time.Since(start).Seconds())
			return all, nil
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, fmt.Errorf("run g++: %w", err)
		}
		diag := ParseDiagnostics(stderr.String())
		if len(diag.Failing) == 0 {
			return nil, fmt.Errorf("gotch's hand-written wrappers do not compile against this libtorch; first errors:\n%s", firstLines(diag.Errors, stderr.String(), 15))
		}
		data, err := os.ReadFile(header)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(string(data), "\n")
		lines, disabled, orphans := StubFailing(lines, diag.Failing)
		if len(disabled) == 0 {
			return nil, fmt.Errorf("%s: errors at lines %v are outside any atg_ wrapper; cannot stub them", generatedHeader, orphans)
		}
		if err := os.WriteFile(header, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			return nil, err
		}
		logf("pass %d: disabled %d wrappers (%.1fs)", pass, len(disabled), time.Since(start).Seconds())
		all = append(all, disabled...)
	}
	return nil, fmt.Errorf("wrappers still fail to compile after %d passes", maxPasses)
}

func firstLines(errs []string, raw string, n int) string {
	if len(errs) == 0 {
		errs = strings.Split(strings.TrimSpace(raw), "\n")
	}
	if len(errs) > n {
		errs = errs[:n]
	}
	return strings.Join(errs, "\n")
}

func writeDisabled(path string, lt *Libtorch, disabled []Disabled) error {
	sort.Slice(disabled, func(i, j int) bool { return disabled[i].Name < disabled[j].Name })
	var b strings.Builder
	fmt.Fprintf(&b, "# gotch %s wrappers disabled for libtorch %s (%s): calling them returns an error.\n", gotchVersion, lt.Version, libtorchWhere(lt))
	for _, d := range disabled {
		fmt.Fprintf(&b, "%s\t%s\n", d.Name, d.Reason)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// copyTree copies a module out of the read-only module cache, making the
// copy writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

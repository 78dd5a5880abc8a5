package safefile

import (
	"os"
	"path/filepath"
	"strings"
)

// Within reports whether path is base itself or lies inside it, after
// making both absolute and resolving the symbolic links of the parts
// that exist (so "data/../data" and a link to data are data). Commands
// use it to refuse an output that is, or is inside, one of their inputs:
// writing there could replace what they read (`retrieve --data D --out D`
// once overwrote a dataset with its context views).
func Within(path, base string) bool {
	p, b := resolve(path), resolve(base)
	if p == b {
		return true
	}
	rel, err := filepath.Rel(b, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolve makes path absolute and resolves links in its longest existing
// prefix; the part that does not exist yet is appended as written.
func resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for dir := abs; ; {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// SameFile reports whether a and b name the same existing file (through
// links or hard links too), or the same path when either does not exist.
func SameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	return resolve(a) == resolve(b)
}

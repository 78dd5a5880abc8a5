package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxColumns bounds column_format indices: CoNLL files have a handful of
// columns, and the index becomes a list of that length.
const maxColumns = 64

// clnerCorpusIgnored are ColumnCorpus arguments nerlab does not need.
var clnerCorpusIgnored = map[string]string{
	"comment_symbol":           "nerlab's reader has its own rules for comments",
	"in_memory":                "nerlab always reads corpora into memory",
	"document_separator_token": "nerlab reads -DOCSTART- lines as document breaks",
	"encoding":                 "nerlab reads UTF-8",
}

// clnerTaskIgnored are keys of the task section nerlab does not use.
var clnerTaskIgnored = map[string]string{
	"tag_dictionary":  "nerlab builds the tag dictionary from the training data",
	"teachers":        "knowledge distillation is not used",
	"professors":      "knowledge distillation is not used",
	"systems":         "system ensembles are not used",
	"zeroshot_corpus": "zero-shot transfer is not used",
}

// clnerTask reads the task section (ner: {Corpus: A:B, A: {...}, B: {...}})
// into Data and, for a pair, Data.Context.
func (r *reader) clnerTask(task pair, target string) error {
	ps, err := r.section(task, target)
	if err != nil {
		return err
	}
	sections := map[string]pair{}
	var corpusAt *pair
	for i, p := range ps {
		if p.name() == "Corpus" {
			corpusAt = &ps[i]
		} else {
			sections[p.name()] = p
		}
	}
	if corpusAt == nil {
		return r.fail(task.key, target, "has no Corpus key; expected Corpus: ColumnCorpus-1 (or a pair ColumnCorpus-A:ColumnCorpus-B for CLNER's two views)")
	}
	key := target + ".Corpus"
	value, err := r.str(corpusAt.val, key)
	if err != nil {
		return err
	}
	names := strings.Split(value, ":")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
		if names[i] == "" {
			return r.fail(corpusAt.val, key, "%q has an empty corpus name; expected ColumnCorpus-A or ColumnCorpus-A:ColumnCorpus-B", value)
		}
	}
	if len(names) > 2 {
		return r.fail(corpusAt.val, key, "names %d corpora; expected one, or a pair whose second is the context view", len(names))
	}
	plain, context := names[0], ""
	if len(names) == 2 {
		plain, context = contextPair(names[0], names[1])
	}
	used := map[string]bool{}
	for i, name := range []string{plain, context} {
		if name == "" {
			continue
		}
		sec, ok := sections[name]
		switch {
		case !strings.HasPrefix(name, "ColumnCorpus"):
			return r.fail(corpusAt.val, key, "%s is a flair dataset nerlab cannot download; expected ColumnCorpus-NAME with a %s.ColumnCorpus-NAME section giving data_folder and column_format", name, target)
		case !ok:
			return r.fail(corpusAt.val, key, "names %s, but %s has no %s section; expected %s: {data_folder: ..., column_format: {0: text, 1: ner}}", name, target, name, name)
		}
		used[name] = true
		prefix := "data"
		dst := &r.exp.Data
		if i == 1 {
			prefix = "data.context"
			r.exp.Data.Context = &Data{}
			dst = r.exp.Data.Context
			r.set(prefix, sec.key)
		}
		if err := r.clnerCorpus(sec, target+"."+name, prefix, dst); err != nil {
			return err
		}
	}
	for _, p := range ps {
		name := p.name()
		switch {
		case name == "Corpus" || used[name]:
		case clnerTaskIgnored[name] != "":
			r.warn(p.key, "ignored key %s.%s: %s", target, name, clnerTaskIgnored[name])
		default:
			r.warn(p.key, "ignored key %s.%s: not named in %s", target, name, key)
		}
	}
	return nil
}

// contextPair orders a Corpus pair as (plain, context). CLNER's trainer
// takes the corpus whose name contains "doc" as the view with retrieved
// context; when the names do not say, the second is the context.
func contextPair(a, b string) (plain, context string) {
	aDoc := strings.Contains(strings.ToLower(a), "doc")
	bDoc := strings.Contains(strings.ToLower(b), "doc")
	if aDoc && !bDoc {
		return b, a
	}
	return a, b
}

// clnerCorpus reads one ColumnCorpus section into dst, whose native keys
// sit under prefix, and finds its files.
func (r *reader) clnerCorpus(sec pair, key, prefix string, dst *Data) error {
	ps, err := r.section(sec, key)
	if err != nil {
		return err
	}
	var folder, columns, scheme *yaml.Node
	var files [3]*yaml.Node // train_file, dev_file, test_file
	fileKeys := []string{"train_file", "dev_file", "test_file"}
	for _, p := range ps {
		switch name := p.name(); name {
		case "data_folder":
			folder = p.val
		case "column_format":
			columns = p.val
		case "tag_to_bioes":
			scheme = p.val
		case "train_file", "dev_file", "test_file":
			for i, k := range fileKeys {
				if k == name {
					files[i] = p.val
				}
			}
		default:
			if why := clnerCorpusIgnored[name]; why != "" {
				r.warn(p.key, "ignored key %s.%s: %s", key, name, why)
			} else {
				r.warn(p.key, "unknown key %s.%s%s", key, name, didYouMean(name, []string{"data_folder", "column_format", "tag_to_bioes", "train_file", "dev_file", "test_file"}))
			}
		}
	}
	if columns == nil {
		return r.fail(sec.key, key, "has no column_format; expected e.g. column_format: {0: text, 1: ner}")
	}
	spec, err := r.columnFormat(columns, key+".column_format")
	if err != nil {
		return err
	}
	dst.Columns = spec
	r.set(prefix+".columns", columns)
	dst.TagScheme = "bio"
	if scheme != nil && !isNull(scheme) {
		dst.TagScheme = "bioes" // flair converts the named column to BIOES
		r.set(prefix+".tag_scheme", scheme)
	}
	if folder == nil {
		return r.fail(sec.key, key, "has no data_folder; expected data_folder: the folder holding the train, dev and test files")
	}
	dir, err := r.str(folder, key+".data_folder")
	if err != nil {
		return err
	}
	if dir == "" {
		return r.fail(folder, key+".data_folder", "is empty; expected the folder holding the train, dev and test files")
	}
	return r.findSplits(dir, folder, files, key, prefix, dst)
}

// columnFormat renders column_format ({0: text, 1: ner}) as the column
// list nerlab writes ("text ner"; "_" for a column without a name).
func (r *reader) columnFormat(n *yaml.Node, key string) (string, error) {
	d := deref(n)
	if d.Kind != yaml.MappingNode {
		return "", r.fail(n, key, "%s is not a mapping; expected e.g. {0: text, 1: ner}", describe(d))
	}
	ps, err := r.pairs(d, key)
	if err != nil {
		return "", err
	}
	names := map[int]string{}
	last := -1
	for _, p := range ps {
		idx, err := strconv.Atoi(p.name())
		if err != nil || idx < 0 || idx >= maxColumns {
			return "", r.fail(p.key, key, "column %q is not a column number; expected 0 to %d", p.name(), maxColumns-1)
		}
		name, err := r.str(p.val, key)
		if err != nil {
			return "", err
		}
		if name == "" || strings.ContainsAny(name, " \t\r\n,:{}") || name == "_" || name == "-" {
			return "", r.fail(p.val, key, "column %d is named %q; expected a name such as text, pos or ner", idx, name)
		}
		names[idx] = name
		last = max(last, idx)
	}
	cols := make([]string, last+1)
	for i := range cols {
		cols[i] = "_"
		if name, ok := names[i]; ok {
			cols[i] = name
		}
	}
	return strings.Join(cols, " "), nil
}

// findSplits sets dst's files from the folder the way flair's ColumnCorpus
// finds them: names containing "train"; "dev", "valid" (validation) or
// "testa"; "testb", else "test". Explicit train_file/dev_file/test_file win. Gzipped and hidden
// files are skipped; two candidates for one split are an error rather
// than flair's arbitrary pick.
func (r *reader) findSplits(dir string, at *yaml.Node, explicit [3]*yaml.Node, key, prefix string, dst *Data) error {
	found, err := SplitCandidates(dir)
	if err != nil {
		return &Error{Path: r.path, Line: at.Line, Key: key + ".data_folder",
			Msg: fmt.Sprintf("cannot read the folder %s; expected a folder with train, dev and test files (relative paths are relative to the working directory)", dir), Err: err}
	}
	splits := []string{"train", "dev", "test"}
	dsts := []*string{&dst.Train, &dst.Dev, &dst.Test}
	for i, split := range splits {
		nkey := prefix + "." + split
		if explicit[i] != nil {
			name, err := r.str(explicit[i], key+"."+split+"_file")
			if err != nil {
				return err
			}
			*dsts[i] = filepath.Join(dir, name)
			r.set(nkey, explicit[i])
			continue
		}
		switch len(found[i]) {
		case 0:
			if i == 0 {
				return r.fail(at, key+".data_folder", "%s has no file whose name contains \"train\"; expected a training file such as train.txt", dir)
			}
			r.warn(at, "%s.data_folder: %s has no %s file", key, dir, split)
		case 1:
			*dsts[i] = filepath.Join(dir, found[i][0])
			r.set(nkey, at)
		default:
			return r.fail(at, key+".data_folder", "%s has %d %s files (%s); expected one, or %s_file naming it", dir, len(found[i]), split, strings.Join(found[i], ", "), split)
		}
	}
	return nil
}

// SplitCandidates lists the files of a corpus folder that flair's
// ColumnCorpus would take for each split (train, dev, test): names
// containing "train"; "dev", "valid" (valid.txt, validation.txt: many
// exports, Twitter-2015) or "testa"; "testb", else "test". Gzipped and
// hidden files are skipped. More than one name for a split is ambiguous;
// callers decide how to report it.
func SplitCandidates(dir string) ([3][]string, error) {
	var found [3][]string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return found, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".gz") {
			continue
		}
		names = append(names, n)
	}
	return SplitsOfNames(names), nil
}

// SplitsOfNames places file names in the splits (train, dev, test) by the
// rules of SplitCandidates, in sorted order.
func SplitsOfNames(names []string) [3][]string {
	var found [3][]string
	names = slices.Sorted(slices.Values(names))
	for _, n := range names {
		switch {
		case strings.Contains(n, "train"):
			found[0] = append(found[0], n)
		case strings.Contains(n, "dev") || strings.Contains(n, "valid") || strings.Contains(n, "testa"):
			found[1] = append(found[1], n)
		case strings.Contains(n, "testb"):
			found[2] = append(found[2], n)
		}
	}
	if len(found[2]) == 0 {
		for _, n := range names {
			if strings.Contains(n, "test") && !strings.Contains(n, "testa") && !strings.Contains(n, "train") {
				found[2] = append(found[2], n)
			}
		}
	}
	return found
}

package tagger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/jsonpos"
	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/torch"
)

// Files of a saved model directory.
const (
	ConfigFile  = "model.json"
	WeightsFile = "model.safetensors"
)

// Save writes the model into dir (created if needed): model.json with the
// structure, vocabularies and tags, model.safetensors with the weights,
// and a folder per encoder with files of its own (embed.Bundled: a
// transformer's config.json and tokenizer in transformer/).
// Each file is replaced atomically; the weights carry the config's hash so a
// directory whose files come from different saves is refused on load.
func (t *Tagger) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, spec := range t.Config.Embeddings {
		if b, ok := spec.Config.(embed.Bundled); ok {
			if err := writeBundle(dir, b); err != nil {
				return err
			}
		}
	}
	t.Config.WeightChecksums = true // torch.SaveVarStore writes them
	saved := t.Config
	if saved.Model.LinearInit == "normal" {
		// The default is left out (omitempty), so that builds from before
		// the option, which refuse unknown fields, still read the model.
		saved.Model.LinearInit = ""
	}
	data, err := json.MarshalIndent(saved, "", " ")
	if err != nil {
		return err
	}
	meta := map[string]string{"format": "nerlab-tagger", "version": strconv.Itoa(FormatVersion), "config_sha": digest(data)}
	if err := torch.SaveVarStore(filepath.Join(dir, WeightsFile), t.VS, meta); err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, ConfigFile), append(data, '\n'))
}

// writeBundle writes b's files into dir/KIND whole: into a temporary
// folder first, which then replaces the old one, so that no file of an
// earlier save (another tokenizer's) is left beside them.
func writeBundle(dir string, b embed.Bundled) error {
	tmp, err := os.MkdirTemp(dir, "."+b.Kind()+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	// MkdirTemp's 0700 would stay after the rename.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := b.WriteFiles(tmp); err != nil {
		return err
	}
	final := filepath.Join(dir, b.Kind())
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// Load reads a model saved by Save. dir may also be a run folder, whose
// best model (then final model) is used. Corrupt, truncated or mismatched
// files are refused with an error naming the file.
func Load(dir string, device gotch.Device) (*Tagger, error) {
	dir, err := ResolveModelDir(dir)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	cfg, err := decodeConfig(cfgPath, data)
	if err != nil {
		return nil, err
	}
	for _, spec := range cfg.Embeddings {
		if b, ok := spec.Config.(embed.Bundled); ok {
			if err := b.ReadFiles(filepath.Join(dir, b.Kind())); err != nil {
				return nil, fmt.Errorf("%s: %s embedding: %w", cfgPath, b.Kind(), err)
			}
		}
	}
	t, err := New(cfg, device)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	weights := filepath.Join(dir, WeightsFile)
	meta, err := torch.LoadVarStore(weights, t.VS)
	if err != nil {
		return nil, err
	}
	if _, ok := meta[torch.ChecksumKey]; cfg.WeightChecksums && !ok {
		return nil, fmt.Errorf("%s: the tensors' checksums (%s) are missing though %s says they were written; the file is corrupt", weights, torch.ChecksumKey, ConfigFile)
	}
	if meta["format"] != "nerlab-tagger" {
		return nil, fmt.Errorf("%s: not a nerlab tagger's weights (format %q)", weights, meta["format"])
	}
	if sha := meta["config_sha"]; sha != digest(bytes.TrimSpace(data)) {
		return nil, fmt.Errorf("%s: the weights were saved with a different %s (was one of them replaced?)", weights, ConfigFile)
	}
	return t, nil
}

// decodeConfig reads model.json (data, read from path) of the current
// format or of format 1, which it upgrades; unknown fields are errors in
// both. Its errors name path and, where they can, the line:
// "path:LINE: embeddings[1]: char embedding: …".
func decodeConfig(path string, data []byte) (Config, error) {
	fail := func(off int64, err error) error {
		if off < 0 {
			return fmt.Errorf("%s: %v", path, err)
		}
		return fmt.Errorf("%s:%d: %v", path, jsonpos.Line(data, off), err)
	}
	// The format is read first, and by itself: a newer format has fields
	// this nerlab does not know, and "unknown field" would hide that the
	// file is simply too new.
	var version struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(data, &version); err != nil {
		return Config{}, fail(jsonpos.Offset(data, err), err)
	}
	reads := fmt.Sprintf("this nerlab reads formats 1 and %d", FormatVersion)
	switch {
	case version.Format == nil:
		return Config{}, fail(-1, fmt.Errorf("no \"format\"; %s", reads))
	case *version.Format > FormatVersion:
		return Config{}, fail(-1, fmt.Errorf("format %d was written by a newer nerlab; %s", *version.Format, reads))
	case *version.Format != 1 && *version.Format != FormatVersion:
		return Config{}, fail(-1, fmt.Errorf("format %d, which no nerlab writes; %s", *version.Format, reads))
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fail(jsonpos.Offset(data, err), err)
		}
		return nil
	}
	if *version.Format == 1 {
		var old configV1
		if err := strict(&old); err != nil {
			return Config{}, err
		}
		return old.upgrade(), nil
	}
	// The embeddings are decoded one by one from their own text, each
	// with its kind's Config, so an error in one is placed at its line
	// of the file (and named by its index) rather than at an offset in
	// a fragment.
	var wire struct {
		Config
		Embeddings []json.RawMessage `json:"embeddings"` // shadows Config's
	}
	if err := strict(&wire); err != nil {
		return Config{}, err
	}
	cfg := wire.Config
	if wire.Embeddings == nil {
		return cfg, nil
	}
	base, elems, err := embeddingElements(data)
	if err != nil || len(elems) != len(wire.Embeddings) {
		return Config{}, fail(-1, fmt.Errorf("cannot place the embeddings in the file (%v)", err))
	}
	cfg.Embeddings = make([]embed.Spec, len(elems))
	for i, e := range elems {
		text := data[base+e[0] : base+e[1]]
		if err := cfg.Embeddings[i].UnmarshalJSON(text); err != nil {
			off := jsonpos.Offset(text, err)
			if off < 0 {
				off = kindOffset(text)
			}
			return Config{}, fail(base+e[0]+off, fmt.Errorf("embeddings[%d]: %v", i, err))
		}
	}
	return cfg, nil
}

// embeddingElements finds the "embeddings" array of model.json: the
// offset of its text in data, and each element's offsets in that text.
// The last key that json would match wins, as in json's own decoding.
func embeddingElements(data []byte) (int64, [][2]int64, error) {
	members, err := jsonpos.Members(data)
	if err != nil {
		return 0, nil, err
	}
	for i := len(members) - 1; i >= 0; i-- {
		if m := members[i]; strings.EqualFold(m.Key, "embeddings") {
			elems, err := jsonpos.Elements(data[m.ValOff:m.End])
			return m.ValOff, elems, err
		}
	}
	return 0, nil, fmt.Errorf("no \"embeddings\"")
}

// kindOffset returns where an embedding's "kind" is in its text (an
// error about the kind is placed there), or 0, the embedding's start.
func kindOffset(text []byte) int64 {
	members, _ := jsonpos.Members(text)
	for _, m := range members {
		if m.Key == "kind" {
			return m.KeyOff
		}
	}
	return 0
}

// configV1 is model.json in format 1 (nerlab before its encoders became
// specs): a fixed word table and character encoder.
type configV1 struct {
	Format          int                `json:"format"`
	TagScheme       string             `json:"tag_scheme"`
	Tags            *corpus.Dictionary `json:"tags"`
	Model           Layers             `json:"model"`
	Word            *embed.WordConfig  `json:"word,omitempty"`
	Char            *embed.CharConfig  `json:"char,omitempty"`
	WeightChecksums bool               `json:"weight_checksums,omitempty"`
}

// upgrade makes the format-2 Config of the same model. Its weights keep
// their names (word.*, char.*), and the stack's order is format 1's
// fixed one, word then char.
func (c configV1) upgrade() Config {
	cfg := Config{Format: FormatVersion, TagScheme: c.TagScheme, Tags: c.Tags, Model: c.Model, WeightChecksums: c.WeightChecksums}
	if c.Word != nil {
		cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: c.Word})
	}
	if c.Char != nil {
		cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: c.Char})
	}
	return cfg
}

// ResolveModelDir maps a run folder to its saved model, best-model; any
// other directory is returned unchanged. Training saves the best model
// after its first epoch, before any final model, so a run folder whose
// best-model is missing or incomplete is damaged: that is an error naming
// the file, not a reason to take final-model in its place (the final model
// is another model, and it was once used silently). A folder with only a
// final-model and no run around it (copied out of a run) resolves to it.
func ResolveModelDir(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return dir, nil
	}
	best, final := filepath.Join(dir, runs.BestModelDir), filepath.Join(dir, runs.FinalModelDir)
	_, errBest := os.Stat(best)
	_, errFinal := os.Stat(final)
	_, errRun := os.Stat(filepath.Join(dir, runs.ConfigCopy))
	switch {
	case errBest == nil:
		if _, err := os.Stat(filepath.Join(best, ConfigFile)); err != nil {
			return "", fmt.Errorf("%s: the run's best model is incomplete (%v); the final model is not used in its place: name %s to use it", dir, err, final)
		}
		return best, nil
	case errFinal == nil && errRun == nil:
		return "", fmt.Errorf("%s: the run has a final model but no best model (%s is missing); the final model is not used in its place: name %s to use it", dir, best, final)
	case errFinal == nil:
		return final, nil
	}
	return dir, nil
}

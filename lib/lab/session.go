package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
)

// Session holds the state that lives across commands in one REPL, script or
// kernel: loaded datasets and models, the working experiment and its
// overrides, and the runs trained here. The one-shot CLI uses a fresh
// Session per command. A Session is used by one command at a time.
type Session struct {
	// Events, when set, receives training events instead of the default
	// text printer (the REPL and the kernel render them their own way).
	Events func(train.Event)
	// Color turns on ANSI colours in human-readable output (entity
	// highlighting); the REPL sets it on a colour terminal.
	Color bool
	// Images is the inline image protocol of the terminal; plot shows
	// its chart inline when it is not NoImages.
	Images render.ImageProtocol
	// RunsDir is where `runs` looks for run folders besides the runs of this
	// session; "" means "runs" in the working directory.
	RunsDir string

	datasets map[string]*Dataset
	dataset  string // the current dataset
	models   map[string]*Model
	model    string // the current model
	encoders map[string]*Encoder

	exp       *config.Experiment // loaded with `load NAME FILE.yaml` or `train CFG`
	overrides []string           // `set key=value`, applied in order to every experiment
	runs      []string           // run folders trained or resumed in this session
}

// Dataset is a corpus folder (or one file) loaded under a name.
type Dataset struct {
	Name    string
	Path    string // as given to load
	Dir     string // the folder holding the splits
	Columns string // column spec given to load ("" = detected)
	Splits  []Split
}

// Split is one file of a dataset.
type Split struct {
	Name   string // train, dev, test, or the file name for a single file
	Path   string
	Corpus *corpus.Corpus
}

// Split returns the named split, or nil.
func (d *Dataset) Split(name string) *Split {
	for i := range d.Splits {
		if d.Splits[i].Name == name {
			return &d.Splits[i]
		}
	}
	return nil
}

// Model is a trained tagger known to the session by name. The weights are
// read on first use and read again when the files change on disk (a run
// that was trained further).
type Model struct {
	Name   string
	Path   string // as given: a model folder or a run folder
	tagger *tagger.Tagger
	device string
	stamp  time.Time // modification time of the weights when read
}

// Dir is the model folder Path resolves to (a run's best model); Path
// itself when that cannot be resolved (Tagger says why).
func (m *Model) Dir() string {
	dir, err := tagger.ResolveModelDir(m.Path)
	if err != nil {
		return m.Path
	}
	return dir
}

// Tagger returns the model's tagger on device, reading it if needed.
func (m *Model) Tagger(device string) (*tagger.Tagger, error) {
	if _, err := tagger.ResolveModelDir(m.Path); err != nil {
		return nil, err
	}
	st, err := os.Stat(filepath.Join(m.Dir(), tagger.WeightsFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no saved model (%s) in %s", m.Path, tagger.WeightsFile, m.Dir())
		}
		return nil, err
	}
	if m.tagger != nil && m.device == device && st.ModTime().Equal(m.stamp) {
		return m.tagger, nil
	}
	dev, err := torch.Device(device)
	if err != nil {
		return nil, err
	}
	tg, err := tagger.Load(m.Path, dev)
	if err != nil {
		return nil, err
	}
	m.tagger, m.device, m.stamp = tg, device, st.ModTime()
	return tg, nil
}

// NewSession returns an empty session.
func NewSession() *Session { return &Session{} }

func (s *Session) init() {
	if s.datasets == nil {
		s.datasets = map[string]*Dataset{}
		s.models = map[string]*Model{}
		s.encoders = map[string]*Encoder{}
	}
}

// Datasets returns the loaded datasets sorted by name.
func (s *Session) Datasets() []*Dataset {
	out := make([]*Dataset, 0, len(s.datasets))
	for _, d := range s.datasets {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Dataset returns a loaded dataset by name; "" means the current one.
func (s *Session) Dataset(name string) *Dataset {
	if name == "" {
		name = s.dataset
	}
	return s.datasets[name]
}

// Models returns the known models sorted by name.
func (s *Session) Models() []*Model {
	out := make([]*Model, 0, len(s.models))
	for _, m := range s.models {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Model returns a known model by name; "" means the current one.
func (s *Session) Model(name string) *Model {
	if name == "" {
		name = s.model
	}
	return s.models[name]
}

// Runs returns the run folders trained or resumed in this session, oldest
// first.
func (s *Session) Runs() []string { return append([]string(nil), s.runs...) }

// Overrides returns the session's `set` assignments in order.
func (s *Session) Overrides() []string { return append([]string(nil), s.overrides...) }

// AddDataset registers d under its name and makes it current.
func (s *Session) AddDataset(d *Dataset) {
	s.init()
	s.datasets[d.Name] = d
	s.dataset = d.Name
}

// AddModel registers a model folder or run folder under name and makes it
// current; its weights are read on first use.
func (s *Session) AddModel(name, path string) *Model {
	s.init()
	m := &Model{Name: name, Path: path}
	if old := s.models[name]; old != nil && old.Path == path {
		m = old
	}
	s.models[name] = m
	s.model = name
	return m
}

// addRun records a run folder of this session and makes its model current.
func (s *Session) addRun(dir string) {
	for i, r := range s.runs {
		if r == dir {
			s.runs = append(s.runs[:i], s.runs[i+1:]...)
			break
		}
	}
	s.runs = append(s.runs, dir)
	s.AddModel(filepath.Base(dir), dir)
}

// modelFor resolves the model a command uses: the --model path if given
// (cached by path), else the session's current model.
func (s *Session) modelFor(cmd, path, device string) (*tagger.Tagger, error) {
	if path != "" {
		s.init()
		for _, m := range s.models {
			if m.Path == path || m.Name == path {
				return m.Tagger(device)
			}
		}
		if ok, err := isModelPath(path); err != nil {
			return nil, err
		} else if !ok {
			if _, err := os.Stat(path); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%s: not a model folder or run folder (no model.json, best-model/ or final-model/)", path)
		}
		m := &Model{Name: path, Path: path}
		s.models[path] = m
		return m.Tagger(device)
	}
	m := s.Model("")
	if m == nil {
		return nil, &UsageError{Command: cmd, Msg: "no model: give --model (a model or run folder), " + hint.Command("load NAME RUN") + ", or train one"}
	}
	return m.Tagger(device)
}

// isModelPath reports whether path is a model folder or a run folder with a
// saved model; a run folder whose best model is damaged is an error.
func isModelPath(path string) (bool, error) {
	dir, err := tagger.ResolveModelDir(path)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(filepath.Join(dir, tagger.ConfigFile))
	return err == nil, nil
}

// Experiment is the working experiment: the loaded one (or, without one,
// the defaults with the current dataset's files) with the session's
// overrides applied. It is a fresh copy each call.
func (s *Session) Experiment() (*config.Experiment, error) {
	var exp *config.Experiment
	switch {
	case s.exp != nil:
		exp = s.exp.Clone()
	case s.Dataset("") != nil:
		d := s.Dataset("")
		e := config.Default()
		e.Name, e.TargetDir = d.Name, "runs"
		if d.Columns != "" {
			e.Data.Columns = d.Columns
		} else if len(d.Splits) > 0 {
			e.Data.Columns = d.Splits[0].Corpus.Columns.String()
		}
		for _, sp := range d.Splits {
			switch sp.Name {
			case "train":
				e.Data.Train = sp.Path
			case "dev":
				e.Data.Dev = sp.Path
			case "test":
				e.Data.Test = sp.Path
			}
		}
		if e.Data.Train == "" {
			return nil, fmt.Errorf("dataset %s has no train split; load a folder with a train file or a config", d.Name)
		}
		exp = &e
	default:
		return nil, &UsageError{Msg: "no experiment: " + hint.Command("load NAME CONFIG.yaml") + ", " + hint.Command("load NAME DATA_DIR") + ", or " + hint.Command("train CONFIG")}
	}
	for _, o := range s.overrides {
		if err := exp.Set(o); err != nil {
			return nil, fmt.Errorf("set %s: %w", o, err)
		}
	}
	return exp, nil
}

// Set records a `key=value` override after checking it applies.
func (s *Session) Set(assign string) error {
	key, _, ok := strings.Cut(assign, "=")
	if !ok {
		return fmt.Errorf("expected key=value")
	}
	probe := config.Default()
	if s.exp != nil {
		probe = *s.exp.Clone()
	}
	if err := probe.Set(assign); err != nil {
		return err
	}
	// A later assignment of a key replaces the earlier one.
	kept := s.overrides[:0]
	for _, o := range s.overrides {
		if k, _, _ := strings.Cut(o, "="); k != key {
			kept = append(kept, o)
		}
	}
	s.overrides = append(kept, assign)
	return nil
}

// Unset removes the override of key; it reports whether there was one.
func (s *Session) Unset(key string) bool {
	for i, o := range s.overrides {
		if k, _, _ := strings.Cut(o, "="); k == key {
			s.overrides = append(s.overrides[:i], s.overrides[i+1:]...)
			return true
		}
	}
	return false
}

// SetExperiment makes exp the session's loaded experiment.
func (s *Session) SetExperiment(exp *config.Experiment) { s.exp = exp }

// runsDir is where `runs` looks.
func (s *Session) runsDir() string {
	if s.RunsDir != "" {
		return s.RunsDir
	}
	return "runs"
}

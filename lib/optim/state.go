package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// Meta keys shared by both optimizers.
const (
	metaOptimizer = "optimizer"
	metaSteps     = "steps"
	// metaIncomplete is set when State could not copy a tensor.
	metaIncomplete = "incomplete"
)

// stateKey names a state tensor: "<param name>.<state name>".
func stateKey(param, name string) string { return param + "." + name }

// exportState copies every state tensor out and describes the rest in
// meta; hyper are the optimizer's hyper-parameters, recorded for the
// reader (LoadState does not require them to match, so a resumed run may
// change them on purpose).
func (c *core) exportState(hyper map[string]any) (map[string]*ts.Tensor, map[string]any) {
	tensors := map[string]*ts.Tensor{}
	steps := map[string]int64{}
	meta := map[string]any{metaOptimizer: c.name, metaSteps: steps}
	for k, v := range hyper {
		meta[k] = v
	}
	torch.NoGrad(func() {
		for _, s := range c.slots {
			steps[s.param.Name] = s.steps
			for i, name := range c.stateNames {
				if s.state[i] == nil {
					continue
				}
				h, err := clone(raw(s.state[i]))
				if err != nil {
					// Cloning a live tensor fails only when libtorch is out of
					// memory; the missing tensor makes LoadState fail loudly,
					// and the reason travels with the state.
					meta[metaIncomplete] = err.Error()
					continue
				}
				tensors[stateKey(s.param.Name, name)] = adopt(h)
			}
		}
	})
	return tensors, meta
}

// importState checks tensors and meta against the parameters, then
// replaces every slot's state with copies. Nothing changes on error.
func (c *core) importState(tensors map[string]*ts.Tensor, meta map[string]any) error {
	if c.invalid != nil {
		return c.invalid
	}
	if why, ok := meta[metaIncomplete]; ok {
		return fmt.Errorf("optim: state was saved incomplete (%v); expected a complete State", why)
	}
	if got, _ := meta[metaOptimizer].(string); got != c.name {
		return fmt.Errorf("optim: state is for optimizer %q; expected %q", got, c.name)
	}
	steps, err := parseSteps(meta[metaSteps])
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, s := range c.slots {
		known[s.param.Name] = true
	}
	for name := range steps {
		if !known[name] {
			return fmt.Errorf("optim: state has steps for unknown parameter %q; expected one of this optimizer's parameters", name)
		}
	}

	used := map[string]bool{}
	for _, s := range c.slots {
		if steps[s.param.Name] == 0 {
			continue
		}
		want := shapeOf(raw(s.param.Tensor))
		for _, name := range c.stateNames {
			key := stateKey(s.param.Name, name)
			t, ok := tensors[key]
			if !ok || t == nil || raw(t) == nil {
				return fmt.Errorf("optim: state tensor %q is missing; parameter %q has taken %d steps", key, s.param.Name, steps[s.param.Name])
			}
			if got := shapeOf(raw(t)); !slices.Equal(got, want) {
				return fmt.Errorf("optim: state tensor %q has shape %v; expected %v like parameter %q", key, got, want, s.param.Name)
			}
			used[key] = true
		}
	}
	var extra []string
	for key := range tensors {
		if !used[key] {
			extra = append(extra, key)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("optim: unexpected state tensors %v; expected only state of parameters with steps > 0", extra)
	}

	// Build all copies first so that a libtorch failure half way leaves the
	// old state in place.
	fresh := make([][]*ts.Tensor, len(c.slots))
	var copyErr error
	torch.NoGrad(func() {
		for si, s := range c.slots {
			fresh[si] = make([]*ts.Tensor, len(c.stateNames))
			if steps[s.param.Name] == 0 {
				continue
			}
			for i, name := range c.stateNames {
				h, err := zerosLike(raw(s.param.Tensor))
				if err == nil {
					if err = copy_(h, raw(tensors[stateKey(s.param.Name, name)])); err != nil {
						free(h)
					}
				}
				if err != nil {
					copyErr = fmt.Errorf("%w (loading %q)", err, stateKey(s.param.Name, name))
					return
				}
				fresh[si][i] = adopt(h)
			}
		}
	})
	if copyErr != nil {
		return copyErr
	}
	for si, s := range c.slots {
		for _, old := range s.state {
			if old != nil {
				old.MustDrop()
			}
		}
		s.steps = steps[s.param.Name]
		s.state = fresh[si]
	}
	return nil
}

// parseSteps reads meta's step counts, accepting the map State writes and
// the map[string]any that JSON decoding gives back.
func parseSteps(v any) (map[string]int64, error) {
	out := map[string]int64{}
	switch m := v.(type) {
	case nil:
		return nil, fmt.Errorf("optim: state meta has no %q; expected per-parameter step counts", metaSteps)
	case map[string]int64:
		for k, n := range m {
			if n < 0 {
				return nil, fmt.Errorf("optim: state meta %s[%q] = %d; expected a count >= 0", metaSteps, k, n)
			}
			out[k] = n
		}
	case map[string]any:
		for k, raw := range m {
			n, ok := asCount(raw)
			if !ok {
				return nil, fmt.Errorf("optim: state meta %s[%q] = %v; expected a whole number >= 0", metaSteps, k, raw)
			}
			out[k] = n
		}
	default:
		return nil, fmt.Errorf("optim: state meta %q is a %T; expected a map of parameter name to step count", metaSteps, v)
	}
	return out, nil
}

func asCount(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case float64:
		f = n
	case json.Number:
		i, err := n.Int64()
		return i, err == nil && i >= 0
	default:
		return 0, false
	}
	if f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// LoadStateFile restores opt's state from a safetensors file that a
// checkpoint wrote from opt.State's tensors, with meta, State's other
// half, as the checkpoint kept it. Errors name the file.
func LoadStateFile(opt Optimizer, path string, meta map[string]any) error {
	tensors, _, err := torch.ReadSafetensors(path)
	if err != nil {
		return err
	}
	defer func() {
		for _, t := range tensors {
			t.MustDrop()
		}
	}()
	if err := opt.LoadState(tensors, meta); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

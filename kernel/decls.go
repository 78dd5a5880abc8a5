package main

import (
	interp "github.com/cosmos72/gomacro/fast"
	xr "github.com/cosmos72/gomacro/xreflect"
)

// decls is a snapshot of the names declared at a gomacro compiler's top
// level (variables, constants, functions and types), taken before a cell
// compiles, to undo the declarations of a cell that fails.
type decls struct {
	binds map[string]*interp.Bind
	types map[string]xr.Type
}

func snapshotDecls(c *interp.Comp) decls {
	d := decls{binds: make(map[string]*interp.Bind, len(c.Binds)), types: make(map[string]xr.Type, len(c.Types))}
	for k, v := range c.Binds {
		d.binds[k] = v
	}
	for k, v := range c.Types {
		d.types[k] = v
	}
	return d
}

// restore brings the compiler's names back to the snapshot: names added
// since are removed, names redeclared since mean their old declaration
// again (whose value is untouched: a redeclaration gets a new slot). The
// slots the removed names reserved stay unused.
func (d decls) restore(c *interp.Comp) {
	restoreMap(c.Binds, d.binds)
	restoreMap(c.Types, d.types)
}

func restoreMap[V any](now, then map[string]V) {
	for k := range now {
		if old, ok := then[k]; ok {
			now[k] = old
		} else {
			delete(now, k)
		}
	}
	for k, v := range then {
		if _, ok := now[k]; !ok && now != nil {
			now[k] = v
		}
	}
}

// dropUnassigned undoes the declarations, made since the snapshot, of
// variables and functions that hold no value in env: a cell that failed
// while running declared them but never reached their assignment.
func (d decls) dropUnassigned(c *interp.Comp, env *interp.Env) {
	for name, b := range c.Binds {
		if old, ok := d.binds[name]; ok && old == b {
			continue
		}
		switch b.Desc.Class() {
		case interp.VarBind, interp.FuncBind:
		default:
			continue
		}
		if i := b.Desc.Index(); i >= 0 && i < len(env.Vals) && env.Vals[i].IsValid() {
			continue
		}
		if old, ok := d.binds[name]; ok {
			c.Binds[name] = old
		} else {
			delete(c.Binds, name)
		}
	}
}

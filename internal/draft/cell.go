// The matrix's unit: one cell per (toolchain, verdict).

package draft

import (
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Cell is one (toolchain, verdict) of the matrix.
type Cell struct {
	Name      string // toolchain name, e.g. cpython-3.12.1
	Version   string
	Verdict   repro.Verdict
	Rate      string // "7/10" when counted
	Reason    string
	Signature *signature.Signature
	Output    string // the deciding command's stdout and stderr
	Stacks    string // every process's stacks at a hang deadline, if any
	// Axis and AxisVersion name the dependency a cell of a dependency axis
	// (--with) ran with, e.g. "packaging" and "22.0"; Version stays the
	// interpreter's.
	Axis, AxisVersion string
	// Source says where the interpreter came from (toolchain.Toolchain's
	// Source: PATH, system, pyenv, uv-managed, fetched); "" when unknown.
	Source string
	// Installed are the distributions of the environment the cell ran in
	// ("packaging==22.0"), listed inside the sandbox; nil without
	// dependencies.
	Installed []string
}

// On makes a run's cell on tc a cell of its dependency axis, if it has
// one: runner.Ref counts such a cell by the dependency's version, the
// draft by the interpreter's with the dependency's beside it.
func (c Cell) On(tc toolchain.Toolchain) Cell {
	c.Source = tc.Source
	if c.Axis != "" {
		c.AxisVersion, c.Version = c.Version, tc.Version
	}
	return c
}

// label is how the matrix and its sentences name a cell: its version,
// with the dependency's along a dependency axis, as a library's
// maintainer says it ("3.11.2 with packaging 22.0").
func (c Cell) label() string {
	if c.Axis == "" {
		return c.Version
	}
	return c.Version + " with " + c.Axis + " " + c.AxisVersion
}

// CellOf is a run's result as a cell of a draft's matrix.
func CellOf(res runner.Result) Cell {
	return Cell{Name: res.Toolchain.Name, Version: res.Toolchain.Version, Verdict: res.Verdict, Rate: res.Rate,
		Reason: res.Reason, Signature: res.Signature, Output: res.Output, Stacks: res.Stacks, Axis: res.Toolchain.Axis}
}

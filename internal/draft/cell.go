package draft

import "github.com/reprokit/reprokit/internal/runner"

// CellOf is a run's result as a cell of a draft's matrix.
func CellOf(res runner.Result) Cell {
	return Cell{Name: res.Toolchain.Name, Version: res.Toolchain.Version, Verdict: res.Verdict, Rate: res.Rate,
		Reason: res.Reason, Signature: res.Signature, Output: res.Output, Stacks: res.Stacks, Axis: res.Toolchain.Axis}
}

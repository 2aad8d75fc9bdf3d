package toolchain

// Kind is the closed set of toolchain kinds. A new kind adds a constant
// here, its discovery in Discover/probe, its commands in runner.Tools and
// runner's tool environment, and its condition name in repro's lint table.
type Kind string

// The kinds reprokit knows.
const (
	Python Kind = "python"
	Go     Kind = "go"
)

// Dir is the kind of a toolchain that is a directory of programs (a
// build's bin/ under `bisect --bin`): every executable in it is put on the
// script's PATH under its own name. It is never discovered, and no repro
// is of this kind, so it is not in Kinds.
const Dir Kind = "dir"

// Kinds lists every kind, in the order a repro's toolchain is guessed.
var Kinds = []Kind{Python, Go}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

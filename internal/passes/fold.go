package passes

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// FoldExpr is one pure expression over literals to compute: its text, and
// the modules (or module functions) its names stand for ("json" or
// "json.loads").
type FoldExpr struct {
	Expr string            `json:"expr"`
	Env  map[string]string `json:"env"`
}

// Evaluator computes each expression's value as a Python literal, "" when
// it has none (an error, an object, too slow). reprokit's runs fold.py
// with the interpreter under test, in the sandbox (FoldArchive); the
// semantic passes never compute anything themselves.
type Evaluator func(exprs []FoldExpr) []string

//go:embed fold.py
var foldProgram string

// FoldArchive is the repro archive that computes exprs: its script runs
// fold.py (hash seed fixed, so a value's order is the same every run),
// which prints one "FOLD <literal as JSON>" line per expression.
func FoldArchive(exprs []FoldExpr) []byte {
	data, _ := json.Marshal(exprs)
	return txtar.Format(&txtar.Archive{
		Comment: []byte("# constant folding for the minimizer\nenv PYTHONHASHSEED=0\nexec python3 fold.py\n"),
		Files:   []txtar.File{{Name: "fold.py", Data: []byte(foldProgram)}, {Name: "folds.json", Data: append(data, '\n')}},
	})
}

// FoldResults reads fold.py's output: n literals, or nil when the output
// does not hold one line per expression (the run was cut off).
func FoldResults(output string, n int) []string {
	var out []string
	for _, l := range strings.Split(output, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "FOLD ")
		if !ok {
			continue
		}
		var lit *string
		if json.Unmarshal([]byte(rest), &lit) != nil {
			return nil
		}
		if lit == nil {
			out = append(out, "")
		} else {
			out = append(out, *lit)
		}
	}
	if len(out) != n {
		return nil
	}
	return out
}

package importer

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

//go:embed analyze.py
var analyzeSource string

// Source is one piece of issue code for the analysis.
type Source struct {
	Src  string `json:"src"`
	Expr bool   `json:"expr"` // ask whether it is a single expression
}

// Analysis is what the analysis found in one Source.
type Analysis struct {
	Parses  bool     `json:"parses"`
	Expr    bool     `json:"expr"`
	Imports []string `json:"imports"`
	Error   string   `json:"error"`
}

// Analyzer reads issue code without running it. The zero value is not
// usable; see Sandboxed.
type Analyzer interface {
	Analyze(ctx context.Context, srcs []Source) ([]Analysis, error)
}

// Sandboxed is the analysis as reprokit does it: a trusted script of ours
// (analyze.py) that takes the code as data and calls ast.parse on
// it, run inside the sandbox like any repro. Parsing never executes the
// code, but CPython's parser is C handed text from a stranger (parser
// crashes on deep nesting have happened), so it runs where a crash or a
// runaway costs nothing: the cost is one sandbox start.
type Sandboxed struct {
	Python    toolchain.Toolchain // the interpreter that parses: the newest CPython here
	Isolation sandbox.Isolation
}

var analysisLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^REPROKIT-ANALYSIS (.*)$`) })

// Analyze runs the analysis once over all sources.
func (s Sandboxed) Analyze(ctx context.Context, srcs []Source) ([]Analysis, error) {
	if len(srcs) == 0 {
		return nil, nil
	}
	input, err := json.Marshal(map[string]any{"sources": srcs})
	if err != nil {
		return nil, err
	}
	archive := txtar.Format(&txtar.Archive{
		Comment: []byte("exec python3 -I -S analyze.py input.json\n"),
		Files:   []txtar.File{{Name: "analyze.py", Data: []byte(analyzeSource)}, {Name: "input.json", Data: input}},
	})
	res, err := sandbox.Run(ctx, archive, sandbox.Options{
		Name:      "import analysis",
		Limits:    sandbox.Limits{Timeout: 20 * time.Second, Memory: 2 << 30, OutputCap: 8 << 20},
		Tools:     []sandbox.Tool{{Name: "python3", Target: s.Python.Path}},
		Keep:      s.Python.Roots,
		Env:       []string{"PYTHONDONTWRITEBYTECODE=1"},
		Isolation: s.Isolation,
	})
	if err != nil {
		return nil, fmt.Errorf("the import analysis could not start a sandbox: %w", err)
	}
	m := analysisLineRE().FindStringSubmatch(res.Log)
	if m == nil {
		return nil, fmt.Errorf("the import analysis on %s gave no answer (%s)", s.Python.Name, strings.TrimSpace(firstNonEmpty(res.Err, res.Reason, "no output")))
	}
	var out struct {
		Results []Analysis `json:"results"`
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(m[1]))).Decode(&out); err != nil || len(out.Results) != len(srcs) {
		return nil, fmt.Errorf("the import analysis answered malformed JSON: %v", err)
	}
	return out.Results, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// Newest is the newest CPython 3.8+ among tcs that is not free-threaded
// or a debug build: the analysis needs today's syntax.
func Newest(tcs []toolchain.Toolchain) (toolchain.Toolchain, bool) {
	var best toolchain.Toolchain
	found := false
	for _, tc := range tcs {
		if tc.Kind != "python" || tc.ABI != "" || toolchain.CompareVersions(tc.Version, "3.8") < 0 {
			continue
		}
		if !found || toolchain.CompareVersions(tc.Version, best.Version) > 0 {
			best, found = tc, true
		}
	}
	return best, found
}

// importRE is the fallback for code that does not parse (Python 2, a
// fragment): import lines at the start of a line.
var importRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import\b)`)
})

// scanImports lists the top-level modules of import lines.
func scanImports(src string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range importRE().FindAllStringSubmatch(src, -1) {
		names := strings.Split(m[1], ",")
		if m[2] != "" {
			names = []string{m[2]}
		}
		for _, n := range names {
			top := strings.Split(strings.TrimSpace(n), ".")[0]
			if top != "" && !seen[top] {
				seen[top] = true
				out = append(out, top)
			}
		}
	}
	return out
}

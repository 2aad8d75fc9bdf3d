// This file finds the places where a reproducer selects code by
// the version it runs on: `sys.version_info` and `sys.hexversion` tests,
// `hasattr` probes, `except ImportError` fallbacks to another module, Go
// build constraints on a release, and version conditions in the script.
// Where there are any, a version matrix compares different programs, and
// the reader must be told which lines differ.

package runner

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
)

// Gate is one line that selects code by version.
type Gate struct {
	File string // archive member, or "script"
	Line int    // 1-based, within File
	Text string // the line, trimmed
	Kind string // what selects: "sys.version_info", "hasattr", "ImportError fallback", …
}

func (g Gate) String() string {
	return fmt.Sprintf("%s:%d: %s", g.File, g.Line, g.Text)
}

// A rule matches a line of a file kind.
type rule struct {
	kind string
	re   *regexp.Regexp
}

var (
	pyRules = sync.OnceValue(func() []rule {
		return []rule{
			{"sys.version_info", regexp.MustCompile(`\bversion_info\b`)},
			{"sys.hexversion", regexp.MustCompile(`\bhexversion\b`)},
			{"platform.python_version", regexp.MustCompile(`\bpython_version(_tuple)?\(`)},
			{"hasattr", regexp.MustCompile(`^\s*(if|elif|while)\b.*\bhasattr\(|=.*\bif\b.*\bhasattr\(|\bgetattr\([^)]*,[^)]*,`)},
			{"ImportError fallback", regexp.MustCompile(`^\s*except\b.*\b(ImportError|ModuleNotFoundError)\b`)},
		}
	})
	goRules = sync.OnceValue(func() []rule {
		return []rule{
			{"go build constraint", regexp.MustCompile(`^//go:build .*\bgo1\.\d+`)},
			{"runtime.Version", regexp.MustCompile(`\bruntime\.Version\(\)`)},
		}
	})
	// A script condition on the version, other than the skip that says
	// where the repro applies (that one runs no different code).
	condRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[!?(python|go):[^\]]*\]`) })
	skipRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\]\s*skip\b`) })
)

// FindGates lists the gates of an archive's files and its script, in order.
func FindGates(files []txtar.File, script string) []Gate {
	var out []Gate
	for _, f := range files {
		var rules []rule
		switch {
		case strings.HasSuffix(f.Name, ".py"):
			rules = pyRules()
		case strings.HasSuffix(f.Name, ".go"):
			rules = goRules()
		default:
			continue
		}
		for i, l := range strings.Split(string(f.Data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") || strings.HasPrefix(strings.TrimSpace(l), "//") && !strings.HasPrefix(l, "//go:build") {
				continue
			}
			for _, r := range rules {
				if r.re.MatchString(l) {
					out = append(out, Gate{File: f.Name, Line: i + 1, Text: strings.TrimSpace(l), Kind: r.kind})
					break
				}
			}
		}
	}
	for i, l := range strings.Split(script, "\n") {
		if condRE().MatchString(l) && !skipRE().MatchString(l) {
			out = append(out, Gate{File: "script", Line: i + 1, Text: strings.TrimSpace(l), Kind: "version condition"})
		}
	}
	return out
}

// GateLines is "repro.py lines 19, 22 and 25 (sys.version_info)", per file.
func GateLines(gates []Gate) string {
	var parts []string
	for i := 0; i < len(gates); {
		j := i
		var nums []string
		kinds := map[string]bool{}
		var kindList []string
		for ; j < len(gates) && gates[j].File == gates[i].File; j++ {
			nums = append(nums, fmt.Sprint(gates[j].Line))
			if !kinds[gates[j].Kind] {
				kinds[gates[j].Kind] = true
				kindList = append(kindList, "`"+gates[j].Kind+"`")
			}
		}
		word := "line"
		if len(nums) > 1 {
			word = "lines"
		}
		parts = append(parts, fmt.Sprintf("`%s` %s %s (%s)", gates[i].File, word, EnglishList(nums), strings.Join(kindList, ", ")))
		i = j
	}
	return EnglishList(parts)
}

// EnglishList joins s as an English list: "a", "a and b", "a, b and c".
// Exported so report prose elsewhere (internal/draft) lists the same way.
func EnglishList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// GateNote is the sentence a report puts next to its matrix, or "".
func GateNote(gates []Gate) string {
	if len(gates) == 0 {
		return ""
	}
	return "**The versions run different code:** the reproducer selects code by version at " + GateLines(gates) + ", so each row of the matrix ran the branch its version chose."
}

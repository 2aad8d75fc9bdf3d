package repro

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/imports"
)

// Commands are the script commands a repro may use: testscript's own, and
// go (as in cmd/go's scripts and go-internal's gotooltest: like exec go).
// go-internal does not export its table (scriptCmds); TestLintTablesMatchEngine
// reads it from the go-internal source this module builds with, so a new
// release that adds or drops a command fails the test, not a user.
var Commands = []string{
	"cd", "chmod", "cmp", "cmpenv", "cp", "env", "exec", "exists", "go", "grep",
	"kill", "mkdir", "mv", "rm", "skip", "stderr", "stdin", "stdout", "stop",
	"symlink", "ttyin", "ttyout", "unix2dos", "unquote", "wait",
}

// Assertions are the commands that state what the bug looks like; the
// minimizer never drops them.
var Assertions = map[string]bool{"stdout": true, "stderr": true, "cmp": true, "cmpenv": true, "exists": true, "grep": true}

// fixedConditions are testscript's condition names that are not an OS or
// an architecture (checked against the engine's source by the same test).
var fixedConditions = []string{"short", "net", "link", "symlink", "unix", "gc", "gccgo"}

// staticConditions are the condition names testscript knows: the fixed
// ones, and every OS and architecture of go-internal's own tables, which
// are exported and so taken as they are.
var staticConditions = func() []string {
	out := append([]string{}, fixedConditions...)
	for _, known := range []map[string]bool{imports.KnownOS, imports.KnownArch} {
		for name := range known {
			if !contains(out, name) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}()

var condPrefixRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(exec:.+|go1\.\d+|python:\d+(\.\d+){0,2}|go:\d+(\.\d+){0,2})$`)
})

// Line is one command line of a script, split into words the way
// testscript splits them (single quotes, ” for a quote), unexpanded.
type Line struct {
	Num   int      // 1-based line within the script
	Text  string   // the raw line
	Conds []string // [cond] prefixes, with any leading !
	Neg   bool     // a leading ! before the command
	Words []string // command and arguments
}

// Lines splits a script into command lines, skipping blanks and comments.
func Lines(script string) ([]Line, error) {
	var out []Line
	for i, raw := range strings.Split(script, "\n") {
		words, err := splitWords(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		if len(words) == 0 {
			continue
		}
		l := Line{Num: i + 1, Text: raw}
		for len(words) > 0 && strings.HasPrefix(words[0], "[") && strings.HasSuffix(words[0], "]") {
			l.Conds = append(l.Conds, words[0][1:len(words[0])-1])
			words = words[1:]
		}
		if len(words) > 0 && words[0] == "!" {
			l.Neg, words = true, words[1:]
		}
		l.Words = words
		out = append(out, l)
	}
	return out, nil
}

func splitWords(line string) ([]string, error) {
	var (
		args   []string
		cur    strings.Builder
		inWord bool
		quoted bool
	)
	for i := 0; ; i++ {
		if !quoted && (i >= len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '#') {
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
			if i >= len(line) || line[i] == '#' {
				return args, nil
			}
			continue
		}
		if i >= len(line) {
			return nil, fmt.Errorf("unterminated quoted argument: close it with '")
		}
		inWord = true
		if line[i] == '\'' {
			if quoted && i+1 < len(line) && line[i+1] == '\'' {
				cur.WriteByte('\'')
				i++
				continue
			}
			quoted = !quoted
			continue
		}
		cur.WriteByte(line[i])
	}
}

// validateScripts checks the main script and tier checks for unknown
// commands and conditions and invalid regexps, before anything runs.
func (r *Repro) validateScripts() error {
	if err := lintScript(r.Script(), func(n int) int { return n }, r.Path); err != nil {
		return err
	}
	metaLine := 0
	for i, f := range r.Archive.Files {
		if f.Name == MetaFile {
			metaLine = memberLines(r.Raw)[i]
		}
	}
	for _, t := range []*Tier{r.Meta.Tiers.MakeItWork, r.Meta.Tiers.FailCleanly} {
		if t == nil || t.Check == "" {
			continue
		}
		base := metaLine + t.checkLine - 1
		if err := lintScript(t.Check, func(n int) int { return base + n }, r.Path); err != nil {
			return err
		}
	}
	return nil
}

func lintScript(script string, archiveLine func(int) int, file string) error {
	lines, err := Lines(script)
	if err != nil {
		return &Error{File: file, Msg: err.Error()}
	}
	for _, l := range lines {
		at := func(format string, args ...any) error {
			return &Error{File: file, Line: archiveLine(l.Num), Msg: fmt.Sprintf(format, args...)}
		}
		for _, c := range l.Conds {
			name := strings.TrimPrefix(c, "!")
			if !knownCondition(name) {
				return at("unknown condition [%s]%s", name, didYouMean(name, allConditions()))
			}
		}
		if len(l.Words) == 0 {
			continue
		}
		cmd := l.Words[0]
		if !contains(Commands, cmd) {
			return at("unknown command %q%s", cmd, didYouMean(cmd, Commands))
		}
		if cmd == "stdout" || cmd == "stderr" || cmd == "grep" {
			args := l.Words[1:]
			for len(args) > 0 && strings.HasPrefix(args[0], "-") {
				args = args[1:]
			}
			if len(args) == 0 {
				return at("%s needs a regexp argument", cmd)
			}
			if _, err := regexp.Compile(args[0]); err != nil {
				return at("invalid regexp in %s: %v", cmd, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
		}
	}
	return nil
}

func knownCondition(c string) bool {
	return contains(staticConditions, c) || condPrefixRE().MatchString(c)
}

func allConditions() []string {
	return append(append([]string{}, staticConditions...), "exec:PROG", "python:3.12", "go1.22")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// didYouMean suggests the closest known name, if any is close.
func didYouMean(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(s, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best == "" {
		sorted := append([]string{}, known...)
		sort.Strings(sorted)
		return fmt.Sprintf(" (known: %s)", strings.Join(sorted, ", "))
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

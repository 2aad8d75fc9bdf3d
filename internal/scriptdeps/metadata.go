// Package scriptdeps gives a Python repro the third-party packages its
// script declares with inline script metadata (PEP 723, the packaging
// specification's "Inline script metadata"): a `# /// script` … `# ///`
// comment block holding TOML with `dependencies` and `requires-python`,
// the format `uv run repro.py` and pipx read. For each (interpreter,
// requirement set) it builds a virtual environment — with uv when it is on
// PATH, else `python -m venv` and pip — cached under the XDG cache
// directory, for the sandbox to mount read-only. The installer itself runs
// in a sandbox of its own (Builder.Sandboxed), wheels only unless
// AllowBuild; an archive chooses its requirements, never the index.
package scriptdeps

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// Metadata is a script's inline metadata block of type "script".
type Metadata struct {
	File           string   `toml:"-"` // the archive member it came from
	Line           int      `toml:"-"` // the line of its `# /// script`
	Dependencies   []string `toml:"dependencies"`
	RequiresPython string   `toml:"requires-python"`
	// Tool is the `[tool]` table: tools' own settings. reprokit reads
	// none of them — `[tool.uv]` could name an index, and the index is
	// the user's choice — and says so (Ignored).
	Tool map[string]any `toml:"tool"`
}

// Ignored lists the settings of md that choose how or where from the
// dependencies are installed, which reprokit ignores: `[tool.uv]` keys
// such as index-url, extra-index-url, find-links, index or sources.
func (md *Metadata) Ignored() []string {
	var out []string
	for tool, v := range md.Tool {
		t, ok := v.(map[string]any)
		if !ok || len(t) == 0 {
			out = append(out, "[tool."+tool+"]")
			continue
		}
		for k := range t {
			out = append(out, "[tool."+tool+"] "+k)
		}
	}
	sort.Strings(out)
	return out
}

// configMembers are archive members an installer would read as its
// configuration if it found them (pip.conf in a home or virtual
// environment, uv.toml in a project): reprokit's installer never sees
// the archive's files, and says so.
var configMembers = map[string]bool{"pip.conf": true, "pip.ini": true, "uv.toml": true, ".pypirc": true, ".netrc": true, ".pydistutils.cfg": true}

// ConfigMembers lists the members of files that look like installer
// configuration.
func ConfigMembers(files []File) []string {
	var out []string
	for _, f := range files {
		if configMembers[path.Base(f.Name)] {
			out = append(out, f.Name)
		}
	}
	return out
}

// Regexps here are built on first use (sync.OnceValue), not at init:
// every start of reprokit, four per sandboxed run, paid for all of them
// (bench/run/RESULTS.md).
//
// blockRE is the specification's reference regular expression.
var blockRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$`)
})

// Parse reads the `script` block of a Python source; nil when it has none.
// Two script blocks, or TOML that does not parse, are errors at file:line.
func Parse(name string, src []byte) (*Metadata, error) {
	var found *Metadata
	text := string(src)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	for _, m := range blockRE().FindAllStringSubmatchIndex(text, -1) {
		typ := text[m[2]:m[3]]
		line := 1 + strings.Count(text[:m[0]], "\n")
		if typ != "script" {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%s:%d: a second `# /// script` block (the first is at line %d): merge them into one", name, line, found.Line)
		}
		var toml strings.Builder
		for _, l := range strings.SplitAfter(text[m[4]:m[5]], "\n") {
			l = strings.TrimPrefix(l, "#")
			toml.WriteString(strings.TrimPrefix(l, " "))
		}
		md := &Metadata{File: name, Line: line}
		if err := decode(toml.String(), md); err != nil {
			return nil, fmt.Errorf("%s:%d: the `# /// script` block is not valid TOML: %v", name, line, err)
		}
		found = md
	}
	return found, nil
}

func decode(s string, md *Metadata) error {
	_, err := toml.Decode(s, md)
	return err
}

// File is an archive member.
type File struct {
	Name string
	Data []byte
}

// Find reads the metadata of the Python members of an archive; nil when
// none has any. Two scripts declaring different metadata are an error:
// one repro runs in one environment.
func Find(files []File) (*Metadata, error) {
	var found *Metadata
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".py") {
			continue
		}
		md, err := Parse(f.Name, f.Data)
		if err != nil {
			return nil, err
		}
		if md == nil {
			continue
		}
		if found != nil && (strings.Join(Normalize(found.Dependencies), " ") != strings.Join(Normalize(md.Dependencies), " ") || found.RequiresPython != md.RequiresPython) {
			return nil, fmt.Errorf("%s:%d: inline metadata differs from %s:%d's: one repro runs in one environment, so keep one block", md.File, md.Line, found.File, found.Line)
		}
		if found == nil {
			found = md
		}
	}
	return found, nil
}

var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`) })

// Name is a requirement's project name, normalized as PEP 503 does
// (lower case, runs of -_. as one -).
func Name(req string) string {
	m := nameRE().FindStringSubmatch(req)
	if m == nil {
		return ""
	}
	return normName(m[1])
}

var sepRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[-_.]+`) })

func normName(n string) string { return strings.ToLower(sepRE().ReplaceAllString(n, "-")) }

// Normalize gives requirements one spelling (normalized names, no spaces)
// in sorted order: the part of an environment's cache key they make.
func Normalize(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		m := nameRE().FindStringSubmatchIndex(r)
		if m == nil {
			continue
		}
		rest := strings.Join(strings.Fields(r[m[3]:]), "")
		out = append(out, normName(r[m[2]:m[3]])+rest)
	}
	sort.Strings(out)
	return out
}

// Override replaces the requirements naming the same project as one of
// with (e.g. "trio==0.22.0" from a --with axis), and adds the others.
func Override(reqs, with []string) []string {
	names := map[string]bool{}
	for _, w := range with {
		names[Name(w)] = true
	}
	var out []string
	for _, r := range reqs {
		if !names[Name(r)] {
			out = append(out, r)
		}
	}
	return append(out, with...)
}

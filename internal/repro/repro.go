// Package repro models a reprokit repro: a testscript txtar archive whose
// script asserts the buggy behaviour, plus optional reprokit metadata kept in
// a `.reprokit.yaml` file inside the same archive.
//
// Stock testscript ignores the metadata (it only writes the file into $WORK),
// so an archive that uses stock commands stays runnable by `testscript`.
package repro

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/usage"
)

// MetaFile is the archive member that holds reprokit's metadata.
const MetaFile = ".reprokit.yaml"

// Repro is one parsed archive. Raw keeps the exact bytes it was parsed from,
// so that edits (such as recording a signature) touch nothing else.
type Repro struct {
	Path    string // file the archive came from, as given by the user
	Raw     []byte // the archive, byte for byte
	Archive *txtar.Archive
	Meta    Meta // zero when the archive has no metadata
	HasMeta bool

	script string // Archive.Comment as a string, made once: a run asks for it often, and a script can be tens of megabytes
}

// Error is a bad-input error that points at a line of an archive.
type Error = usage.At

// Parse parses and validates an archive. name is used in error messages.
func Parse(name string, data []byte) (*Repro, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &Error{File: name, Msg: "binary data (a NUL byte) in archive: a repro is a text txtar file"}
	}
	if line := conflictMarker(data); line > 0 {
		return nil, &Error{File: name, Line: line, Msg: "unresolved merge conflict marker: keep one side (for expectations, the newer `check --update`), delete the <<<<<<< ======= >>>>>>> lines, and rerun"}
	}
	if line := shortMarker(data); line > 0 {
		return nil, &Error{File: name, Line: line, Msg: "malformed file marker \"-- --\": a member needs a name, as in `-- repro.py --`"}
	}
	ar := txtar.Parse(data)
	r := &Repro{Path: name, Raw: data, Archive: ar, script: string(ar.Comment)}
	if !hasCommand(r.script) {
		return nil, &Error{File: name, Line: 1, Msg: "archive has no script: put testscript commands (e.g. `exec python3 repro.py`) before the first `-- file --` line"}
	}
	seen := map[string]int{}
	lines := memberLines(data)
	for i, f := range ar.Files {
		line := lines[i]
		if err := checkName(f.Name); err != "" {
			shown := f.Name
			if len(shown) > 64 {
				shown = shown[:48] + "…"
			}
			return nil, &Error{File: name, Line: line, Msg: fmt.Sprintf("file name %q %s", shown, err)}
		}
		if prev, ok := seen[f.Name]; ok {
			return nil, &Error{File: name, Line: line, Msg: fmt.Sprintf("duplicate file %q (first at line %d): rename or merge one of them", f.Name, prev)}
		}
		seen[f.Name] = line
		if f.Name == MetaFile {
			m, err := parseMeta(f.Data)
			if err != nil {
				return nil, metaError(name, line, err)
			}
			r.Meta, r.HasMeta = m, true
		}
	}
	if err := r.validateScripts(); err != nil {
		return nil, err
	}
	return r, nil
}

// The file system's limits on what a member becomes under $WORK (Linux's
// PATH_MAX less room for $WORK itself, and NAME_MAX): past them the run
// failed with "file name too long" as if the repro had changed.
const (
	maxName     = 3072
	maxNamePart = 255
)

func checkName(n string) string {
	switch {
	case n == "":
		return "is empty"
	case path.IsAbs(n) || filepath.IsAbs(n):
		return "is absolute: archive members must be relative to $WORK"
	case strings.Contains(n, "\\"):
		return "contains a backslash: use / in archive member names"
	}
	if len(n) > maxName {
		return fmt.Sprintf("is %d bytes long: a member's path may be at most %d bytes (the file system's limit); shorten it", len(n), maxName)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "contains \"..\": archive members must stay inside $WORK"
		}
		if len(part) > maxNamePart {
			return fmt.Sprintf("has a part of %d bytes: each directory or file name may be at most %d bytes (the file system's limit); shorten it", len(part), maxNamePart)
		}
	}
	return ""
}

// conflictMarker returns the 1-based line of the first merge conflict git
// left in a file (a "<<<<<<< " line closed by a ">>>>>>> " line), or 0.
func conflictMarker(data []byte) int {
	open := 0
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "<<<<<<< ") && open == 0:
			open = i + 1
		case strings.HasPrefix(l, ">>>>>>> ") && open > 0:
			return open
		}
	}
	return 0
}

// shortMarker finds a "-- --" line, which makes go-internal's txtar.Parse
// (v1.16.0) slice out of range and panic: its marker prefix and suffix
// overlap. Found by FuzzParse.
func shortMarker(data []byte) int {
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(l) < len("-- x --")-1 && strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") {
			return i + 1
		}
	}
	return 0
}

// memberLines returns the 1-based line of each `-- name --` marker.
func memberLines(data []byte) []int {
	var out []int
	for i, l := range strings.SplitAfter(string(data), "\n") {
		if isMarker(l) {
			out = append(out, i+1)
		}
	}
	return out
}

func isMarker(l string) bool {
	l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	return strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) >= 7
}

// hasCommand reports whether script holds a line that is neither blank
// nor a comment.
func hasCommand(script string) bool {
	for len(script) > 0 {
		line := script
		if i := strings.IndexByte(script, '\n'); i >= 0 {
			line, script = script[:i], script[i+1:]
		} else {
			script = ""
		}
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// Title is the first comment line of the script, or the metadata's title.
func (r *Repro) Title() string {
	if r.Meta.Title != "" {
		return r.Meta.Title
	}
	for _, l := range strings.Split(r.Script(), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			return strings.TrimSpace(strings.TrimLeft(t, "#"))
		}
		if t != "" {
			break
		}
	}
	return r.Name()
}

// Name is the archive's base name without extension (e.g. "subint_fork").
func (r *Repro) Name() string { return NameOf(r.Path) }

// NameOf is the base name without extension of the archive at path.
func NameOf(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// Script is the main testscript, i.e. the archive's comment section.
func (r *Repro) Script() string {
	if r.script == "" && len(r.Archive.Comment) > 0 {
		return string(r.Archive.Comment) // a Repro not made by Parse
	}
	return r.script
}

// Files are the archive members without the metadata.
func (r *Repro) Files() []txtar.File {
	var out []txtar.File
	for _, f := range r.Archive.Files {
		if f.Name != MetaFile {
			out = append(out, f)
		}
	}
	return out
}

// Format renders an archive; for an archive parsed from canonical input
// (every member ending in a newline) Format(Parse(x)) == x.
func Format(a *txtar.Archive) []byte { return txtar.Format(a) }

// WithScript returns the archive bytes for running script against the same
// files: used for tier checks. The metadata file is left out.
func (r *Repro) WithScript(script string) []byte {
	if script != "" && !strings.HasSuffix(script, "\n") {
		script += "\n"
	}
	return txtar.Format(&txtar.Archive{Comment: []byte(script), Files: r.Files()})
}

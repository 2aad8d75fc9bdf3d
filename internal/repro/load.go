package repro

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// MaxArchiveSize bounds what reprokit reads as one repro (and so its
// memory: a 50 MB archive peaks at about 220 MB).
const MaxArchiveSize = 64 << 20

// Load reads and parses the archives named by paths; a directory stands for
// the *.txtar files below it. Any bad input stops the load before anything
// runs.
func Load(paths []string) ([]*Repro, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &Error{File: p, Msg: "no such file or directory"}
			}
			return nil, &Error{File: p, Msg: err.Error()}
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(q, ".txtar") {
				found = append(found, q)
			}
			return nil
		})
		if len(found) == 0 {
			return nil, &Error{File: p, Msg: "directory holds no .txtar archives"}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var out []*Repro
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > MaxArchiveSize {
			return nil, &Error{File: f, Msg: fmt.Sprintf("archive is %d MiB, over the %d MiB a repro may be: minimize it, or have the script generate its large data", st.Size()>>20, MaxArchiveSize>>20)}
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &Error{File: f, Msg: err.Error()}
		}
		r, err := Parse(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Kind is the kind of toolchain the repro runs on: the metadata's, else
// go when the script execs go and never python, else python.
func (r *Repro) Kind() toolchain.Kind {
	if r.Meta.Toolchain != "" {
		return r.Meta.Toolchain
	}
	lines, _ := Lines(r.Script())
	usesGo, usesPython := false, false
	for _, l := range lines {
		if len(l.Words) >= 1 && l.Words[0] == "go" {
			usesGo = true
		}
		if len(l.Words) >= 2 && l.Words[0] == "exec" {
			switch {
			case l.Words[1] == "go":
				usesGo = true
			case strings.HasPrefix(l.Words[1], "python"):
				usesPython = true
			}
		}
	}
	if usesGo && !usesPython {
		return toolchain.Go
	}
	return toolchain.Python
}

func (r *Repro) String() string { return fmt.Sprintf("%s (%s)", r.Path, r.Title()) }

package toolchain

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// Selection is what a command's flags ask for: --python and --go specs.
// Releases not on this machine are fetched (said on Log): Go through the
// module proxy, CPython through uv; once per Selection however many
// repros ask.
type Selection struct {
	Python string    // "" python3 on PATH, "here", "all", "3.12", "3.12.4", "3.13t", "3.12.*" …
	Go     string    // "" go on PATH, "here", "all", "1.22", "1.22.0,1.22.12", "1.22.*"
	Log    io.Writer // where fetching is said (stderr)
	// With is a dependency axis for Python repros: "trio==0.22.0,0.27.0"
	// runs every selected interpreter once per listed version.
	With string

	// Resolver fetches what is missing; nil: the defaults (the go on
	// PATH, uv on PATH).
	Resolver *Resolver

	goDone, pyDone bool
	goTCs, pyTCs   []Toolchain
	goErr, pyErr   error
}

func (s *Selection) resolver() *Resolver {
	if s.Resolver == nil {
		s.Resolver = &Resolver{Log: s.Log}
	}
	return s.Resolver
}

// For returns the toolchains a repro of kind runs on.
func (s *Selection) For(ctx context.Context, all []Toolchain, kind Kind) ([]Toolchain, error) {
	if kind != Go {
		if !s.pyDone {
			s.pyDone = true
			s.pyTCs, s.pyErr = s.resolver().Python(ctx, all, s.Python)
		}
		if s.pyErr != nil || s.With == "" {
			return s.pyTCs, s.pyErr
		}
		return WithAxis(s.pyTCs, s.With)
	}
	if !s.goDone {
		s.goDone = true
		s.goTCs, s.goErr = s.resolver().Go(ctx, all, s.Go)
	}
	return s.goTCs, s.goErr
}

var withRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^,\s]+(\s*,\s*[^,\s]+)*)\s*$`)
})

// WithAxis runs each toolchain once per version of a dependency:
// "trio==0.22.0,0.27.0" gives each two cells, with trio==0.22.0 and with
// trio==0.27.0 overriding what the script's metadata asks.
func WithAxis(tcs []Toolchain, spec string) ([]Toolchain, error) {
	m := withRE().FindStringSubmatch(spec)
	if m == nil {
		return nil, fmt.Errorf("--with %q: want NAME==V1,V2 (e.g. trio==0.22.0,0.27.0)", spec)
	}
	var out []Toolchain
	for _, t := range tcs {
		for _, v := range strings.Split(m[2], ",") {
			v = strings.TrimSpace(v)
			req := m[1] + "==" + v
			c := t
			c.With = []string{req}
			c.Identity += "|with=" + req
			out = append(out, c)
		}
	}
	return out, nil
}

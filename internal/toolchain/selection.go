package toolchain

import (
	"context"
	"io"
)

// Selection is what a command's flags ask for: --python and --go specs.
// Go releases not on this machine are fetched (said on Log), once per
// Selection however many repros ask.
type Selection struct {
	Python string    // "" python3 on PATH, "all", "3.12", "3.13t" …
	Go     string    // "" go on PATH, "here", "all", "1.22", "1.22.0,1.22.12", "1.22.*"
	Log    io.Writer // where fetching is said (stderr)

	goDone bool
	goTCs  []Toolchain
	goErr  error
}

// For returns the toolchains a repro of kind runs on.
func (s *Selection) For(ctx context.Context, all []Toolchain, kind string, env func(string) string) ([]Toolchain, error) {
	if kind != "go" {
		return Select(all, kind, s.Python)
	}
	if !s.goDone {
		s.goDone = true
		r := &Resolver{Env: env, Log: s.Log}
		s.goTCs, s.goErr = r.Go(ctx, all, s.Go)
	}
	return s.goTCs, s.goErr
}

package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Ref is how results name tc. A cell of a dependency axis (--with
// trio==0.22.0) is named after the dependency and carries its version,
// so that expectations, the matrix and its boundaries run along that
// axis: "fixed in trio 0.23".
func Ref(tc toolchain.Toolchain) ToolchainRef {
	ref := ToolchainRef{Name: tc.Name, Version: tc.Version, Path: tc.Path}
	if len(tc.With) > 0 && tc.Kind == toolchain.Go {
		// A Go module's version: "example.com/mod@v0.3.0".
		mod, version, _ := strings.Cut(tc.With[0], "@")
		ref.Name, ref.Version, ref.Axis = tc.Name+"+"+tc.With[0], version, mod
	} else if len(tc.With) > 0 {
		name, version, _ := strings.Cut(tc.With[0], "==")
		ref.Name = tc.Name + "+" + scriptdeps.Name(name) + "==" + version
		ref.Version = version
		ref.Axis = scriptdeps.Name(name)
	}
	return ref
}

// pythonEnv gives a Python cell the environment its script's inline
// metadata (PEP 723) asks for: skip says why tc cannot run it
// (requires-python excludes it); err is a dependency that could not be
// installed, which is an error, never a verdict.
func pythonEnv(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, b *scriptdeps.Builder) (python string, keep []string, skip string, err error) {
	return pythonEnvBuilt(ctx, r, tc, b, nil)
}

func pythonEnvBuilt(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, b *scriptdeps.Builder, built *bool) (python string, keep []string, skip string, err error) {
	var files []scriptdeps.File
	for _, f := range r.Files() {
		files = append(files, scriptdeps.File{Name: f.Name, Data: f.Data})
	}
	md, err := scriptdeps.Find(files)
	if err != nil {
		return "", nil, "", err
	}
	if md == nil && len(tc.With) == 0 {
		return "", nil, "", nil
	}
	var reqs []string
	if md != nil {
		if md.RequiresPython != "" {
			ok, err := scriptdeps.Allows(md.RequiresPython, tc.Version)
			if err != nil {
				return "", nil, "", fmt.Errorf("%s:%d: %v", md.File, md.Line, err)
			}
			if !ok {
				return "", nil, fmt.Sprintf("%s: requires-python %s excludes %s", md.File, md.RequiresPython, tc.Version), nil
			}
		}
		reqs = md.Dependencies
	}
	reqs = scriptdeps.Override(reqs, tc.With)
	if b == nil {
		b = &scriptdeps.Builder{}
	}
	b.WarnIgnored(r.Path, md, files)
	identity, _, _ := strings.Cut(tc.Identity, "|with=") // the requirements are keyed anyway
	req := scriptdeps.Request{
		Interp: scriptdeps.Interpreter{Path: tc.Path, Identity: identity, Name: tc.Name, Roots: tc.Roots},
		Reqs:   reqs,
		From:   archiveFile(r, md),
		Dir:    filepath.Dir(r.Path),
	}
	if t := tc.Tree; t != nil {
		req.Tree = &scriptdeps.Tree{Name: scriptdeps.Name(t.Module), Dir: t.Dir, ID: t.Commit, Version: t.Version}
	}
	env, err := b.Ensure(ctx, req)
	if err != nil {
		return "", nil, "", err
	}
	if built != nil {
		*built = env.Built
	}
	return env.Python, []string{env.Dir}, "", nil
}

// Environment readies the environment a Python repro's script runs in on
// tc (its PEP 723 dependencies, tc.With and tc.Tree over them) without
// running it: a bisection installs each probed release or commit first,
// so that one that does not install is untestable rather than an error.
// built says whether it was installed now (not found in the cache); skip
// says why tc cannot run r at all.
func Environment(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, b *scriptdeps.Builder) (built bool, skip string, err error) {
	_, _, skip, err = pythonEnvBuilt(ctx, r, tc, b, &built)
	return built, skip, err
}

// archiveFile names where a repro's requirements are, for messages:
// "x.txtar: repro.py:2".
func archiveFile(r *repro.Repro, md *scriptdeps.Metadata) string {
	if md == nil {
		return r.Path + " (--with)"
	}
	return fmt.Sprintf("%s: %s:%d", r.Path, md.File, md.Line)
}

package draft

import (
	"context"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// distsFile lists the distributions the interpreter sees: importlib's
// metadata (3.8+), else setuptools' working set (older Pythons, whose
// environments pip builds with setuptools).
const distsFile = `import sys
try:
    from importlib.metadata import distributions
    found = [(d.metadata["Name"], d.version) for d in distributions()]
except ImportError:
    try:
        import pkg_resources
        found = [(d.project_name, d.version) for d in pkg_resources.working_set]
    except ImportError:
        found = []
for name, version in sorted(set(found), key=lambda d: str(d[0]).lower()):
    if name:
        print("%s==%s" % (name, version))
`

// distsName is the probe's own member, beside the repro's files (which
// carry the PEP 723 metadata that selects the environment).
const distsName = ".reprokit-dists.py"

var distLineRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$`)

// hasDeps says whether a cell of r on tc runs in an environment of
// dependencies: the script's inline metadata names some, or the cell is
// one of a dependency axis (--with).
func hasDeps(r *repro.Repro, tc toolchain.Toolchain) bool {
	if tc.Kind != toolchain.Python {
		return false
	}
	if len(tc.With) > 0 {
		return true
	}
	var files []scriptdeps.File
	for _, f := range r.Files() {
		files = append(files, scriptdeps.File{Name: f.Name, Data: f.Data})
	}
	md, err := scriptdeps.Find(files)
	return err == nil && md != nil && len(md.Dependencies) > 0
}

// Installed lists the distributions installed in the environment r's
// cell on tc runs in ("packaging==22.0", sorted by name), measured inside
// the sandbox with the interpreter and environment the repro ran with,
// not predicted from the requirements. Best effort: nil when the probe
// does not run.
func Installed(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, opts runner.Options) []string {
	ar := txtar.Parse(r.WithScript("exec python3 " + distsName + "\n"))
	ar.Files = append(ar.Files, txtar.File{Name: distsName, Data: []byte(distsFile)})
	p, err := repro.Parse(r.Path, txtar.Format(ar))
	if err != nil {
		return nil
	}
	opts.Count, opts.NoTiers, opts.Keep = 1, true, false
	res := runner.Run(ctx, p, tc, opts)
	if res.Verdict != repro.Reproduces {
		return nil
	}
	var out []string
	for _, l := range strings.Split(res.Output, "\n") {
		if m := distLineRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			out = append(out, scriptdeps.Name(m[1])+"=="+m[2])
		}
	}
	return out
}

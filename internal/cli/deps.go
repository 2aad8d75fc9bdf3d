package cli

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
)

// DepsFlags are the flags about a Python repro's dependencies (PEP 723).
type DepsFlags struct {
	With       string // a dependency axis: trio==0.22.0,0.27.0
	IndexURL   string // a PEP 503 simple index to install from
	FindLinks  string // a directory or page of archives to install from
	AllowBuild bool   // build sdists, source trees, URLs (inside the installer's sandbox)
	Installer  string // auto, uv or pip
}

// register adds every dependency flag (run, check, draft).
func (d *DepsFlags) register(f *pflag.FlagSet) {
	f.StringVar(&d.With, "with", "", "a dependency as a matrix axis: `NAME==V1,V2` runs each version as its own column, overriding the script's inline metadata")
	d.registerInstall(f)
}

// registerInstall adds the flags about how environments are built
// (minimize and bisect have no --with axis).
func (d *DepsFlags) registerInstall(f *pflag.FlagSet) {
	f.StringVar(&d.IndexURL, "index-url", "", "the package index (PEP 503 simple) dependencies are installed from (default: the installer's)")
	f.StringVar(&d.FindLinks, "find-links", "", "a directory or page of archives to install dependencies from, e.g. for offline use")
	f.BoolVar(&d.AllowBuild, "allow-build", false, "let dependencies be built from sdists, source trees beside the archive, URLs and repositories, inside the installer's sandbox (it has the network); default: wheels from the index only")
	f.StringVar(&d.Installer, "installer", "", "what builds environments: `uv` or pip (default: uv when it is on PATH, else pip)")
}

// builder checks the flags and makes the environment builder; iso is the
// run's isolation, the installer's too.
func (d *DepsFlags) builder(log io.Writer, iso sandbox.Isolation) (*scriptdeps.Builder, error) {
	inst, err := scriptdeps.ParseInstaller(d.Installer)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if d.AllowBuild && iso.Resolved() != sandbox.Namespaces {
		return nil, usagef("--allow-build needs the sandbox's namespaces: with --isolation %s a build would run uncontained", iso)
	}
	return &scriptdeps.Builder{IndexURL: d.IndexURL, FindLinks: d.FindLinks, AllowBuild: d.AllowBuild, Installer: inst, Isolation: iso, Log: log}, nil
}

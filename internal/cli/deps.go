package cli

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/reprokit/reprokit/internal/scriptdeps"
)

// DepsFlags are the flags about a Python repro's dependencies (PEP 723).
type DepsFlags struct {
	With      string // a dependency axis: trio==0.22.0,0.27.0
	IndexURL  string // a PEP 503 simple index to install from
	FindLinks string // a directory or page of archives to install from
}

func (d *DepsFlags) register(f *pflag.FlagSet) {
	f.StringVar(&d.With, "with", "", "a dependency as a matrix axis: `NAME==V1,V2` runs each version as its own column, overriding the script's inline metadata")
	f.StringVar(&d.IndexURL, "index-url", "", "the package index (PEP 503 simple) dependencies are installed from (default: the installer's)")
	f.StringVar(&d.FindLinks, "find-links", "", "a directory or page of archives to install dependencies from, e.g. for offline use")
}

func (d *DepsFlags) builder(log io.Writer) *scriptdeps.Builder {
	return &scriptdeps.Builder{IndexURL: d.IndexURL, FindLinks: d.FindLinks, Log: log}
}

package cli

import (
	"runtime"

	"github.com/spf13/pflag"
)

// jobsFlag registers -j/--jobs, by default the number of CPUs; the help
// says so in words, so the generated reference is the same on every
// machine.
func jobsFlag(fl *pflag.FlagSet, p *int, usage string) {
	fl.IntVarP(p, "jobs", "j", runtime.NumCPU(), usage)
	fl.Lookup("jobs").DefValue = "the number of CPUs"
}

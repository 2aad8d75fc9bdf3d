package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/bisect"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/usage"
)

// BisectOptions are the parsed flags of `reprokit bisect`.
type BisectOptions struct {
	File      string
	Range     bisect.Range
	Count     int           // runs per probe
	Timeout   time.Duration // per script run
	JSON      bool
	Record    bool // write the result into the archive's metadata
	Isolation string
	Verbose   bool      // show each probe's testscript log
	Deps      DepsFlags // --index-url, --find-links, --allow-build, --installer
}

const bisectLong = `Find where the repro's verdict changes, across releases (--python 3.9..3.13,
--go 1.22.0..1.22.12) or across the commits of a git checkout (--src DIR
--build CMD --from REV --to REV), and say whether that introduced the bug
or fixed it.

A release range holds every release in it: for Go, those the module proxy
lists; for CPython, those in uv's download list and those on this
machine. Only the releases the search probes are fetched, and one already
here is not fetched at all; without uv (or with UV_OFFLINE=1) the
interpreters on this machine are the range.

Both ends are re-verified first. A probe counts only when its verdict and
signature equal an end's; anything else (a build that fails, another
crash) makes the candidate untestable and the search goes around it; when
untestable candidates hide which one changed, all suspects are named.

Builds run outside the sandbox, with the user's environment, in worktrees
of the build cache; the checkout in --src is never touched. The result is
written into the archive's metadata (bisect:), where draft and check find
it. Recipes for CPython and Go checkouts: docs/bisect.md.

A library the repro depends on is bisected the same way (--with
'pkg==A..B' on one interpreter, or 'example.com/mod@vA..vB' for a Go
repro): its releases from the user's package index in PEP 440 order (the
module proxy's list for a module), yanked, retracted and pre-releases left
out unless --pre, a release with no wheel untestable; then, with --src,
the commits between the tags of the two releases around the change, each
installed into the repro's environment inside the installer's sandbox
(pip install --no-deps, or uv's), or put in place of the module by a
replace directive. One answer: "introduced in pkg 2.4.0, by 1a2b3c4 …".
--src DIR --install --from A --to B bisects a library's commits alone.
docs/bisect-library.md.

`

// NewCmdBisect is `reprokit bisect`; runF, if not nil, replaces its run function.
func NewCmdBisect(f *Factory, runF func(context.Context, *BisectOptions) error) *cobra.Command {
	opts := &BisectOptions{}
	opts.Range.Env, opts.Range.Log = f.Env, f.IO.ErrOut
	cmd := &cobra.Command{
		Use:   "bisect [flags] FILE",
		Short: "Find the release or commit where a repro's verdict changes",
		Long:  bisectLong + exitStatus("bisect"),
		Example: `  # over CPython releases, here or fetched with uv (only those probed)
  reprokit bisect --python 3.6..3.13 repros/float_sum_precision.txtar
  # over Go releases, fetching only those probed
  reprokit bisect --go 1.22.0..1.22.12 repros/go_ice_zero_size_array.txtar
  # over the commits of a CPython checkout
  reprokit bisect --src ~/cpython --build './configure -q --with-pydebug && make -j2' \
      --from v3.12.0 --to v3.13.0 repros/x.txtar
  # a dependency's releases, then its commits: one answer
  reprokit bisect --python 3.12 --with 'attrs==22.2.0..23.1.0' --src ~/attrs repros/y.txtar`,
		Args: nArgs(one, "bisect: name exactly one archive (e.g. `reprokit bisect --python 3.9..3.13 repros/x.txtar`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runBisect(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Range.Python, "python", "", "bisect over CPython releases in `OLD..NEW`, e.g. 3.12.0..3.12.8 or 3.9..3.13: those here and those uv can fetch (fetched only when probed); with --with, the one interpreter to bisect the library on (3.12)")
	fl.StringVar(&opts.Range.Go, "go", "", "bisect over Go releases in `OLD..NEW`, e.g. 1.22.0..1.22.12; with --with, the one release to bisect the module on")
	fl.StringVar(&opts.Range.Src, "src", "", "bisect over the commits of this git checkout (it is never touched: builds happen in worktrees)")
	fl.StringVar(&opts.Range.Build, "build", "", "shell command (sh -c) that builds a commit, run in its worktree outside the sandbox with your environment; a failed build makes the commit untestable")
	fl.StringVar(&opts.Range.From, "from", "", "the older end of the commit range: any revision git knows, an ancestor of --to")
	fl.StringVar(&opts.Range.To, "to", "", "the newer end of the commit range: any revision git knows")
	fl.StringVar(&opts.Range.Bin, "bin", "", "`SUBDIR` of the build whose programs go first on PATH (default: ./python for Python repros, bin/go for Go)")
	fl.BoolVar(&opts.Range.AllParents, "all-parents", false, "walk every commit of the range, not only first parents")
	fl.DurationVar(&opts.Range.BuildTimeout, "build-timeout", 30*time.Minute, "limit per build; the whole build is killed after it")
	fl.StringVar(&opts.Range.With, "with", "", "bisect a dependency's releases instead of the toolchain's: `NAME==OLD..NEW` (a Python project on the package index, PEP 440 order) or MODULE@OLD..NEW (a Go module through the module proxy); either end may be left out. With --src, then the commits between the two releases around the change")
	fl.BoolVar(&opts.Range.Pre, "pre", false, "keep pre-releases and development releases in a --with range")
	fl.BoolVar(&opts.Range.Install, "install", false, "--src is the checkout of a dependency: each probed commit is installed into the repro's environment inside the installer's sandbox (pip install --no-deps), or replaces a Go module; no --build")
	fl.StringVar(&opts.Range.TagFormat, "tag-format", "", "how the --src checkout tags a release, e.g. `release-{version}` (default: v{version} or {version}, else any tag of that version)")
	fl.StringVar(&opts.Range.CacheDir, "cache", "", "build cache directory (default $XDG_CACHE_HOME/reprokit/builds)")
	fl.IntVar(&opts.Count, "count", 1, "runs per probe; with N > 1 a probe whose runs mix counts for the bug, and the result states a confidence")
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as one JSON object")
	fl.BoolVar(&opts.Record, "record", true, "write the result into the archive's metadata (bisect:), where draft and check find it")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	opts.Deps.registerInstall(fl)
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show the testscript log of each probe's run (work dir shown as $WORK), as `run -v` does")
	return cmd
}

func runBisect(ctx context.Context, f *Factory, opts *BisectOptions) error {
	if opts.Count < 1 {
		return usagef("--count must be at least 1")
	}
	iso, err := f.IsolationNow(ctx, opts.Isolation)
	if err != nil {
		return err
	}
	deps, err := opts.Deps.builder(f.IO.ErrOut, iso)
	if err != nil {
		return err
	}
	rs, err := repro.Load([]string{opts.File})
	if err != nil {
		return err
	}
	r := rs[0]
	rg := opts.Range
	rg.Deps, rg.Prepare = deps, bisect.PrepareFor(r, deps)
	src, err := bisect.NewSource(ctx, r, rg)
	if err != nil {
		return bisectErr(err)
	}
	bopts := bisect.Options{
		Count:    opts.Count,
		Runner:   runner.Options{Limits: sandbox.Limits{Timeout: opts.Timeout}, Isolation: iso, Deps: deps},
		Progress: f.IO.ErrOut,
		Verbose:  opts.Verbose,
	}
	rep, err := bisect.Run(ctx, r, src, bopts)
	if err != nil {
		return bisectErr(err)
	}
	if rep, err = bisect.Chain(ctx, r, rg, src, rep, bopts); err != nil {
		return bisectErr(err)
	}
	if opts.JSON {
		data, _ := json.Marshal(rep)
		fmt.Fprintf(f.IO.Out, "%s\n", data)
	} else {
		rep.Write(f.IO.Out)
	}
	if opts.Record {
		if err := bisect.Record(r, rep); err != nil {
			return err
		}
	}
	if rep.Ambiguous {
		return &ExitError{Code: ExitNotAsBefore}
	}
	return nil
}

// bisectErr makes bad ranges and ends exit 2: nothing was decided.
func bisectErr(err error) error {
	var ue *bisect.UsageError
	var ee *bisect.EndError
	if errors.As(err, &ue) || errors.As(err, &ee) {
		return usage.Wrap(err)
	}
	return err
}

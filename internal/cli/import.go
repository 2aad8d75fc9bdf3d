package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/importer"
	"github.com/reprokit/reprokit/internal/repro"
)

// ImportOptions are the parsed flags of `reprokit import`.
type ImportOptions struct {
	Source    string
	Upstream  string
	Output    string
	Dir       string
	Force     bool
	NoRun     bool
	Python    string
	Go        string
	Deps      DepsFlags
	Timeout   time.Duration
	Jobs      int
	APIURL    string
	Isolation string
}

// NewCmdImport is `reprokit import`; runF, if not nil, replaces its run function.
func NewCmdImport(f *Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{}
	cmd := &cobra.Command{
		Use:   "import URL|FILE|-",
		Short: "Turn an upstream issue into a repro archive, run it, and compare with what the issue says",
		Long: `Read an upstream issue (through the GitHub API: a URL or OWNER/NAME#N; or a
Markdown file; or - for stdin) and write a repro archive: the reproducer from
its code blocks, >>> sessions and shell transcripts, the assertion from its
traceback or output, the title, the upstream URL, the tracker, the versions
the text names, and third-party imports as PEP 723 dependencies.

Then run it on every interpreter (--no-run skips this) and say what was found
next to what the issue says. Nothing from the issue runs outside the sandbox.
See docs/import.md.

` + exitStatus("import"),
		Example: `  # an issue through the API (no token needed for a public one)
  reprokit import https://github.com/python/cpython/issues/115874
  # the archive only, no run
  reprokit import --no-run 'python/cpython#115874'
  # an issue saved as Markdown, linked to where it came from
  reprokit import --upstream https://github.com/msgspec/msgspec/issues/308 issue.md
  # then: a confirmation comment for the issue, posted once on request
  reprokit draft --comment repros/cpython_115874.txtar
  reprokit file --comment reports/cpython_115874.comment.md`,
		Args: nArgs(one, "import: name one issue URL, Markdown file or - (e.g. `reprokit import https://github.com/python/cpython/issues/123`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runImport(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", "", "write the archive here (default repros/NAME.txtar)")
	fl.StringVar(&opts.Dir, "dir", "repros", "directory the archive goes to when -o is not given")
	fl.StringVar(&opts.Upstream, "upstream", "", "the issue `URL` a file or stdin was copied from: sets the tracker and the upstream link")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing archive")
	fl.BoolVar(&opts.NoRun, "no-run", false, "write the archive and run nothing")
	fl.StringVar(&opts.Python, "python", "all", "Python versions to run on: all, or a list like 3.11,3.12")
	fl.StringVar(&opts.Go, "go", "here", "Go releases to run on: here, all, 1.22, 1.22.0,1.22.12; missing ones are fetched")
	opts.Deps.register(fl)
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "limit per script run")
	jobsFlag(fl, &opts.Jobs, "runs in parallel")
	fl.StringVar(&opts.APIURL, "api-url", "", fmt.Sprintf(apiURLHelp, " the issue is read from"))
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	return cmd
}

func runImport(ctx context.Context, f *Factory, opts *ImportOptions) error {
	iso, err := f.IsolationNow(ctx, opts.Isolation)
	if err != nil {
		return err
	}
	deps, err := opts.Deps.builder(f.IO.ErrOut, iso)
	if err != nil {
		return err
	}
	req := importer.Request{Source: opts.Source, Upstream: opts.Upstream, In: f.IO.In, Forge: f.forge(opts.APIURL), Env: f.Env,
		Output: opts.Output, Dir: opts.Dir, Force: opts.Force, NoRun: opts.NoRun, Python: opts.Python, Go: opts.Go, With: opts.Deps.With,
		Timeout: opts.Timeout, Jobs: opts.Jobs, Isolation: iso, Deps: deps, Out: f.IO.Out, Log: f.IO.ErrOut}
	out, err := importer.Run(ctx, req)
	if err != nil || opts.NoRun {
		return err
	}
	for _, r := range out.Results {
		if r.Verdict == repro.ErrorVerdict {
			return &ExitError{Code: ExitHarness}
		}
	}
	if out.Compared.Comparable && !out.Compared.Agrees {
		return &ExitError{Code: ExitNotAsBefore}
	}
	return nil
}

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// DraftOptions are the parsed flags of `reprokit draft`.
type DraftOptions struct {
	draft.Request
	Files   []string
	Output  string // file, "-" for stdout; default reports/NAME.TRACKER.md
	Corpus  string // directory drafted when no files are named
	Reports string // where drafts go
	// Isolation is --isolation, read into Request.Isolation.
	Isolation string
	Offline   bool      // no related-issue search
	APIURL    string    // the GitHub the search asks
	Deps      DepsFlags // --with, --index-url, --find-links
	// Comment renders the confirmation comment for each repro's upstream
	// issue instead of an issue draft.
	Comment bool
}

// NewCmdDraft is `reprokit draft`; runF, if not nil, replaces its run function.
func NewCmdDraft(f *Factory, runF func(context.Context, *DraftOptions) error) *cobra.Command {
	opts := &DraftOptions{}
	cmd := &cobra.Command{
		Use:   "draft [FILE ...] [--tracker NAME] [-o PATH|-]",
		Short: "Render two-tier upstream issue drafts in each tracker's own shape",
		Long: `Run each repro on every interpreter, then render an upstream issue draft:
the standalone reproducer and its command, what happens, the version matrix
with its boundary in words, the flakiness, the two-tier ask (make it work /
fail cleanly) and the environment, redacted, in the tracker's own shape.

Each repro runs --count times on each interpreter (--python all), or a Go
repro on each Go release here (--go here). Related upstream issues are searched by signature
(public, no token; --offline skips it). Output is deterministic and
redacted: home directories, user and host names, tokens, secrets, URL
credentials.

With no files, drafts every repro in repros/ whose metadata names --tracker.
Drafts go to reports/NAME.TRACKER.md; -o - prints to stdout. Trackers and
the forms they follow: docs/draft-and-file.md.

` + exitStatus("draft"),
		Example: `  # the cpython draft of one repro, without the related-issue search
  reprokit draft --offline repros/subint_fork.txtar
  # print it instead of writing reports/subint_fork.cpython.md
  reprokit draft --offline -o - repros/subint_fork.txtar
  # every repro whose metadata names the go tracker
  reprokit draft --tracker go
  # a dependency as a matrix axis
  reprokit draft --with 'packaging==21.3,22.0' repros/packaging_legacy_version.txtar
  # the confirmation comment for the repro's upstream issue (docs/import.md)
  reprokit draft --comment repros/cpython_115874.txtar`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDraft(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Tracker, "tracker", "", "tracker profile: cpython, go, github, or a file reports/trackers/NAME.yaml (default: the repro's metadata, else github)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the draft here; - for stdout (default reports/NAME.TRACKER.md)")
	fl.StringVar(&opts.Python, "python", "all", "Python versions for the matrix: `VERSIONS` is all (here, plus the newest release of each minor uv can fetch), here, or a list like 3.11,3.12 (fetched with uv when missing)")
	fl.StringVar(&opts.Go, "go", "here", goSelectHelp)
	fl.IntVar(&opts.Count, "count", 3, "runs per interpreter, for the flakiness rate")
	fl.BoolVar(&opts.Force, "force", false, "draft even a repro that reproduces nowhere (the draft says so at the top)")
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "limit per script run")
	jobsFlag(fl, &opts.Jobs, "runs in parallel")
	fl.StringVar(&opts.Corpus, "corpus", "repros", "directory drafted when no files are named")
	fl.StringVar(&opts.Reports, "reports", "reports", "directory the drafts are written to")
	fl.StringVar(&opts.TrackersDir, "trackers", filepath.Join("reports", "trackers"), "directory of tracker profile files that add to or override the built-in ones")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	opts.Deps.register(fl)
	fl.BoolVar(&opts.Comment, "comment", false, "render the confirmation comment for the repro's upstream issue (reports/NAME.comment.md), Bugmon-style; `reprokit file --comment` posts it")
	fl.BoolVar(&opts.Offline, "offline", false, "do not search the upstream tracker for related issues")
	fl.StringVar(&opts.APIURL, "api-url", "", fmt.Sprintf(apiURLHelp, " for the related-issue search"))
	return cmd
}

func runDraft(ctx context.Context, f *Factory, opts *DraftOptions) error {
	iso, err := f.IsolationNow(ctx, opts.Isolation)
	if err != nil {
		return err
	}
	if opts.Tracker != "" {
		if _, err := draft.LoadProfile(opts.Tracker, opts.TrackersDir, draft.Funcs()); err != nil {
			return usage.Wrap(err)
		}
	}
	repros, err := draft.Select(opts.Files, opts.Corpus, opts.Tracker)
	if err != nil {
		return err
	}
	if opts.Output != "" && opts.Output != "-" && len(repros) > 1 {
		return usagef("-o %s names one file but there are %d drafts; leave -o out to write reports/NAME.TRACKER.md", opts.Output, len(repros))
	}
	all, err := toolchain.Discover(ctx, f.Env)
	if err != nil {
		return err
	}
	req := opts.Request
	req.Isolation, req.Log = iso, f.IO.ErrOut
	if req.Deps, err = opts.Deps.builder(f.IO.ErrOut, iso); err != nil {
		return err
	}
	req.With = opts.Deps.With
	if !opts.Offline && !opts.Comment {
		req.Related = forge.RelatedSearch(f.forge(opts.APIURL), f.Env)
	}
	red := redact.New()
	make := draft.Make
	if opts.Comment {
		make = draft.MakeConfirmation
	}
	for _, r := range repros {
		m, err := make(ctx, req, r, all, red)
		if err != nil {
			return err
		}
		out := opts.Output
		if out == "" {
			out = filepath.Join(opts.Reports, r.Name()+"."+m.Tracker+".md")
		}
		if err := writeDraft(f.IO, out, m); err != nil {
			return err
		}
	}
	return nil
}

// writeDraft writes the draft to out ("-" for stdout) and says so.
func writeDraft(ios *IOStreams, out string, m *draft.Made) error {
	var buf bytes.Buffer
	m.Write(&buf)
	if out == "-" {
		_, err := ios.Out.Write(buf.Bytes())
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	fmt.Fprintf(ios.Out, "%s: %s (%d of %d toolchains reproduce)\n", out, m.Title, m.Reproducing, m.Total)
	return nil
}

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/tracker"
)

// DraftOptions are the parsed flags of `reprokit draft`.
type DraftOptions struct {
	IO          *IOStreams
	Files       []string
	Tracker     string // profile; default: the repro's metadata, else github
	Output      string // file, "-" for stdout; default reports/NAME.TRACKER.md
	Python      string // toolchains to run on; default all
	Go          string // Go releases to run on; default here
	Count       int    // runs per toolchain, for the flakiness rate
	Force       bool   // draft even when it reproduces nowhere
	Timeout     time.Duration
	Jobs        int
	Corpus      string // directory drafted when no files are named
	Reports     string // where drafts go
	TrackersDir string // profile overrides
	Isolation   string
	Env         func(string) string
	// Search lists likely related upstream issues, found by the same
	// signature search `file` does (public: no token needed); --offline
	// turns it off.
	Search bool
	APIURL string
	Deps   DepsFlags // --with, --index-url, --find-links
}

func newDraftCmd(ios *IOStreams) *cobra.Command {
	opts := &DraftOptions{IO: ios, Env: os.Getenv}
	cmd := &cobra.Command{
		Use:   "draft [FILE ...] [--tracker NAME] [-o PATH|-]",
		Short: "Render two-tier upstream issue drafts in each tracker's own shape",
		Long: `Run each repro on every interpreter, then render an upstream issue draft:
the standalone reproducer and its command, what happens, the version matrix
with its boundary in words, the flakiness, the two-tier ask (make it work /
fail cleanly) and the environment, redacted, in the tracker's own shape.

With no files, drafts every repro in repros/ whose metadata names --tracker.
Drafts go to reports/NAME.TRACKER.md; -o - prints to stdout.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return runDraft(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Tracker, "tracker", "", "tracker profile: cpython, go, github, or a file reports/trackers/NAME.yaml (default: the repro's metadata)")
	f.StringVarP(&opts.Output, "output", "o", "", "write the draft here; - for stdout (default reports/NAME.TRACKER.md)")
	f.StringVar(&opts.Python, "python", "all", "Python versions for the matrix: all, or a list like 3.11,3.12")
	f.StringVar(&opts.Go, "go", "here", "Go releases for the matrix: here, all, 1.22, 1.22.0,1.22.12, 1.22.*; missing ones are fetched")
	f.IntVar(&opts.Count, "count", 3, "runs per interpreter, for the flakiness rate")
	f.BoolVar(&opts.Force, "force", false, "draft even a repro that reproduces nowhere (the draft says so at the top)")
	f.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "limit per script run")
	f.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "runs in parallel")
	f.StringVar(&opts.Corpus, "corpus", "repros", "directory drafted when no files are named")
	f.StringVar(&opts.Reports, "reports", "reports", "directory the drafts are written to")
	f.StringVar(&opts.TrackersDir, "trackers", filepath.Join("reports", "trackers"), "directory of tracker profile files that add to or override the built-in ones")
	f.StringVar(&opts.Isolation, "isolation", "auto", "sandbox: auto, namespaces, or process-group")
	opts.Deps.register(f)
	offline := f.Bool("offline", false, "do not search the upstream tracker for related issues")
	f.StringVar(&opts.APIURL, "api-url", "", "GitHub REST base URL for the related-issue search (default GITHUB_API_URL, else GH_HOST's, else api.github.com)")
	cmd.PreRun = func(*cobra.Command, []string) { opts.Search = !*offline }
	return cmd
}

func runDraft(ctx context.Context, opts *DraftOptions) error {
	iso, err := isolationFlag(ctx, opts.IO, opts.Isolation)
	if err != nil {
		return err
	}
	if opts.Tracker != "" {
		if _, err := tracker.Load(opts.Tracker, opts.TrackersDir, draft.Funcs()); err != nil {
			return &usageError{err}
		}
	}
	var repros []*repro.Repro
	if len(opts.Files) == 0 {
		if opts.Tracker == "" {
			return usagef("draft: name archives, or a --tracker to draft every repro in %s/ that names it", opts.Corpus)
		}
		all, err := repro.Load([]string{opts.Corpus})
		if err != nil {
			return err
		}
		for _, r := range all {
			if r.Meta.Tracker == opts.Tracker {
				repros = append(repros, r)
			}
		}
		if len(repros) == 0 {
			return usagef("no repro in %s/ names tracker %q in its metadata", opts.Corpus, opts.Tracker)
		}
	} else {
		if repros, err = repro.Load(opts.Files); err != nil {
			return err
		}
	}
	if opts.Output != "" && opts.Output != "-" && len(repros) > 1 {
		return usagef("-o %s names one file but there are %d drafts; leave -o out to write reports/NAME.TRACKER.md", opts.Output, len(repros))
	}
	all, err := toolchain.Discover(ctx, opts.Env)
	if err != nil {
		return err
	}
	red := redact.New()
	for _, r := range repros {
		d, name, reproducing, total, err := renderDraft(ctx, opts, r, all, red, iso)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		d.Write(&buf)
		out := opts.Output
		switch out {
		case "-":
			opts.IO.Out.Write(buf.Bytes())
			continue
		case "":
			out = filepath.Join(opts.Reports, r.Name()+"."+name+".md")
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", out, err)
		}
		fmt.Fprintf(opts.IO.Out, "%s: %s (%d of %d interpreters reproduce)\n", out, d.Title, reproducing, total)
	}
	return nil
}

// renderDraft runs r on its toolchains and renders its draft.
func renderDraft(ctx context.Context, opts *DraftOptions, r *repro.Repro, all []toolchain.Toolchain, red *redact.Redactor, iso string) (*draft.Draft, string, int, int, error) {
	fail := func(err error) (*draft.Draft, string, int, int, error) { return nil, "", 0, 0, err }
	name := opts.Tracker
	if name == "" {
		name = r.Meta.Tracker
	}
	if name == "" {
		name = "github"
	}
	prof, err := tracker.Load(name, opts.TrackersDir, draft.Funcs())
	if err != nil {
		return fail(&usageError{fmt.Errorf("%s: %w", r.Path, err)})
	}
	if prof.Repo == "" && r.Meta.Repo == "" {
		fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: %s: tracker %s needs `repo: OWNER/NAME` in the metadata to be filed\n", r.Path, name)
	}
	sel := &toolchain.Selection{Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Log: opts.IO.ErrOut}
	tcs, err := sel.For(ctx, all, r.Kind())
	if err != nil {
		return fail(usagef("%s: %v", r.Path, err))
	}
	var jobs []job
	for _, tc := range tcs {
		jobs = append(jobs, job{r, tc})
	}
	ropts := runner.Options{Count: max(opts.Count, 1), Isolation: iso, Limits: sandbox.Limits{Timeout: opts.Timeout}, Deps: opts.Deps.builder(opts.IO.ErrOut)}
	results := runAll(ctx, jobs, max(opts.Jobs, 1), ropts, func(runner.Result) {})
	var cells []draft.Cell
	var reproTCs []toolchain.Toolchain
	reproducing := 0
	for i, res := range results {
		if res.Verdict == repro.ErrorVerdict {
			return fail(fmt.Errorf("%s on %s: %s", r.Path, res.Toolchain.Name, res.Error))
		}
		if res.Verdict == repro.Reproduces || res.Verdict == repro.Flaky {
			reproducing++
			reproTCs = append(reproTCs, jobs[i].tc)
		}
		cells = append(cells, draft.Cell{Name: res.Toolchain.Name, Version: res.Toolchain.Version, Verdict: res.Verdict, Rate: res.Rate, Reason: res.Reason, Signature: res.Signature, Output: res.Output, Stacks: res.Stacks, Axis: res.Toolchain.Axis}.On(jobs[i].tc))
	}
	if reproducing == 0 && !opts.Force {
		return fail(usagef("%s: reproduces on none of %d interpreters: nothing to report (see `reprokit run --python all %s`; --force drafts it anyway)", r.Path, len(cells), r.Path))
	}
	in := draft.Input{Repro: r, Cells: cells, Env: draft.Probe(ctx, tcs)}
	in.Env.GoVersion, in.Env.GoEnv = draft.GoEnv(ctx, r, reproTCs, ropts)
	d, err := draft.Render(in, prof, red)
	if err != nil {
		return fail(err)
	}
	if opts.Search && d.Repo != "" {
		if in.Related = searchRelated(ctx, opts, d); len(in.Related) > 0 {
			if d, err = draft.Render(in, prof, red); err != nil {
				return fail(err)
			}
		}
	}
	if reproducing == 0 {
		d.Body = "> **Warning: this repro reproduces on none of the interpreters it was run on. Do not file it as is.**\n\n" + d.Body
	}
	if len(d.Missing) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: %s states no %s tier; the draft says so\n", r.Path, strings.Join(d.Missing, " or "))
	}
	return d, name, reproducing, len(cells), nil
}

// searchRelated finds likely related upstream issues by the draft's
// signature and title, as `file` does before filing. A failed search is a
// warning: the draft then lists none, and says nothing about duplicates.
func searchRelated(ctx context.Context, opts *DraftOptions, d *draft.Draft) []draft.Related {
	host := opts.Env("GH_HOST")
	apiURL := opts.APIURL
	if apiURL == "" {
		apiURL = opts.Env("GITHUB_API_URL")
	}
	auth, _ := forge.ResolveAuth(host, apiURL != "", opts.Env) // public search needs none
	client, err := forge.New(forge.Options{APIURL: apiURL, Host: host, Auth: auth, NoWait: true, MaxTries: 1, Timeout: 15 * time.Second, Log: opts.IO.ErrOut})
	var found []*github.Issue
	if err == nil {
		found, err = client.Search(ctx, d.Repo, []string{d.Search, d.Title})
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: related-issue search in %s failed (%v); the draft lists none (--offline skips the search)\n", d.Repo, err)
		return nil
	}
	var out []draft.Related
	for _, iss := range found {
		if len(out) == 5 {
			break
		}
		out = append(out, draft.Related{Number: iss.GetNumber(), Title: iss.GetTitle(), URL: iss.GetHTMLURL(), State: iss.GetState()})
	}
	return out
}

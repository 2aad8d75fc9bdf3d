package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// FileOptions are the parsed flags of `reprokit file`.
type FileOptions struct {
	Path          string
	Repo          string
	Yes           bool
	DryRun        bool
	Web           bool
	CommentOn     int
	Comment       bool // post a confirmation comment draft on its issue
	Force         bool
	NoWait        bool
	APIURL        string
	Ledger        string
	SecondaryWait time.Duration // hidden: minimum wait on a secondary limit
	WriteGap      time.Duration // hidden: pause between writes
	Timeout       time.Duration
}

// NewCmdFile is `reprokit file`; runF, if not nil, replaces its run function.
func NewCmdFile(f *Factory, runF func(context.Context, *FileOptions) error) *cobra.Command {
	opts := &FileOptions{}
	cmd := &cobra.Command{
		Use:   "file REPORT.md|REPRO.txtar",
		Short: "File a draft upstream through the GitHub API: confirmed, deduplicated, never twice",
		Long: `File a draft (reports/NAME.TRACKER.md, or a repro, drafted first) as a GitHub
issue. Nothing is created without --yes or a "y" at the prompt; --dry-run
prints the exact request and sends nothing; --web prints a pre-filled
new-issue URL instead (no token needed).

It first looks for an issue it filed before (the body carries a hidden
fingerprint; reports/filed.json records what was filed), then searches the
repository for duplicates by signature and title and refuses if it finds
any, unless --force; --comment-on N adds the repro to issue N instead;
--comment posts a confirmation comment (draft --comment) on the repro's
upstream issue, once (docs/import.md).

Token: GH_TOKEN or GITHUB_TOKEN (github.com), GH_ENTERPRISE_TOKEN or
GITHUB_ENTERPRISE_TOKEN (GH_HOST), or ` + "`gh auth token`" + `. API base: --api-url or
GITHUB_API_URL. The token never appears in output, errors or requests other
than their Authorization header. Rate limits are waited out (--no-wait gives
up). Guide: docs/draft-and-file.md.

` + exitStatus("file"),
		Example: `  # see the exact request, send nothing
  reprokit file --dry-run reports/subint_fork.cpython.md
  # a pre-filled new-issue URL, no token needed
  reprokit file --web reports/subint_fork.cpython.md
  # file without the prompt
  reprokit file --yes reports/subint_fork.cpython.md
  # add the repro to an existing issue instead
  reprokit file --comment-on 1234 reports/subint_fork.cpython.md`,
		Args: nArgs(one, "file: name one draft or repro (e.g. `reprokit file reports/subint_fork.cpython.md`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFile(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Repo, "repo", "", "OWNER/NAME to file in (default: the draft's repo)")
	fl.BoolVar(&opts.Yes, "yes", false, "file without asking")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the exact request (method, URL, title, labels, body) and send nothing")
	fl.BoolVar(&opts.Web, "web", false, "print a pre-filled new-issue URL (under 8000 characters) instead of calling the API")
	fl.BoolVar(&opts.Comment, "comment", false, "post a confirmation comment (from `draft --comment`, or drafted now from a repro) on the repro's upstream issue, once")
	fl.IntVar(&opts.CommentOn, "comment-on", 0, "add the repro as a comment to issue `N` instead of filing a new one")
	fl.BoolVar(&opts.Force, "force", false, "file even though likely duplicates were found")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "give up on a rate limit instead of waiting for it to reset")
	fl.StringVar(&opts.APIURL, "api-url", "", fmt.Sprintf(apiURLHelp, ""))
	fl.StringVar(&opts.Ledger, "ledger", filepath.Join("reports", "filed.json"), "where what was filed is recorded (atomic writes, locked against a second process)")
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "limit per API request")
	fl.DurationVar(&opts.SecondaryWait, "secondary-wait", 60*time.Second, "least wait on a secondary rate limit without Retry-After")
	fl.DurationVar(&opts.WriteGap, "write-gap", time.Second, "pause between writes")
	fl.MarkHidden("secondary-wait")
	fl.MarkHidden("write-gap")
	return cmd
}

func runFile(ctx context.Context, f *Factory, opts *FileOptions) error {
	d, err := loadDraft(ctx, f, opts.Path, opts.Comment)
	if err != nil {
		return err
	}
	commentOn, err := commentTarget(d, opts)
	if err != nil {
		return err
	}
	copts := f.forge(opts.APIURL)
	filing := forge.Filing{Draft: d, DraftPath: opts.Path, Repo: opts.Repo, CommentOn: commentOn, Force: opts.Force,
		Ledger: opts.Ledger, Confirm: f.confirm(opts.Yes), Out: f.IO.Out, Log: f.IO.ErrOut, Now: f.Now}
	switch {
	case opts.Web:
		return forge.Web(copts.Endpoint, filing, 8000)
	case opts.DryRun:
		return forge.DryRun(copts.Endpoint, filing)
	}
	copts.NoWait, copts.SecondaryMin, copts.WriteGap, copts.Timeout = opts.NoWait, opts.SecondaryWait, opts.WriteGap, opts.Timeout
	return forge.File(ctx, copts, f.Env, filing)
}

// commentTarget is the issue a comment goes to: --comment-on, or a
// comment draft's own issue, which is posted only with --comment.
func commentTarget(d *draft.Draft, opts *FileOptions) (int, error) {
	switch {
	case d.CommentOn > 0 && !opts.Comment:
		return 0, usagef("%s is a comment draft for %s#%d: pass --comment to post it there (it is never posted otherwise)", opts.Path, d.Repo, d.CommentOn)
	case opts.Comment && d.CommentOn == 0:
		return 0, usagef("%s is not a confirmation comment: draft one with `reprokit draft --comment REPRO.txtar`, or pass the repro itself", opts.Path)
	case opts.Comment && opts.CommentOn > 0:
		return 0, usagef("--comment posts on the repro's upstream issue; leave out --comment-on")
	case opts.Comment && opts.Web:
		return 0, usagef("--web opens a new issue, not a comment: post %s with --comment (--dry-run shows the request), or paste it on %s#%d yourself", opts.Path, d.Repo, d.CommentOn)
	case opts.Comment:
		return d.CommentOn, nil
	}
	return opts.CommentOn, nil
}

// loadDraft reads a draft, or drafts a repro first (on every Python, three
// runs each, in the default sandbox); comment drafts the confirmation.
func loadDraft(ctx context.Context, f *Factory, path string, comment bool) (*draft.Draft, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("%s: %w", path, err)
	}
	if !strings.HasSuffix(path, ".txtar") {
		d, err := draft.Read(path, data)
		return d, usage.Wrap(err)
	}
	r, err := repro.Parse(path, data)
	if err != nil {
		return nil, err
	}
	all, err := toolchain.Discover(ctx, f.Env)
	if err != nil {
		return nil, err
	}
	req := draft.Request{Isolation: sandbox.Namespaces, Python: "all", Count: 3, Timeout: 60 * time.Second, Jobs: 2, TrackersDir: filepath.Join("reports", "trackers"), Log: f.IO.ErrOut}
	make := draft.Make
	if comment {
		make = draft.MakeConfirmation
	}
	m, err := make(ctx, req, r, all, redact.New())
	if err != nil {
		return nil, err
	}
	return m.Draft, nil
}

// confirm asks on the terminal before each write, unless yes.
func (f *Factory) confirm(yes bool) func(string) error {
	return func(question string) error {
		if yes {
			return nil
		}
		if !f.IO.IsInputTTY {
			return usagef("refusing to write to GitHub without confirmation: pass --yes (or --dry-run to see the request)")
		}
		fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", question)
		line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return &ExitError{Code: ExitNotAsBefore, msg: "not filed: not confirmed"}
		}
		return nil
	}
}

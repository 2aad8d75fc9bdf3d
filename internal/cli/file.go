package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/ledger"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// FileOptions are the parsed flags of `reprokit file`.
type FileOptions struct {
	IO            *IOStreams
	Path          string
	Repo          string
	Yes           bool
	DryRun        bool
	Web           bool
	CommentOn     int
	Force         bool
	NoWait        bool
	APIURL        string
	Ledger        string
	SecondaryWait time.Duration // hidden: minimum wait on a secondary limit
	WriteGap      time.Duration // hidden: pause between writes
	Timeout       time.Duration
	Env           func(string) string
	IsInputTTY    bool
}

func newFileCmd(ios *IOStreams) *cobra.Command {
	opts := &FileOptions{IO: ios, Env: os.Getenv}
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
any, unless --force; --comment-on N adds the repro to issue N instead.

Token: GH_TOKEN or GITHUB_TOKEN (github.com), GH_ENTERPRISE_TOKEN or
GITHUB_ENTERPRISE_TOKEN (GH_HOST), or ` + "`gh auth token`" + `. API base: --api-url or
GITHUB_API_URL.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("file: name one draft or repro (e.g. `reprokit file reports/subint_fork.cpython.md`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if f, ok := ios.In.(*os.File); ok {
				opts.IsInputTTY = isTerminal(f)
			}
			return runFile(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Repo, "repo", "", "OWNER/NAME to file in (default: the draft's repo)")
	f.BoolVar(&opts.Yes, "yes", false, "file without asking")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the exact request and send nothing")
	f.BoolVar(&opts.Web, "web", false, "print a pre-filled new-issue URL (under 8000 characters) instead of calling the API")
	f.IntVar(&opts.CommentOn, "comment-on", 0, "add the repro as a comment to issue `N` instead of filing a new one")
	f.BoolVar(&opts.Force, "force", false, "file even though likely duplicates were found")
	f.BoolVar(&opts.NoWait, "no-wait", false, "give up on a rate limit instead of waiting for it to reset")
	f.StringVar(&opts.APIURL, "api-url", "", "GitHub REST API base URL (default: GITHUB_API_URL, else GH_HOST's, else github.com's)")
	f.StringVar(&opts.Ledger, "ledger", filepath.Join("reports", "filed.json"), "where what was filed is recorded")
	f.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "limit per API request")
	f.DurationVar(&opts.SecondaryWait, "secondary-wait", 60*time.Second, "least wait on a secondary rate limit without Retry-After")
	f.DurationVar(&opts.WriteGap, "write-gap", time.Second, "pause between writes")
	f.MarkHidden("secondary-wait")
	f.MarkHidden("write-gap")
	return cmd
}

func runFile(ctx context.Context, opts *FileOptions) error {
	d, err := loadDraft(ctx, opts)
	if err != nil {
		return err
	}
	repo := opts.Repo
	if repo == "" {
		repo = d.Repo
	}
	if !regexp.MustCompile(`^[\w.-]+/[\w.-]+$`).MatchString(repo) {
		return usagef("%s: no repository to file in: pass --repo OWNER/NAME (or set `repo:` in the repro's metadata)", opts.Path)
	}
	host := opts.Env("GH_HOST")
	apiURL := opts.APIURL
	if apiURL == "" {
		apiURL = opts.Env("GITHUB_API_URL")
	}
	base := apiURL
	switch {
	case base != "":
	case host != "" && host != "github.com":
		base = "https://" + host + "/api/v3/"
	default:
		base = "https://api.github.com/"
	}
	if opts.Web {
		full := strings.TrimRight(d.Body, "\n") + "\n\n" + forge.Marker(d.Fingerprint) + "\n"
		u, note := webURL(host, repo, d.Title, full, d.Labels, 8000)
		if note != "" {
			fmt.Fprintf(opts.IO.ErrOut, "reprokit: %s\n", note)
		}
		fmt.Fprintln(opts.IO.Out, u)
		return nil
	}
	body, note := fitBody(d.Body, d.Fingerprint, forge.MaxBody)
	if note != "" {
		fmt.Fprintf(opts.IO.ErrOut, "reprokit: %s\n", note)
	}
	if opts.DryRun {
		// The ledger is read, not locked: a damaged one is said now, as
		// the real run would refuse on it.
		if _, err := (ledger.Ledger{Path: opts.Ledger}).Find(d.Fingerprint, repo); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: %v; a real `file` refuses until it is fixed\n", err)
		}
		method, path := "POST", "repos/"+repo+"/issues"
		if opts.CommentOn > 0 {
			path = fmt.Sprintf("repos/%s/issues/%d/comments", repo, opts.CommentOn)
		}
		fmt.Fprintf(opts.IO.Out, "%s %s%s\n", method, strings.TrimSuffix(base, "/")+"/", path)
		if opts.CommentOn == 0 {
			fmt.Fprintf(opts.IO.Out, "title: %s\nlabels: %s\n", d.Title, strings.Join(d.Labels, ", "))
		}
		fmt.Fprintf(opts.IO.Out, "body (%d characters):\n%s\n", len([]rune(body)), body)
		fmt.Fprintln(opts.IO.ErrOut, "dry run: nothing was sent")
		return nil
	}

	led := ledger.Ledger{Path: opts.Ledger}
	unlock, err := led.Lock()
	if err != nil {
		return fmt.Errorf("locking %s: %w", opts.Ledger, err)
	}
	defer unlock()
	if e, err := led.Find(d.Fingerprint, repo); err != nil {
		return err
	} else if e != nil {
		fmt.Fprintf(opts.IO.Out, "already filed on %s: %s\n", e.Date.Format("2006-01-02"), e.URL)
		return nil
	}

	auth, err := forge.ResolveAuth(host, apiURL != "", opts.Env)
	if err != nil {
		return err
	}
	client, err := forge.New(forge.Options{APIURL: apiURL, Host: host, Auth: auth, NoWait: opts.NoWait, SecondaryMin: opts.SecondaryWait, WriteGap: opts.WriteGap, Timeout: opts.Timeout, Log: opts.IO.ErrOut})
	if err != nil {
		return &usageError{err}
	}
	record := func(kind string, number int, url string) error {
		return led.Add(ledger.Entry{Fingerprint: d.Fingerprint, Repo: repo, Number: number, URL: url, Kind: kind, Title: d.Title, Draft: opts.Path, Date: time.Now().UTC()})
	}

	if opts.CommentOn > 0 {
		if err := confirm(opts, fmt.Sprintf("Comment with this repro on %s#%d?", repo, opts.CommentOn)); err != nil {
			return err
		}
		c, err := client.Comment(ctx, repo, opts.CommentOn, body)
		if err != nil {
			return err
		}
		if err := record("comment", opts.CommentOn, c.GetHTMLURL()); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "commented: %s\n", c.GetHTMLURL())
		return nil
	}

	// Filed before (by an earlier run whose ledger write was lost)?
	if iss, err := client.FindByFingerprint(ctx, repo, d.Fingerprint); err != nil {
		return err
	} else if iss != nil {
		if err := record("issue", iss.GetNumber(), iss.GetHTMLURL()); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "already filed: %s\n", iss.GetHTMLURL())
		return nil
	}
	dups, err := client.Search(ctx, repo, []string{d.Search, d.Title})
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "likely duplicates in %s:\n", repo)
		for _, iss := range dups {
			fmt.Fprintf(opts.IO.ErrOut, "  #%d [%s] %s %s\n", iss.GetNumber(), iss.GetState(), iss.GetTitle(), iss.GetHTMLURL())
		}
		if !opts.Force {
			return &ExitError{Code: ExitNotAsBefore, msg: fmt.Sprintf("not filed: %d likely duplicate(s); add the repro to one with --comment-on %d, or file anyway with --force", len(dups), dups[0].GetNumber())}
		}
	}
	if err := confirm(opts, fmt.Sprintf("File %q in %s?", d.Title, repo)); err != nil {
		return err
	}
	iss, created, err := client.Create(ctx, repo, d.Title, body, d.Labels, d.Fingerprint)
	if err != nil {
		return err
	}
	if err := record("issue", iss.GetNumber(), iss.GetHTMLURL()); err != nil {
		return err
	}
	if !created {
		fmt.Fprintf(opts.IO.Out, "already filed: %s\n", iss.GetHTMLURL())
		return nil
	}
	var got []string
	for _, l := range iss.Labels {
		got = append(got, l.GetName())
	}
	if missing := minus(d.Labels, got); len(missing) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "reprokit: GitHub dropped the labels %s: you probably lack push access to %s; a maintainer can add them\n", strings.Join(missing, ", "), repo)
	}
	fmt.Fprintf(opts.IO.Out, "filed: %s\n", iss.GetHTMLURL())
	return nil
}

// loadDraft reads a draft, or drafts a repro first.
func loadDraft(ctx context.Context, opts *FileOptions) (*draft.Draft, error) {
	data, err := os.ReadFile(opts.Path)
	if err != nil {
		return nil, &usageError{fmt.Errorf("%s: %w", opts.Path, err)}
	}
	if !strings.HasSuffix(opts.Path, ".txtar") {
		d, err := draft.Read(opts.Path, data)
		if err != nil {
			return nil, &usageError{err}
		}
		return d, nil
	}
	r, err := repro.Parse(opts.Path, data)
	if err != nil {
		return nil, err
	}
	all, err := toolchain.Discover(ctx, opts.Env)
	if err != nil {
		return nil, err
	}
	dopts := &DraftOptions{IO: opts.IO, Python: "all", Count: 3, Timeout: 60 * time.Second, Jobs: 2, TrackersDir: filepath.Join("reports", "trackers"), Env: opts.Env}
	d, _, _, _, err := renderDraft(ctx, dopts, r, all, redact.New(), "")
	return d, err
}

func confirm(opts *FileOptions, question string) error {
	if opts.Yes {
		return nil
	}
	if !opts.IsInputTTY {
		return usagef("refusing to write to GitHub without confirmation: pass --yes (or --dry-run to see the request)")
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return &ExitError{Code: ExitNotAsBefore, msg: "not filed: not confirmed"}
	}
	return nil
}

func minus(want, got []string) []string {
	have := map[string]bool{}
	for _, g := range got {
		have[g] = true
	}
	var out []string
	for _, w := range want {
		if !have[w] {
			out = append(out, w)
		}
	}
	return out
}

var detailsRE = regexp.MustCompile(`(?s)<details><summary>([^<]*)</summary>\n\n(.*?)\n\n</details>`)

// fitBody appends the fingerprint marker and trims the body under limit
// characters: the long output goes first, then the archive, then the tail.
func fitBody(body, fingerprint string, limit int) (string, string) {
	marker := "\n\n" + forge.Marker(fingerprint) + "\n"
	full := strings.TrimRight(body, "\n") + marker
	if len([]rune(full)) <= limit {
		return full, ""
	}
	var notes []string
	for _, want := range []string{"Full output", "The repro as a testscript archive"} {
		loc := detailsRE.FindAllStringSubmatchIndex(full, -1)
		for _, m := range loc {
			summary := full[m[2]:m[3]]
			if !strings.HasPrefix(summary, want) {
				continue
			}
			removed := len([]rune(full[m[4]:m[5]]))
			repl := fmt.Sprintf("<details><summary>%s</summary>\n\n_Trimmed by reprokit: %d characters did not fit GitHub's 65,536-character limit; run the repro to see them._\n\n</details>", summary, removed)
			full = full[:m[0]] + repl + full[m[1]:]
			notes = append(notes, fmt.Sprintf("%q (%d characters)", summary, removed))
			break
		}
		if len([]rune(full)) <= limit {
			return full, "the body was over GitHub's limit; trimmed " + strings.Join(notes, ", ")
		}
	}
	cut := "\n\n_Trimmed by reprokit: the rest did not fit GitHub's 65,536-character limit._" + marker
	r := []rune(full)
	keep := limit - len([]rune(cut))
	return string(r[:keep]) + cut, fmt.Sprintf("the body was over GitHub's limit; trimmed %s and cut %d characters at the end", strings.Join(notes, ", "), len(r)-keep)
}

// webURL is a pre-filled new-issue URL of at most limit characters.
func webURL(host, repo, title, body string, labels []string, limit int) (string, string) {
	if host == "" {
		host = "github.com"
	}
	build := func(b string) string {
		q := url.Values{}
		q.Set("title", title)
		q.Set("body", b)
		if len(labels) > 0 {
			q.Set("labels", strings.Join(labels, ","))
		}
		return fmt.Sprintf("https://%s/%s/issues/new?%s", host, repo, q.Encode())
	}
	u := build(body)
	if len(u) <= limit {
		return u, ""
	}
	// Drop the <details> blocks first, then cut the body.
	short := detailsRE.ReplaceAllString(body, "<details><summary>$1</summary>\n\n_Trimmed for the URL: attach the repro file._\n\n</details>")
	note := "the URL was too long for a browser: the <details> blocks were trimmed"
	suffix := "\n\n_Trimmed for the URL: see the repro file._"
	r := []rune(short)
	lo, hi := 0, len(r)
	for lo < hi { // the longest prefix that fits
		mid := (lo + hi + 1) / 2
		if len(build(string(r[:mid])+suffix)) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo < len(r) {
		note += fmt.Sprintf(", and the body cut after %d of %d characters", lo, len(r))
		return build(string(r[:lo]) + suffix), note
	}
	return build(short), note
}

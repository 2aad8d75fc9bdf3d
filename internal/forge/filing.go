package forge

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/usage"
)

// Filing is one `reprokit file`: a draft, where it goes and how to ask.
type Filing struct {
	Draft     *draft.Draft
	DraftPath string // recorded in the ledger
	Repo      string // OWNER/NAME; default the draft's
	CommentOn int    // add a comment to this issue instead of filing one
	Force     bool   // file even though likely duplicates were found
	Ledger    string // where what was filed is recorded
	// Confirm asks before every write; an error stops the filing.
	Confirm func(question string) error
	// Out hears the outcome (the URL); Log the notes and the duplicates.
	Out, Log io.Writer
	// Now dates the ledger's entries (default time.Now).
	Now func() time.Time
}

// Duplicates is the refusal to file an issue that likely exists.
type Duplicates struct{ N, First int }

func (e *Duplicates) Error() string {
	return fmt.Sprintf("not filed: %d likely duplicate(s); add the repro to one with --comment-on %d, or file anyway with --force", e.N, e.First)
}

var repoRE = regexp.MustCompile(`^[\w.-]+/[\w.-]+$`)

// repo is where the filing goes, checked.
func (f Filing) repo() (string, error) {
	repo := f.Repo
	if repo == "" {
		repo = f.Draft.Repo
	}
	if !repoRE.MatchString(repo) {
		return "", usage.Errorf("%s: no repository to file in: pass --repo OWNER/NAME (or set `repo:` in the repro's metadata)", f.DraftPath)
	}
	return repo, nil
}

// body is the draft's body with its fingerprint, under GitHub's limit.
func (f Filing) body() string {
	body, note := f.Draft.Fit(Marker(f.Draft.Fingerprint), MaxBody)
	if note != "" {
		fmt.Fprintf(f.Log, "reprokit: %s\n", note)
	}
	return body
}

// DryRun prints the exact request the filing would send, and sends nothing.
func DryRun(ep Endpoint, f Filing) error {
	repo, err := f.repo()
	if err != nil {
		return err
	}
	body, d := f.body(), f.Draft
	// The ledger is read, not locked: a damaged one is said now, as the
	// real run would refuse on it.
	if _, err := (Ledger{Path: f.Ledger}).Find(d.Fingerprint, repo); err != nil {
		fmt.Fprintf(f.Log, "reprokit: warning: %v; a real `file` refuses until it is fixed\n", err)
	}
	path := "repos/" + repo + "/issues"
	if f.CommentOn > 0 {
		path = fmt.Sprintf("repos/%s/issues/%d/comments", repo, f.CommentOn)
	}
	fmt.Fprintf(f.Out, "POST %s%s\n", ep.Base(), path)
	if f.CommentOn == 0 {
		fmt.Fprintf(f.Out, "title: %s\nlabels: %s\n", d.Title, strings.Join(d.Labels, ", "))
	}
	fmt.Fprintf(f.Out, "body (%d characters):\n%s\n", len([]rune(body)), body)
	fmt.Fprintln(f.Log, "dry run: nothing was sent")
	return nil
}

// Web prints a pre-filled new-issue URL of at most limit characters.
func Web(ep Endpoint, f Filing, limit int) error {
	repo, err := f.repo()
	if err != nil {
		return err
	}
	d := f.Draft
	u, note := webURL(ep.WebHost(), repo, d.Title, WithMarker(d.Body, d.Fingerprint), d.Labels, limit)
	if note != "" {
		fmt.Fprintf(f.Log, "reprokit: %s\n", note)
	}
	fmt.Fprintln(f.Out, u)
	return nil
}

// webURL is a pre-filled new-issue URL of at most limit characters.
func webURL(host, repo, title, body string, labels []string, limit int) (string, string) {
	build := func(b string) string {
		q := url.Values{}
		q.Set("title", title)
		q.Set("body", b)
		if len(labels) > 0 {
			q.Set("labels", strings.Join(labels, ","))
		}
		return fmt.Sprintf("https://%s/%s/issues/new?%s", host, repo, q.Encode())
	}
	if u := build(body); len(u) <= limit {
		return u, ""
	}
	// Drop the <details> blocks first, then cut the body.
	short := draft.WithoutDetails(body)
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

// File files the draft through the API, never twice: the ledger is
// consulted (under its lock) before any token is needed, then the
// repository is searched for an issue with the fingerprint and for likely
// duplicates, and what was filed is recorded.
func File(ctx context.Context, opts Options, env func(string) string, f Filing) error {
	repo, err := f.repo()
	if err != nil {
		return err
	}
	body := f.body()
	led := Ledger{Path: f.Ledger}
	unlock, err := led.Lock()
	if err != nil {
		return fmt.Errorf("locking %s: %w", f.Ledger, err)
	}
	defer unlock()
	if e, err := led.Find(f.Draft.Fingerprint, repo); err != nil {
		return err
	} else if e != nil {
		fmt.Fprintf(f.Out, "already filed on %s: %s\n", e.Date.Format("2006-01-02"), e.URL)
		return nil
	}
	if opts.Auth, err = opts.Endpoint.Auth(env); err != nil {
		return err
	}
	client, err := New(opts)
	if err != nil {
		return usage.Wrap(err)
	}
	s := &session{Filing: f, client: client, led: led, repo: repo, body: body}
	if f.CommentOn > 0 {
		return s.comment(ctx)
	}
	return s.create(ctx)
}

// session is a filing under way: the ledger locked, the client built.
type session struct {
	Filing
	client     *Client
	led        Ledger
	repo, body string
}

func (s *session) record(kind EntryKind, number int, url string) error {
	d := s.Draft
	return s.led.Add(Entry{Fingerprint: d.Fingerprint, Repo: s.repo, Number: number, URL: url, Kind: kind, Title: d.Title, Draft: s.DraftPath, Date: s.now().UTC()})
}

func (s *session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *session) comment(ctx context.Context) error {
	if err := s.Confirm(fmt.Sprintf("Comment with this repro on %s#%d?", s.repo, s.CommentOn)); err != nil {
		return err
	}
	c, err := s.client.Comment(ctx, s.repo, s.CommentOn, s.body)
	if err != nil {
		return err
	}
	if err := s.record(CommentEntry, s.CommentOn, c.GetHTMLURL()); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "commented: %s\n", c.GetHTMLURL())
	return nil
}

func (s *session) create(ctx context.Context) error {
	d := s.Draft
	// Filed before (by an earlier run whose ledger write was lost)?
	if iss, err := s.client.FindByFingerprint(ctx, s.repo, d.Fingerprint); err != nil {
		return err
	} else if iss != nil {
		if err := s.record(IssueEntry, iss.GetNumber(), iss.GetHTMLURL()); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "already filed: %s\n", iss.GetHTMLURL())
		return nil
	}
	if err := s.refuseDuplicates(ctx); err != nil {
		return err
	}
	if err := s.Confirm(fmt.Sprintf("File %q in %s?", d.Title, s.repo)); err != nil {
		return err
	}
	iss, created, err := s.client.Create(ctx, s.repo, d.Title, s.body, d.Labels, d.Fingerprint)
	if err != nil {
		return err
	}
	if err := s.record(IssueEntry, iss.GetNumber(), iss.GetHTMLURL()); err != nil {
		return err
	}
	if !created {
		fmt.Fprintf(s.Out, "already filed: %s\n", iss.GetHTMLURL())
		return nil
	}
	var got []string
	for _, l := range iss.Labels {
		got = append(got, l.GetName())
	}
	if missing := minus(d.Labels, got); len(missing) > 0 {
		fmt.Fprintf(s.Log, "reprokit: GitHub dropped the labels %s: you probably lack push access to %s; a maintainer can add them\n", strings.Join(missing, ", "), s.repo)
	}
	fmt.Fprintf(s.Out, "filed: %s\n", iss.GetHTMLURL())
	return nil
}

// refuseDuplicates lists likely duplicates and, unless forced, refuses.
func (s *session) refuseDuplicates(ctx context.Context) error {
	dups, err := s.client.Search(ctx, s.repo, []string{s.Draft.Search, s.Draft.Title})
	if err != nil || len(dups) == 0 {
		return err
	}
	fmt.Fprintf(s.Log, "likely duplicates in %s:\n", s.repo)
	for _, iss := range dups {
		fmt.Fprintf(s.Log, "  #%d [%s] %s %s\n", iss.GetNumber(), iss.GetState(), iss.GetTitle(), iss.GetHTMLURL())
	}
	if !s.Force {
		return &Duplicates{N: len(dups), First: dups[0].GetNumber()}
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

// Package forge files issues and comments on GitHub (and GitHub
// Enterprise, and any server that speaks its REST API, such as the fake one
// tests use) through go-github. It authenticates the way the GitHub CLI
// does, waits out rate limits, classifies errors into messages that say
// what to do, and never creates the same issue twice: every body carries a
// hidden fingerprint, and before every create — retries included — it
// looks for an issue with that fingerprint by the same user. What it
// filed is recorded in the ledger (ledger.go).
package forge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
)

// Auth is a token and where it came from (never the token in messages).
type Auth struct {
	Token  string
	Source string // GH_TOKEN, GITHUB_TOKEN, …, or "gh auth token"
}

// ErrNoToken says how to provide one.
var ErrNoToken = errors.New("no GitHub token: set GH_TOKEN (or GITHUB_TOKEN; GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN for an Enterprise host), or run `gh auth login`; --web files through the browser without a token")

// ResolveAuth finds a token by the GitHub CLI's conventions: GH_TOKEN then
// GITHUB_TOKEN for github.com; GH_ENTERPRISE_TOKEN then
// GITHUB_ENTERPRISE_TOKEN for other hosts; with an explicit API URL (the
// CI convention) any of them; else `gh auth token --hostname HOST`.
func ResolveAuth(host string, explicitAPI bool, env func(string) string) (Auth, error) {
	var names []string
	switch {
	case explicitAPI:
		names = []string{"GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	case host == "" || host == "github.com":
		names = []string{"GH_TOKEN", "GITHUB_TOKEN"}
	default:
		names = []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	}
	for _, n := range names {
		if v := strings.TrimSpace(env(n)); v != "" {
			return Auth{Token: v, Source: n}, nil
		}
	}
	if host == "" {
		host = "github.com"
	}
	if path, err := exec.LookPath("gh"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, path, "auth", "token", "--hostname", host).Output(); err == nil {
			if tok := strings.TrimSpace(string(out)); tok != "" {
				return Auth{Token: tok, Source: "gh auth token"}, nil
			}
		}
	}
	return Auth{}, ErrNoToken
}

// Options configure a Client. Zero values are the defaults.
type Options struct {
	Endpoint     Endpoint      // which GitHub; the zero value is github.com
	Auth         Auth          // the token
	NoWait       bool          // give up on a primary rate limit instead of waiting
	SecondaryMin time.Duration // wait at least this on a secondary limit without Retry-After; default 60s
	MaxTries     int           // attempts per call through limits and 5xx; default 4
	WriteGap     time.Duration // pause between writes; default 1s
	Timeout      time.Duration // per request; default 30s
	Log          io.Writer     // waits and notices
	// Transport carries the requests; nil is http.DefaultTransport.
	Transport http.RoundTripper
}

// Client talks to one GitHub.
type Client struct {
	gh    *github.Client
	opts  Options
	mu    sync.Mutex
	last  time.Time // last write
	login string
}

// New builds a client.
func New(opts Options) (*Client, error) {
	if opts.SecondaryMin == 0 {
		opts.SecondaryMin = 60 * time.Second
	}
	if opts.MaxTries == 0 {
		opts.MaxTries = 4
	}
	if opts.WriteGap == 0 {
		opts.WriteGap = time.Second
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	c := &Client{opts: opts}
	if err := c.reset(); err != nil {
		return nil, err
	}
	return c, nil
}

// reset builds a fresh go-github client. After we have waited out a rate
// limit ourselves, go-github's own memory of it (which would refuse
// requests client-side until an x-ratelimit-reset an hour away) goes too.
func (c *Client) reset() error {
	opts := c.opts
	gh := github.NewClient(&http.Client{Timeout: opts.Timeout, Transport: opts.Transport})
	if opts.Auth.Token != "" {
		gh = gh.WithAuthToken(opts.Auth.Token)
	}
	u, err := opts.Endpoint.baseURL()
	if err != nil {
		return err
	}
	gh.BaseURL = u
	c.gh = gh
	return nil
}

// Marker is the hidden fingerprint line an issue body carries.
func Marker(fingerprint string) string {
	return "<!-- reprokit-fingerprint: " + fingerprint + " -->"
}

// WithMarker is body with the fingerprint's marker on its last line.
func WithMarker(body, fingerprint string) string {
	return strings.TrimRight(body, "\n") + "\n\n" + Marker(fingerprint) + "\n"
}

// MaxBody is GitHub's limit on an issue body.
const MaxBody = 65536

// Login is the authenticated user.
func (c *Client) Login(ctx context.Context) (string, error) {
	if c.login != "" {
		return c.login, nil
	}
	var u *github.User
	err := c.retry(ctx, "reading the authenticated user", func() (*github.Response, error) {
		var resp *github.Response
		var err error
		u, resp, err = c.gh.Users.Get(ctx, "")
		return resp, err
	})
	if err != nil {
		return "", err
	}
	c.login = u.GetLogin()
	return c.login, nil
}

// Search returns open and closed issues of repo that mention any phrase,
// most relevant first, without duplicates.
func (c *Client) Search(ctx context.Context, repo string, phrases []string) ([]*github.Issue, error) {
	seen := map[int]bool{}
	var out []*github.Issue
	for _, p := range phrases {
		p = strings.TrimSpace(strings.ReplaceAll(p, `"`, ""))
		if p == "" {
			continue
		}
		if len(p) > 200 {
			p = p[:200]
		}
		q := fmt.Sprintf("repo:%s is:issue %q", repo, p)
		var res *github.IssuesSearchResult
		err := c.retryIn(ctx, repo, "searching for duplicates", func() (*github.Response, error) {
			var resp *github.Response
			var err error
			res, resp, err = c.gh.Search.Issues(ctx, q, &github.SearchOptions{ListOptions: github.ListOptions{PerPage: 20}})
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, iss := range res.Issues {
			if !seen[iss.GetNumber()] {
				seen[iss.GetNumber()] = true
				out = append(out, iss)
			}
		}
	}
	return out, nil
}

// FindByFingerprint looks through every issue the authenticated user
// opened in repo (all pages, open and closed) for the fingerprint.
func (c *Client) FindByFingerprint(ctx context.Context, repo, fingerprint string) (*github.Issue, error) {
	login, err := c.Login(ctx)
	if err != nil {
		return nil, err
	}
	owner, name, err := split(repo)
	if err != nil {
		return nil, err
	}
	marker := Marker(fingerprint)
	opt := &github.IssueListByRepoOptions{Creator: login, State: "all", ListOptions: github.ListOptions{PerPage: 100}}
	for {
		var page []*github.Issue
		var resp *github.Response
		err := c.retryIn(ctx, repo, "looking for an issue filed before", func() (*github.Response, error) {
			var err error
			page, resp, err = c.gh.Issues.ListByRepo(ctx, owner, name, opt)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, iss := range page {
			if strings.Contains(iss.GetBody(), marker) && !iss.IsPullRequest() {
				return iss, nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return nil, nil
		}
		opt.Page = resp.NextPage
	}
}

// Create files an issue, never twice: before every attempt (the first and
// each retry after a timeout or a 5xx, when the issue may exist anyway) it
// looks for one with the fingerprint. created is false when it found one.
func (c *Client) Create(ctx context.Context, repo, title, body string, labels []string, fingerprint string) (iss *github.Issue, created bool, err error) {
	owner, name, err := split(repo)
	if err != nil {
		return nil, false, err
	}
	if !strings.Contains(body, Marker(fingerprint)) {
		body = WithMarker(body, fingerprint)
	}
	req := &github.IssueRequest{Title: &title, Body: &body}
	if len(labels) > 0 {
		req.Labels = &labels
	}
	// A create that failed may have happened anyway: before every try,
	// retries included, look for the issue by its fingerprint.
	err = c.attempt(ctx, repo, "", repeatCreate, func() (*github.Response, error) {
		found, err := c.FindByFingerprint(ctx, repo, fingerprint)
		if err != nil || found != nil {
			iss = found
			return nil, final{err}
		}
		c.gap(ctx)
		defer c.wrote()
		var resp *github.Response
		iss, resp, err = c.gh.Issues.Create(ctx, owner, name, req)
		created = err == nil
		return resp, err
	})
	if err != nil {
		return nil, false, err
	}
	return iss, created, nil
}

// Comment adds a comment to issue number of repo.
func (c *Client) Comment(ctx context.Context, repo string, number int, body string) (*github.IssueComment, error) {
	owner, name, err := split(repo)
	if err != nil {
		return nil, err
	}
	var out *github.IssueComment
	err = c.retryWrite(ctx, repo, func() (*github.Response, error) {
		var resp *github.Response
		var err error
		out, resp, err = c.gh.Issues.CreateComment(ctx, owner, name, number, &github.IssueComment{Body: &body})
		return resp, err
	})
	return out, err
}

// Issue reads one issue.
func (c *Client) Issue(ctx context.Context, repo string, number int) (*github.Issue, error) {
	owner, name, err := split(repo)
	if err != nil {
		return nil, err
	}
	var out *github.Issue
	// The error is classified once, with the repository named.
	err = c.retryIn(ctx, repo, fmt.Sprintf("reading %s#%d", repo, number), func() (*github.Response, error) {
		var resp *github.Response
		var err error
		out, resp, err = c.gh.Issues.Get(ctx, owner, name, number)
		return resp, err
	})
	return out, err
}

// retry runs a read through rate limits and transient failures.
func (c *Client) retry(ctx context.Context, what string, call func() (*github.Response, error)) error {
	return c.retryIn(ctx, "", what, call)
}

func (c *Client) retryIn(ctx context.Context, repo, what string, call func() (*github.Response, error)) error {
	return c.attempt(ctx, repo, what, repeatRead, call)
}

// retryPolicy says what attempt does after a timeout or a 5xx.
type retryPolicy int

const (
	repeatRead   retryPolicy = iota // back off and retry: a read repeats safely
	neverRepeat                     // give up: the write may have happened
	repeatCreate                    // back off and retry, saying so: the call looks for the issue first
)

// final is an error that attempt returns as it is, without retrying.
type final struct{ err error }

func (f final) Error() string { return fmt.Sprint(f.err) }

// attempt calls until success, waiting out rate limits and, by policy,
// backing off after timeouts and 5xx; bounded by MaxTries.
func (c *Client) attempt(ctx context.Context, repo, what string, policy retryPolicy, call func() (*github.Response, error)) error {
	for try := 1; ; try++ {
		resp, err := call()
		var f final
		if errors.As(err, &f) {
			return f.err
		}
		if err == nil {
			return nil
		}
		if wait, ok := c.waitFor(err, resp, try); ok && try < c.opts.MaxTries {
			if err := c.sleep(ctx, wait, describe(err, resp)); err != nil {
				return err
			}
			continue
		}
		if policy != neverRepeat && transient(err, resp) && try < c.opts.MaxTries {
			backoff := time.Duration(1<<(try-1)) * time.Second
			if policy == repeatCreate {
				fmt.Fprintf(c.opts.Log, "creating the issue failed (%s); checking whether it was created anyway, then retrying in %s\n", describe(err, resp), backoff)
			}
			if err := c.sleep(ctx, backoff, ""); err != nil {
				return err
			}
			continue
		}
		if what == "" {
			return c.classify(err, resp, repo)
		}
		return fmt.Errorf("%s: %w", what, c.classify(err, resp, repo))
	}
}

// retryWrite is retry for a write that is safe to repeat only when it
// surely did not happen: rate limits (refused before acting), not 5xx.
func (c *Client) retryWrite(ctx context.Context, repo string, call func() (*github.Response, error)) error {
	return c.attempt(ctx, repo, "", neverRepeat, func() (*github.Response, error) {
		c.gap(ctx)
		defer c.wrote()
		return call()
	})
}

// waitFor says how long to wait before retrying a rate-limited call.
// go-github reports a 403 with x-ratelimit-remaining: 0 as a RateLimitError
// and a documented secondary limit as an AbuseRateLimitError, but a 429 as
// a plain ErrorResponse: those are classified here by their headers.
func (c *Client) waitFor(err error, resp *github.Response, try int) (time.Duration, bool) {
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl):
		if c.opts.NoWait {
			return 0, false
		}
		return time.Until(rl.Rate.Reset.Time) + time.Second, true
	case errors.As(err, &ab):
		// go-github also turns x-ratelimit-reset into RetryAfter, but GitHub
		// documents reset as binding only when x-ratelimit-remaining is 0;
		// otherwise: Retry-After, or at least a minute.
		var ra *time.Duration
		if h := headerOf(ab.Response); h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" {
			ra = ab.RetryAfter
		}
		return c.secondaryWait(ra, try), true
	case errors.As(err, &er) && er.Response != nil && (er.Response.StatusCode == http.StatusTooManyRequests || er.Response.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(er.Message), "secondary rate limit")):
		h := er.Response.Header
		if h.Get("X-RateLimit-Remaining") == "0" {
			if c.opts.NoWait {
				return 0, false
			}
			if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				return time.Until(time.Unix(reset, 0)) + time.Second, true
			}
		}
		var ra *time.Duration
		if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil {
			d := time.Duration(s) * time.Second
			ra = &d
		}
		return c.secondaryWait(ra, try), true
	}
	return 0, false
}

func headerOf(r *http.Response) http.Header {
	if r == nil {
		return http.Header{}
	}
	return r.Header
}

// secondaryWait honours Retry-After; without it, waits at least
// SecondaryMin, doubling with each try.
func (c *Client) secondaryWait(retryAfter *time.Duration, try int) time.Duration {
	if retryAfter != nil && *retryAfter > 0 {
		return *retryAfter
	}
	return c.opts.SecondaryMin * time.Duration(1<<(try-1))
}

func transient(err error, resp *github.Response) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode >= 500 {
		return true
	}
	return resp != nil && resp.StatusCode >= 500
}

func describe(err error, resp *github.Response) string {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return "primary rate limit"
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		return "secondary rate limit"
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		if er.Response.StatusCode == http.StatusTooManyRequests || strings.Contains(strings.ToLower(er.Message), "rate limit") {
			return fmt.Sprintf("rate limit (%d)", er.Response.StatusCode)
		}
		return fmt.Sprintf("%d %s", er.Response.StatusCode, http.StatusText(er.Response.StatusCode))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "error"
}

// sleep waits, showing a countdown line per second when there is a reason.
func (c *Client) sleep(ctx context.Context, d time.Duration, reason string) error {
	if d < 0 {
		d = 0
	}
	if reason != "" {
		fmt.Fprintf(c.opts.Log, "%s: waiting %s (until %s); --no-wait gives up instead\n", reason, d.Round(time.Second), time.Now().Add(d).Format("15:04:05"))
		defer c.reset()
	}
	deadline := time.Now().Add(d)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if reason != "" && left > time.Second {
				fmt.Fprintf(c.opts.Log, "  %s left\n", (left - time.Second).Round(time.Second))
			}
		case <-time.After(left):
			return nil
		}
	}
}

// gap keeps writes at least WriteGap apart, as GitHub asks of integrations.
func (c *Client) gap(ctx context.Context) {
	c.mu.Lock()
	wait := time.Until(c.last.Add(c.opts.WriteGap))
	c.mu.Unlock()
	if wait > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

func (c *Client) wrote() {
	c.mu.Lock()
	c.last = time.Now()
	c.mu.Unlock()
}

// classify turns an API error into a message that says what to do. The
// token never appears in it.
func (c *Client) classify(err error, resp *github.Response, repo string) error {
	msg := c.explain(err, repo)
	if c.opts.Auth.Token != "" {
		msg = strings.ReplaceAll(msg, c.opts.Auth.Token, "[REDACTED]")
	}
	return errors.New(msg)
}

func (c *Client) explain(err error, repo string) string {
	if repo == "" {
		repo = "the repository"
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Sprintf("rate limit exhausted until %s (%s); run again after it resets, or without --no-wait to wait", rl.Rate.Reset.Time.Format("15:04:05"), rl.Message)
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		return "secondary rate limit still in force after retries: wait a few minutes and run again"
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err.Error()
	}
	code := er.Response.StatusCode
	switch {
	case code == http.StatusUnauthorized:
		return fmt.Sprintf("GitHub rejected the token (401 %s): from %s; set GH_TOKEN to a valid token or run `gh auth login`", er.Message, c.opts.Auth.Source)
	case code == http.StatusForbidden && strings.Contains(er.Message, "Resource not accessible"):
		return fmt.Sprintf("the token may not create issues in %s (403 %s): it lacks a scope — `repo` (or `public_repo`) for a classic token, Issues: read and write for a fine-grained one", repo, er.Message)
	case code == http.StatusNotFound:
		return fmt.Sprintf("%s not found (404): check OWNER/NAME, or the repository is private and this token cannot see it", repo)
	case code == http.StatusGone:
		return fmt.Sprintf("issues are disabled for %s (410 %s): file upstream where the project takes reports", repo, er.Message)
	case code == http.StatusUnprocessableEntity:
		var parts []string
		for _, e := range er.Errors {
			p := strings.TrimSpace(fmt.Sprintf("%s %s %s", e.Field, e.Code, e.Message))
			parts = append(parts, p)
		}
		detail := strings.Join(parts, "; ")
		if detail == "" {
			detail = er.Message
		}
		return fmt.Sprintf("GitHub refused it (422 %s): %s", er.Message, detail)
	case code >= 500:
		return fmt.Sprintf("GitHub failed (%d %s) and retries did not help: run again later; nothing is filed twice", code, http.StatusText(code))
	}
	return fmt.Sprintf("GitHub answered %d: %s", code, er.Message)
}

func split(repo string) (string, string, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("repository %q: want OWNER/NAME", repo)
	}
	return owner, name, nil
}

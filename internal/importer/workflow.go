package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Request is one `reprokit import`. Zero values are the defaults given.
type Request struct {
	Source   string    // an issue URL (or OWNER/NAME#N), a file, or "-" for In
	Upstream string    // the issue URL a file or stdin came from (sets tracker and upstream)
	In       io.Reader // stdin
	Forge    forge.Options
	Env      func(string) string
	Output   string // the archive's path; default Dir/NAME.txtar
	Dir      string // default repros
	Force    bool   // overwrite an existing archive
	NoRun    bool   // write the archive, run nothing
	// The run: as `reprokit run`.
	Python, Go string
	With       string
	Timeout    time.Duration
	Jobs       int
	Isolation  sandbox.Isolation
	Deps       *scriptdeps.Builder
	Out, Log   io.Writer
}

// Outcome is what an import did.
type Outcome struct {
	Path     string
	Result   *Result
	Results  []runner.Result
	Compared draft.Comparison
}

// Read fetches or reads the issue.
func Read(ctx context.Context, req Request) (Issue, error) {
	if repo, n, err := forge.ParseIssueURL(req.Source); err == nil && (strings.Contains(req.Source, "://") || !fileExists(req.Source)) {
		return fetch(ctx, req, repo, n)
	}
	var data []byte
	var err error
	if req.Source == "-" {
		data, err = io.ReadAll(io.LimitReader(req.In, MaxBody+1))
	} else {
		data, err = os.ReadFile(req.Source)
	}
	if err != nil {
		return Issue{}, usage.Errorf("%s: %w", req.Source, err)
	}
	iss := Issue{Source: req.Source, Body: string(data)}
	if req.Source == "-" {
		iss.Source = "stdin"
	}
	iss.Title, iss.Body = splitTitle(iss.Body)
	if iss.Title == "" && req.Source != "-" {
		iss.Title = strings.TrimSuffix(filepath.Base(req.Source), filepath.Ext(req.Source))
	}
	if req.Upstream != "" {
		repo, n, err := forge.ParseIssueURL(req.Upstream)
		if err != nil {
			return Issue{}, usage.Errorf("--upstream: %v", err)
		}
		iss.Repo, iss.Number, iss.URL = repo, n, webURL(req.Upstream, repo, n)
	}
	return iss, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// webURL is the issue's page: as given when it is a URL.
func webURL(given, repo string, n int) string {
	if strings.Contains(given, "://") {
		return given
	}
	return fmt.Sprintf("https://github.com/%s/issues/%d", repo, n)
}

var titleLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^#\s+(.+?)\s*#*\s*$`) })

// splitTitle takes a file's leading `# Title` line as the title.
func splitTitle(body string) (string, string) {
	first, rest, _ := strings.Cut(strings.TrimLeft(body, "\n"), "\n")
	if m := titleLineRE().FindStringSubmatch(strings.TrimRight(first, "\r")); m != nil {
		return m[1], rest
	}
	return "", body
}

// fetch reads an issue through the API: no token needed for a public one.
func fetch(ctx context.Context, req Request, repo string, n int) (Issue, error) {
	opts := req.Forge
	opts.Auth, _ = opts.Endpoint.Auth(req.Env)
	opts.NoWait = true
	c, err := forge.New(opts)
	if err != nil {
		return Issue{}, usage.Wrap(err)
	}
	iss, err := c.Issue(ctx, repo, n)
	if err != nil {
		if strings.Contains(err.Error(), "(404)") {
			return Issue{}, usage.Errorf("%v (is #%d an issue of %s?)", err, n, repo)
		}
		return Issue{}, err
	}
	out := Issue{URL: iss.GetHTMLURL(), Repo: repo, Number: n, Title: iss.GetTitle(), Body: iss.GetBody(), Source: fmt.Sprintf("%s#%d", repo, n)}
	if out.URL == "" || !strings.Contains(out.URL, repo) {
		out.URL = fmt.Sprintf("https://github.com/%s/issues/%d", repo, n)
	}
	for _, l := range iss.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out, nil
}

// Run imports the issue, writes the archive and, unless NoRun, runs it on
// every toolchain and compares the matrix with what the issue states.
func Run(ctx context.Context, req Request) (*Outcome, error) {
	iss, err := Read(ctx, req)
	if err != nil {
		return nil, err
	}
	all, err := toolchain.Discover(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	opts := Options{Stdlib: Stdlib(ctx, all, CacheDir(req.Env))}
	if py, ok := Newest(all); ok {
		opts.Analyzer = Sandboxed{Python: py, Isolation: req.Isolation}
	}
	res, err := Import(ctx, iss, opts)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Result: res, Path: req.Output}
	if out.Path == "" {
		out.Path = filepath.Join(firstOf(req.Dir, "repros"), res.Name+".txtar")
	}
	if err := write(out.Path, res.Archive, req.Force); err != nil {
		return nil, err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(req.Log, "reprokit: import: %s\n", n)
	}
	fmt.Fprintf(req.Out, "%s: %s\n", out.Path, res.Summary())
	if req.NoRun {
		return out, nil
	}
	r, err := repro.Parse(out.Path, res.Archive)
	if err != nil {
		return nil, err
	}
	sel := &toolchain.Selection{Python: firstOf(req.Python, "all"), Go: firstOf(req.Go, "here"), With: req.With, Log: req.Log}
	jobs, err := runner.PlanOn(ctx, all, []*repro.Repro{r}, sel)
	if err != nil {
		return nil, err
	}
	ropts := runner.Options{Count: 1, Isolation: req.Isolation, Limits: sandbox.Limits{Timeout: req.Timeout}, Deps: req.Deps}
	out.Results = runner.RunAll(ctx, jobs, max(req.Jobs, 1), ropts, func(r runner.Result) { fmt.Fprintln(req.Out, r.Line()) })
	var cells []draft.Cell
	for i, r := range out.Results {
		cells = append(cells, draft.CellOf(r).On(jobs[i].Toolchain))
	}
	out.Compared = draft.Compare(res.Stated, cells)
	if res.Assertion == "" {
		// A script that asserts nothing "reproduces" wherever it exits 0:
		// that says nothing about the bug.
		out.Compared = draft.Comparison{Sentence: draft.Boundary(cells) + " The archive asserts nothing yet (ASSERTION MISSING): the matrix only says where the reproducer exits 0, so it is not compared with the issue."}
	}
	fmt.Fprintln(req.Out, out.Compared.Sentence)
	return out, nil
}

// write writes the archive, never over an existing file unless forced.
func write(path string, data []byte, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return usage.Errorf("%s exists: pass -o another path, or --force to replace it", path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Summary says in one line what the archive holds.
func (r *Result) Summary() string {
	var parts []string
	var names []string
	for _, f := range r.Repro.Files() {
		names = append(names, f.Name)
	}
	parts = append(parts, fmt.Sprintf("%s reproducer (%s)", r.Kind, strings.Join(names, ", ")))
	if r.Assertion != "" {
		parts = append(parts, fmt.Sprintf("asserts %q", r.Assertion))
	} else {
		parts = append(parts, "ASSERTION MISSING")
	}
	if s := draft.StatedWords(r.Stated); s != "" {
		parts = append(parts, "the issue says "+s)
	}
	return strings.Join(parts, "; ")
}

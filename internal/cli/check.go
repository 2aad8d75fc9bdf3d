package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/checkreport"
	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/resultcache"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/suite"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// CheckOptions are the parsed flags of `reprokit check`.
type CheckOptions struct {
	IO        *IOStreams
	Paths     []string
	Python    string
	Go        string
	Deps      DepsFlags
	Jobs      int
	Count     int
	CountSet  bool // an explicit --count bypasses the cache, as in `go test`
	NoCache   bool
	Timeout   time.Duration
	Isolation string
	JSON      bool
	JUnit     string
	HTML      string
	Shard     string
	Merge     bool
	Update    bool
	Upstream  bool
	APIURL    string
	Reports   string
	Env       func(string) string
}

func newCheckCmd(ios *IOStreams) *cobra.Command {
	opts := &CheckOptions{IO: ios, Env: os.Getenv}
	cmd := &cobra.Command{
		Use:   "check [flags] [DIR|FILE ...]",
		Short: "Run the corpus on every toolchain and report which upstream fixes landed",
		Long: `Run every repro (default: repros/) on every selected toolchain (default: all
discovered), compare each verdict with the expectation recorded in the
archive's metadata (expect:), and report the transitions, the version
boundaries, and comment drafts for the upstream issues whose fix landed.

With --merge, the arguments are the --json outputs of sharded checks, and
the report is the one the unsharded check would have printed.

Exit status: 0 when every cell is as expected (new toolchains included),
1 when a transition or an upstream contradiction needs attention, 2 for bad
input, 3 when a cell ended in error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.CountSet = cmd.Flags().Changed("count")
			return runCheck(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Python, "python", "all", "Python versions to check: `all`, or a list like 3.9,3.13")
	opts.Deps.register(f)
	f.StringVar(&opts.Go, "go", "here", "Go releases to check: here (those on this machine), all, 1.22, 1.22.0,1.22.12, 1.22.*; missing ones are fetched")
	f.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "cells run in parallel")
	f.IntVar(&opts.Count, "count", 1, "runs per cell; given explicitly (even --count=1) it bypasses the result cache")
	f.BoolVar(&opts.NoCache, "no-cache", false, "run every cell, ignoring cached results")
	f.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run")
	f.StringVar(&opts.Isolation, "isolation", "auto", "sandbox: auto, namespaces, or process-group")
	f.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to `FILE`")
	f.StringVar(&opts.HTML, "html", "", "write a self-contained HTML matrix to `FILE`")
	f.StringVar(&opts.Shard, "shard", "", "run only shard `I/N` of the cells (for a CI matrix; combine with --merge)")
	f.BoolVar(&opts.Merge, "merge", false, "combine the --json files of sharded checks given as arguments")
	f.BoolVar(&opts.Update, "update", false, "rewrite each archive's expectations with this check's verdicts (after you looked)")
	f.BoolVar(&opts.Upstream, "upstream", false, "read each linked upstream issue's state and flag contradictions")
	f.StringVar(&opts.APIURL, "api-url", "", "GitHub REST API base URL for --upstream (default: GITHUB_API_URL, else GH_HOST's, else github.com's)")
	f.StringVar(&opts.Reports, "reports", "reports", "directory for the comment drafts of landed fixes")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object per cell (what --merge reads)")
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	var shard suite.Shard
	if opts.Shard != "" {
		s, err := suite.ParseShard(opts.Shard)
		if err != nil {
			return &usageError{err}
		}
		shard = s
		if opts.Merge {
			return usagef("--shard and --merge exclude each other: run the shards, then merge their --json files")
		}
		if opts.Update {
			return usagef("--update with --shard would record a part of the matrix: update after --merge")
		}
	}
	if opts.Count < 1 {
		return usagef("--count must be at least 1")
	}
	opts.Count = suite.RunsPerCell(opts.Count, opts.CountSet, opts.Update)
	for _, out := range []string{opts.JUnit, opts.HTML} {
		if out != "" {
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return usagef("%s: %v", out, err)
			}
			if err := checkWritable(filepath.Dir(out)); err != nil {
				return err
			}
		}
	}

	var cells []suite.Cell
	var repros []*repro.Repro
	var err error
	if opts.Merge {
		cells, repros, err = mergeReports(opts)
	} else {
		cells, repros, err = runCells(ctx, opts, shard)
	}
	if err != nil {
		return err
	}

	rep := checkreport.New(cells)
	byPath := map[string]*repro.Repro{}
	for _, r := range repros {
		byPath[r.Path] = r
	}
	if opts.Python == "all" {
		ran := map[string]bool{}
		for _, c := range cells {
			ran[c.Toolchain.Version] = true
		}
		for _, r := range repros {
			for _, k := range suite.Stale(r.Meta.Expect, ran) {
				rep.Stale[r.Path] = append(rep.Stale[r.Path], k+" ("+r.Meta.Expect[k]+")")
			}
		}
	}
	if shard.N == 0 {
		if err := draftComments(opts, rep, byPath); err != nil {
			return err
		}
	}
	if opts.Upstream {
		lookupUpstream(ctx, opts, rep, byPath)
	}

	if opts.JSON {
		if err := rep.WriteJSON(opts.IO.Out); err != nil {
			return err
		}
	} else {
		rep.WriteTable(opts.IO.Out, opts.IO.IsTTY)
	}
	if opts.JUnit != "" {
		if err := writeReport(opts.JUnit, rep.WriteJUnit); err != nil {
			return err
		}
	}
	if opts.HTML != "" {
		if err := writeReport(opts.HTML, rep.WriteHTML); err != nil {
			return err
		}
	}
	attention, errs := rep.Attention()
	if opts.Update {
		if err := updateExpectations(opts, rep, byPath); err != nil {
			return err
		}
		if errs {
			// The errored cells kept their old expectation: say so in the status.
			fmt.Fprintln(opts.IO.ErrOut, "reprokit: some cells ended in error; their old expectations were kept")
			return &ExitError{Code: ExitHarness}
		}
		return nil
	}
	switch {
	case errs:
		return &ExitError{Code: ExitHarness}
	case attention:
		return &ExitError{Code: ExitNotAsBefore}
	}
	return nil
}

// runCells runs this machine's (shard of the) plan, through the cache.
func runCells(ctx context.Context, opts *CheckOptions, shard suite.Shard) ([]suite.Cell, []*repro.Repro, error) {
	iso, auto, err := parseIsolation(opts.IO, opts.Isolation)
	if err != nil {
		return nil, nil, err
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"repros"}
	}
	repros, err := repro.Load(paths)
	if err != nil {
		return nil, nil, err
	}
	jobs, err := plan(ctx, repros, &toolchain.Selection{Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Log: opts.IO.ErrOut}, opts.Env)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(jobs, func(i, j int) bool {
		a, b := jobs[i], jobs[j]
		return suite.Less(a.r.Path, a.tc.Version, a.tc.Name, b.r.Path, b.tc.Version, b.tc.Name)
	})
	var mine []job
	for k, j := range jobs {
		if shard.Take(k) {
			mine = append(mine, j)
		}
	}
	ropts := runner.Options{Count: opts.Count, Limits: sandbox.Limits{Timeout: opts.Timeout}, Isolation: iso, Deps: opts.Deps.builder(opts.IO.ErrOut)}
	cache := resultcache.Default(opts.Env)
	useCache := !opts.NoCache && !opts.CountSet
	optKey := fmt.Sprintf("count=%d timeout=%s isolation=%s index=%s find-links=%s", opts.Count, opts.Timeout, iso, opts.Deps.IndexURL, opts.Deps.FindLinks)
	content := map[*repro.Repro][]byte{}
	for _, r := range repros {
		content[r] = cacheContent(r)
	}
	keys := make([]string, len(mine))
	hits := make([]*runner.Result, len(mine))
	misses := 0
	for i, j := range mine {
		keys[i] = resultcache.Key(content[j.r], j.tc.Identity, j.tc.Version, optKey)
		if useCache {
			if res, ok := cache.Get(keys[i]); ok {
				res = rebase(res, j)
				hits[i] = &res
				continue
			}
		}
		misses++
	}
	// A fully cached check starts no sandbox, not even the namespace probe.
	if auto && misses > 0 {
		if err := requireNamespaces(ctx); err != nil {
			return nil, nil, err
		}
	}

	progress, done := checkProgress(opts.IO, misses)
	runCell := func(ctx context.Context, i int, j job) runner.Result {
		if hits[i] != nil {
			return *hits[i]
		}
		res := runner.Run(ctx, j.r, j.tc, ropts)
		progress()
		if ctx.Err() == nil && j.tc.Unavailable == "" { // a release fetched later is another cell
			if err := cache.Put(keys[i], res); err != nil {
				fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: caching a result: %v\n", err)
			}
		}
		return res
	}
	results := runEach(ctx, mine, max(opts.Jobs, 1), runCell, func(runner.Result) {})
	done()
	// The plan was sorted, so the cells are in report order.
	cells := make([]suite.Cell, len(results))
	for i, res := range results {
		cells[i] = suite.Cell{Result: res, Cached: hits[i] != nil}
		if shard.N > 0 {
			cells[i].Shard = shard.String()
		}
		suite.Classify(&cells[i])
	}
	return cells, repros, nil
}

// cacheContent is the part of an archive that decides a result: all of it
// but the expectations, so that `check --update` does not void the cache.
func cacheContent(r *repro.Repro) []byte {
	if data, err := r.WithExpect(nil); err == nil {
		return data
	}
	return r.Raw
}

// rebase makes a cached result this run's: the path as given now, the
// current expectation.
func rebase(res runner.Result, j job) runner.Result {
	res.File, res.Title, res.Expected = j.r.Path, j.r.Title(), ""
	res.Toolchain = runner.Ref(j.tc)
	if exp, ok := j.r.Meta.Expected(res.Toolchain.Version); ok {
		res.Expected = exp
	}
	return res
}

func checkProgress(ios *IOStreams, total int) (step func(), done func()) {
	if !ios.IsTTY || total == 0 {
		return func() {}, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetDescription("checking"),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	return func() { bar.Add(1) }, func() { bar.Finish() }
}

// mergeReports reads the shards' JSON and the archives they name.
func mergeReports(opts *CheckOptions) ([]suite.Cell, []*repro.Repro, error) {
	if len(opts.Paths) == 0 {
		return nil, nil, usagef("--merge: name the --json files of the shards (e.g. `reprokit check --merge shard-*.json`)")
	}
	reports := map[string][]suite.Cell{}
	for _, p := range opts.Paths {
		cells, err := suite.ReadReport(p)
		if err != nil {
			return nil, nil, &usageError{err}
		}
		reports[p] = cells
	}
	cells, err := suite.Merge(reports, opts.Paths)
	if err != nil {
		return nil, nil, &usageError{err}
	}
	var repros []*repro.Repro
	files, _ := suite.ByFile(cells)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: %s is not here: no comment drafts, expectation updates or upstream lookups for it\n", f)
			continue
		}
		r, err := repro.Parse(f, data)
		if err != nil {
			return nil, nil, &usageError{err}
		}
		repros = append(repros, r)
	}
	for i := range cells {
		cells[i].Shard = "" // the merged report is the unsharded one
		suite.Classify(&cells[i])
	}
	return cells, repros, nil
}

// draftComments writes a comment draft for each repro whose fix landed.
func draftComments(opts *CheckOptions, rep *checkreport.Report, byPath map[string]*repro.Repro) error {
	_, groups := suite.ByFile(rep.Cells)
	red := redact.New()
	for _, f := range rep.Files {
		r := byPath[f]
		if r == nil {
			continue
		}
		var all, landed []draft.Cell
		for _, c := range groups[f] {
			dc := draft.Cell{Name: c.Toolchain.Name, Version: c.Toolchain.Version, Verdict: c.Verdict, Rate: c.Rate, Reason: c.Reason, Signature: c.Signature, Output: c.Output}
			all = append(all, dc)
			if c.Landed() {
				landed = append(landed, dc)
			}
		}
		if len(landed) == 0 {
			continue
		}
		text := draft.LandedComment(r, all, landed, r.Meta.Upstream, red)
		path := filepath.Join(opts.Reports, r.Name()+".landed.md")
		if err := os.MkdirAll(opts.Reports, 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(path, []byte(text), 0o644); err != nil {
			return fmt.Errorf("writing the comment draft: %w", err)
		}
		rep.Comments[f] = path
	}
	return nil
}

// updateExpectations records the verdicts in each archive, under a lock
// on its directory so that two updates never interleave; each archive is
// re-read under the lock and replaced atomically.
func updateExpectations(opts *CheckOptions, rep *checkreport.Report, byPath map[string]*repro.Repro) error {
	_, groups := suite.ByFile(rep.Cells)
	for _, f := range rep.Files {
		if byPath[f] == nil {
			continue
		}
		dir := filepath.Dir(f)
		unlock, err := atomicfile.Lock(dir, func() {
			fmt.Fprintf(opts.IO.ErrOut, "reprokit: waiting for another `check --update` on %s\n", dir)
		})
		if err != nil {
			return err
		}
		changed, err := updateOne(f, groups[f])
		unlock()
		if err != nil {
			return err
		}
		if changed != "" {
			fmt.Fprintf(opts.IO.ErrOut, "updated expectations of %s: %s\n", f, changed)
		}
	}
	return nil
}

func updateOne(path string, cells []suite.Cell) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	r, err := repro.Parse(path, data)
	if err != nil {
		return "", &usageError{err}
	}
	next := suite.UpdatedExpectations(r.Meta.Expect, cells)
	out, err := r.WithExpect(next)
	if err != nil {
		return "", err
	}
	if bytes.Equal(out, data) {
		return "", nil
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return "", fmt.Errorf("%s: writing expectations: %w", path, err)
	}
	var diffs []string
	keys := make([]string, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return toolchain.CompareVersions(keys[i], keys[j]) < 0 })
	for _, k := range keys {
		if old, _ := r.Meta.Expected(k); old != next[k] {
			if old == "" {
				old = "(none)"
			}
			diffs = append(diffs, fmt.Sprintf("%s %s → %s", k, old, next[k]))
		}
	}
	if len(diffs) == 0 {
		return "rewritten (same verdicts, new keys)", nil
	}
	return strings.Join(diffs, ", "), nil
}

func writeReport(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

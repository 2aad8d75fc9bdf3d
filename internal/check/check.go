package check

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Plan is one regression check: what runs, how, and where its by-products
// go. Zero values are the defaults given per field.
type Plan struct {
	// Paths are the archives or directories to check (default repros/);
	// with Merge, the --json files of the shards.
	Paths []string
	// Python selects the Python versions: "all" (every one discovered;
	// also reports stale expectations) or a list like "3.9,3.13".
	Python string
	// Go selects the Go releases ("here", "all", "1.22.*"); missing ones
	// are fetched. With is a dependency axis for Python repros.
	Go, With string
	// Deps builds the environments of scripts with inline metadata; its
	// index and find-links are part of the cache key.
	Deps *scriptdeps.Builder
	// Jobs is how many cells run at once (at least 1).
	Jobs int
	// Count is runs per cell (at least 1).
	Count int
	// NoCache runs every cell, ignoring and overwriting cached results.
	NoCache bool
	// Timeout is the wall-clock limit per script run.
	Timeout time.Duration
	// Isolation is the sandbox mode; Probe, when set, must succeed before
	// the first sandbox starts (a fully cached check starts none).
	Isolation sandbox.Isolation
	Probe     func(context.Context) error
	// Reaps is how deaths the repro's own code reaps are seen ("": the
	// default); part of the cache key.
	Reaps sandbox.ReapMode
	// Shard, when N > 0, runs only shard I/N of the sorted cells.
	Shard Shard
	// Merge reads the shards' --json files instead of running anything.
	Merge bool
	// Upstream reads each linked upstream issue's state (see Lookup).
	Upstream *Lookup
	// Reports is where the comment drafts of landed fixes go; "" drafts none.
	Reports string
	// Env is the process environment (toolchain discovery, the cache).
	Env func(string) string
	// Log receives warnings; Progress, if set, is told how many cells will
	// run and returns a step per finished cell and a done.
	Log      io.Writer
	Progress func(total int) (step, done func())
}

// Report is a finished check: the cells in Sort order, and what the check
// learned about each archive, keyed by path in Files order.
type Report struct {
	Cells    []Cell
	Files    []string
	Repros   map[string]*repro.Repro // the archives that are here (a merge may lack some)
	Stale    map[string][]string     // expectation keys with no toolchain here
	Upstream map[string]Upstream
	Comments map[string]string // comment drafts written for landed fixes
}

// NewReport wraps sorted cells in an empty report.
func NewReport(cells []Cell) *Report {
	files, _ := ByFile(cells)
	return &Report{Cells: cells, Files: files, Repros: map[string]*repro.Repro{},
		Stale: map[string][]string{}, Upstream: map[string]Upstream{}, Comments: map[string]string{}}
}

// Check runs (or merges) the plan's cells, classifies them against their
// expectations, and adds stale keys, comment drafts and upstream states.
func Check(ctx context.Context, p Plan) (*Report, error) {
	if p.Log == nil {
		p.Log = io.Discard
	}
	var cells []Cell
	var repros []*repro.Repro
	var err error
	if p.Merge {
		cells, repros, err = merge(p)
	} else {
		cells, repros, err = runCells(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	rep := NewReport(cells)
	for _, r := range repros {
		rep.Repros[r.Path] = r
	}
	if p.Python == "all" {
		rep.addStale(repros)
	}
	if p.Shard.N == 0 && p.Reports != "" {
		if err := rep.draftComments(p.Reports); err != nil {
			return nil, err
		}
	}
	if p.Upstream != nil {
		p.Upstream.lookup(ctx, rep)
	}
	return rep, nil
}

func (rep *Report) addStale(repros []*repro.Repro) {
	ran := map[string]bool{}
	for _, c := range rep.Cells {
		ran[c.Toolchain.Version] = true
	}
	for _, r := range repros {
		for _, k := range Stale(r.Meta.Expect, ran) {
			rep.Stale[r.Path] = append(rep.Stale[r.Path], k+" ("+string(r.Meta.Expect[k])+")")
		}
	}
}

// runCells runs this machine's (shard of the) plan, through the cache.
func runCells(ctx context.Context, p Plan) ([]Cell, []*repro.Repro, error) {
	paths := p.Paths
	if len(paths) == 0 {
		paths = []string{"repros"}
	}
	repros, err := repro.Load(paths)
	if err != nil {
		return nil, nil, err
	}
	jobs, err := runner.Plan(ctx, repros, &toolchain.Selection{Python: p.Python, Go: p.Go, With: p.With, Log: p.Log}, p.Env)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(jobs, func(i, j int) bool { return jobPlace(jobs[i]).less(jobPlace(jobs[j])) })
	var mine []runner.Job
	for k, j := range jobs {
		if p.Shard.Take(k) {
			mine = append(mine, j)
		}
	}
	cached := newCellCache(p, repros, mine)
	// A fully cached check starts no sandbox, not even the namespace probe.
	if p.Probe != nil && cached.misses > 0 {
		if err := p.Probe(ctx); err != nil {
			return nil, nil, err
		}
	}
	results := cached.run(ctx, p, mine)
	// The plan was sorted, so the cells are in report order.
	cells := make([]Cell, len(results))
	for i, res := range results {
		cells[i] = Cell{Result: res, Cached: cached.hits[i] != nil}
		if p.Shard.N > 0 {
			cells[i].Shard = p.Shard.String()
		}
		Classify(&cells[i])
	}
	return cells, repros, nil
}

// cellCache holds the cached results of a plan's cells and their keys.
type cellCache struct {
	cache  ResultCache
	keys   []string
	hits   []*runner.Result
	misses int
}

func newCellCache(p Plan, repros []*repro.Repro, jobs []runner.Job) *cellCache {
	c := &cellCache{cache: DefaultResultCache(p.Env), keys: make([]string, len(jobs)), hits: make([]*runner.Result, len(jobs))}
	var index, findLinks, installer string
	allowBuild := false
	if p.Deps != nil {
		index, findLinks, installer, allowBuild = p.Deps.IndexURL, p.Deps.FindLinks, string(p.Deps.Installer), p.Deps.AllowBuild
	}
	optKey := fmt.Sprintf("count=%d timeout=%s isolation=%s index=%s find-links=%s", max(p.Count, 1), p.Timeout, p.Isolation.Resolved(), index, findLinks)
	if allowBuild || installer != "" {
		// Only then: the keys of results cached before these flags stay valid.
		optKey += fmt.Sprintf(" installer=%s allow-build=%v", installer, allowBuild)
	}
	if m := (runner.Options{Reaps: p.Reaps}).ReapMode(); m != sandbox.ReapsOn {
		// Likewise: a run without the recorder, or with the tracer, is
		// another result.
		optKey += " reaps=" + string(m)
	}
	content := map[*repro.Repro][]byte{}
	for _, r := range repros {
		content[r] = cacheContent(r)
	}
	for i, j := range jobs {
		c.keys[i] = ResultKey(content[j.Repro], j.Toolchain.Identity, j.Toolchain.Version, optKey)
		if !p.NoCache {
			if res, ok := c.cache.Get(c.keys[i]); ok {
				res = rebase(res, j)
				c.hits[i] = &res
				continue
			}
		}
		c.misses++
	}
	return c
}

func (c *cellCache) run(ctx context.Context, p Plan, jobs []runner.Job) []runner.Result {
	step, done := func() {}, func() {}
	if p.Progress != nil && c.misses > 0 {
		step, done = p.Progress(c.misses)
	}
	defer done()
	ropts := runner.Options{Count: max(p.Count, 1), Limits: sandbox.Limits{Timeout: p.Timeout}, Isolation: p.Isolation, Deps: p.Deps, Reaps: p.Reaps}
	return runner.RunEach(ctx, jobs, p.Jobs, func(ctx context.Context, i int, j runner.Job) runner.Result {
		if c.hits[i] != nil {
			return *c.hits[i]
		}
		res := runner.Run(ctx, j.Repro, j.Toolchain, ropts)
		step()
		if ctx.Err() == nil && j.Toolchain.Unavailable == "" { // a release fetched later is another cell
			if err := c.cache.Put(c.keys[i], res); err != nil {
				fmt.Fprintf(p.Log, "reprokit: warning: caching a result: %v\n", err)
			}
		}
		return res
	}, nil)
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
func rebase(res runner.Result, j runner.Job) runner.Result {
	res.File, res.Title, res.Expected = j.Repro.Path, j.Repro.Title(), ""
	res.Toolchain = runner.Ref(j.Toolchain)
	if exp, ok := j.Repro.Meta.Expected(res.Toolchain.Version); ok {
		res.Expected = exp
	}
	return res
}

// merge reads the shards' JSON and the archives they name.
func merge(p Plan) ([]Cell, []*repro.Repro, error) {
	if len(p.Paths) == 0 {
		return nil, nil, usage.Errorf("--merge: name the --json files of the shards (e.g. `reprokit check --merge shard-*.json`)")
	}
	reports := map[string][]Cell{}
	for _, path := range p.Paths {
		cells, err := ReadReport(path)
		if err != nil {
			return nil, nil, usage.Wrap(err)
		}
		reports[path] = cells
	}
	cells, err := Merge(reports, p.Paths)
	if err != nil {
		return nil, nil, usage.Wrap(err)
	}
	var repros []*repro.Repro
	files, _ := ByFile(cells)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(p.Log, "reprokit: warning: %s is not here: no comment drafts, expectation updates or upstream lookups for it\n", f)
			continue
		}
		r, err := repro.Parse(f, data)
		if err != nil {
			return nil, nil, usage.Wrap(err)
		}
		repros = append(repros, r)
	}
	for i := range cells {
		cells[i].Shard = "" // the merged report is the unsharded one
		Classify(&cells[i])
	}
	return cells, repros, nil
}

// Package runner turns sandboxed script runs into verdicts: it runs a
// repro's script on a toolchain, captures the signature, decides between
// reproduces, slipped, fixed, fails-cleanly, changed, skipped and error, and
// aggregates repeated runs into flaky rates. Around a run it keeps a warm
// Go build cache per toolchain (gocache.go) and finds the lines where the
// repro selects code by version (versiongate.go).
package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Options for running repros. Zero values are the defaults.
type Options struct {
	Count     int               // runs per (repro, toolchain); default 1
	Limits    sandbox.Limits    // timeout, memory, procs, file size, output cap
	Keep      bool              // keep work directories and report where
	Isolation sandbox.Isolation // sandbox.Namespaces (also when empty) or sandbox.ProcessGroup
	NoTiers   bool              // skip the tier checks (the minimizer only asks "reproduces?")
	// Deps builds the environments of scripts with inline metadata
	// (PEP 723); nil: the default builder (uv or venv+pip, XDG cache).
	Deps *scriptdeps.Builder
	// Reaps is how the deaths of processes the repro's own code reaps are
	// seen (sandbox.ReapMode); "": REPROKIT_REAPS, else on.
	Reaps sandbox.ReapMode
	// Env is added to every script run's environment, after the
	// toolchain's; Mounts are host directories those runs may read
	// (the minimizer's late-start check).
	Env, Mounts []string

	// prepared by Run for every script run of a cell: the environment
	// and read-only mounts of a warm Go cache or a dependency environment
	env, keep []string
	python    string // the environment's interpreter, put on PATH instead of tc's
}

// ToolchainRef is how a result names its toolchain.
type ToolchainRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Path    string `json:"path"`
	Axis    string `json:"axis,omitempty"` // the dependency whose versions Version counts (--with)
}

// Result is the verdict for one (repro, toolchain). Its JSON form is
// stable: `run --json` prints it and the regression suite reads it.
type Result struct {
	File       string               `json:"file"`
	Title      string               `json:"title"`
	Toolchain  ToolchainRef         `json:"toolchain"`
	Verdict    repro.Verdict        `json:"verdict"`
	Signature  *signature.Signature `json:"signature,omitempty"`
	Rate       string               `json:"rate,omitempty"`   // "7/10": reproducing runs of all runs, when counted
	Reason     string               `json:"reason,omitempty"` // why: skip reason, slip, failing line
	Expected   repro.Verdict        `json:"expected,omitempty"`
	DurationMS int64                `json:"duration_ms"`
	Error      string               `json:"error,omitempty"`
	Isolation  sandbox.Isolation    `json:"isolation"`
	Kept       []string             `json:"kept,omitempty"` // work directories kept by --keep
	// Log is the testscript log of the deciding run, work dir shown as $WORK.
	Log string `json:"-"`
	// Output is the deciding command's stdout and stderr (for drafts).
	Output string `json:"-"`
	// Reproducing counts the runs that reproduced (Rate's numerator).
	Reproducing int `json:"-"`
	// Stacks are every process's stacks at the hang deadline or the time
	// limit, as text (for drafts; -v shows them at the end of Log).
	Stacks string `json:"-"`
	// Deadline is when the hang deadline or time limit fired, if one did.
	Deadline time.Time `json:"-"`
	// Outcomes are the distinct outcomes of repeated runs (verdict and
	// signature), each once with the log of its first run, so that `-v
	// --count N` shows every different run, not only the deciding one.
	Outcomes []Outcome `json:"-"`
	// Gates are the lines where the repro selects code by version: the
	// matrix then compares different programs.
	Gates []Gate `json:"-"`
	// NoSandbox is why no sandbox could be made for any run of the cell
	// (nil when one ran a script): the machine's fault, not the repro's.
	// A command's first such error answers its isolation probe.
	NoSandbox error `json:"-"`
}

// Outcome is one distinct result among repeated runs.
type Outcome struct {
	Verdict   repro.Verdict
	Signature string
	Runs      int    // how many runs ended so
	Log       string // the first such run's log
}

// Run runs r on tc opts.Count times and returns one aggregated result.
func Run(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, opts Options) Result {
	count := max(opts.Count, 1)
	base := Result{
		File:      r.Path,
		Title:     r.Title(),
		Toolchain: Ref(tc),
		Gates:     FindGates(r.Files(), r.Script()),
	}
	if exp, ok := r.Meta.Expected(base.Toolchain.Version); ok {
		base.Expected = exp
	}
	began := time.Now()
	if reason := cannotRun(tc); reason != "" {
		base.Verdict, base.Reason = repro.Skipped, reason
		return base
	}
	if reason, log, ok := topSkip(r.Script(), versions(tc)); ok {
		base.Verdict, base.Reason, base.Log = repro.Skipped, reason, log
		return base
	}
	switch tc.Kind {
	case toolchain.Go:
		mods, err := prepareGoModules(ctx, r, tc)
		if err != nil {
			base.Verdict, base.Error = repro.ErrorVerdict, err.Error()
			base.DurationMS = time.Since(began).Milliseconds()
			return base
		}
		r = mods.r
		opts.env, opts.keep = warmGoCache(ctx, r, tc)
		opts.env, opts.keep = append(opts.env, mods.env...), append(opts.keep, mods.keep...)
	case toolchain.Python:
		python, keep, skip, err := pythonEnv(ctx, r, tc, opts.Deps)
		switch {
		case err != nil:
			base.Verdict, base.Error = repro.ErrorVerdict, err.Error()
			base.DurationMS = time.Since(began).Milliseconds()
			return base
		case skip != "":
			base.Verdict, base.Reason = repro.Skipped, skip
			return base
		}
		opts.python, opts.keep = python, keep
	}
	var runs []Result
	for i := 0; i < count && ctx.Err() == nil; i++ {
		runs = append(runs, once(ctx, r, tc, opts, base))
	}
	res := aggregate(base, runs)
	res.DurationMS = time.Since(began).Milliseconds()
	res.NoSandbox = nil
	if n := len(runs); n > 0 && runs[n-1].NoSandbox != nil {
		res.NoSandbox = runs[n-1].NoSandbox
		for _, r := range runs {
			if r.NoSandbox == nil {
				res.NoSandbox = nil // one of them ran
			}
		}
	}
	return res
}

// cannotRun says why tc cannot run r at all ("" when it can): the
// toolchain is not here. Nothing else is judged before the run: a go.mod
// asking for a newer Go runs as that release runs it (GOTOOLCHAIN=local:
// go1.21 and later refuse it, older releases try, some of them refuse
// with "cannot compile Go 1.N code"), and the script's assertions decide.
func cannotRun(tc toolchain.Toolchain) string {
	return tc.Unavailable
}

func aggregate(base Result, runs []Result) Result {
	if len(runs) == 0 {
		base.Verdict, base.Error = repro.ErrorVerdict, "interrupted"
		return base
	}
	res := runs[len(runs)-1]
	reproducing := 0
	verdicts := map[repro.Verdict]int{}
	var kept []string
	for _, r := range runs {
		verdicts[r.Verdict]++
		if r.Verdict == repro.Reproduces {
			reproducing++
			res = r // the deciding run of a flaky repro is a reproducing one
		}
		kept = append(kept, r.Kept...)
	}
	res.Kept, res.Reproducing = kept, reproducing
	res.Outcomes = outcomes(runs)
	if len(runs) > 1 {
		res.Rate = fmt.Sprintf("%d/%d", reproducing, len(runs))
	}
	if len(verdicts) > 1 {
		var parts []string
		for _, v := range repro.Verdicts {
			if n := verdicts[v]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", v, n))
			}
		}
		res.Verdict = repro.Flaky
		res.Reason = "mixed results over " + fmt.Sprint(len(runs)) + " runs: " + strings.Join(parts, ", ")
	}
	return res
}

func outcomes(runs []Result) []Outcome {
	var out []Outcome
	index := map[string]int{}
	for _, r := range runs {
		sig := ""
		if r.Signature != nil {
			sig = r.Signature.String()
		}
		key := string(r.Verdict) + "\x00" + sig + "\x00" + r.Error
		if i, ok := index[key]; ok {
			out[i].Runs++
			continue
		}
		index[key] = len(out)
		if sig == "" {
			sig = firstNonEmpty(r.Error, r.Reason)
		}
		out = append(out, Outcome{Verdict: r.Verdict, Signature: sig, Runs: 1, Log: r.Log})
	}
	return out
}

// keepLog writes a run's log beside its kept work directory.
func keepLog(r sandbox.Result) {
	if r.WorkDir != "" && r.Log != "" {
		os.WriteFile(filepath.Join(r.WorkDir, "reprokit.log"), []byte(r.Log), 0o644)
	}
}

// once runs the main script and, when it does not pass, the tier checks.
func once(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, opts Options, base Result) Result {
	res := base
	if msg := hangVsTimeout(r, opts); msg != "" {
		res.Verdict, res.Error = repro.ErrorVerdict, msg
		return res
	}
	main, err := runScript(ctx, r, r.Script(), r.Path, tc, opts)
	keepLog(main)
	res.Isolation = main.Isolation
	res.Kept = keptDir(main)
	res.Stacks, res.Deadline = StacksText(main.Stacks), main.Deadline
	res.Log = main.Log
	if res.Stacks != "" {
		res.Log += "[stacks at the deadline]\n" + res.Stacks
	}
	switch {
	case err != nil:
		res.Verdict, res.Error = repro.ErrorVerdict, err.Error()
		if ctx.Err() == nil {
			res.NoSandbox = err
		}
		return res
	case main.Err != "":
		res.Verdict, res.Error = repro.ErrorVerdict, main.Err
		return res
	case main.Outcome == sandbox.Skip:
		res.Verdict, res.Reason = repro.Skipped, main.Reason
		return res
	case main.Hung:
		return judgeHang(r, main, res)
	case main.Outcome == sandbox.Pass && r.Meta.HangAfter() == 0:
		sig, out := Capture(main.Log, r.Script(), main.Execs, reapsFor(main, opts))
		res.Signature, res.Output = &sig, out
		if want := r.Meta.Signature; want != nil && !signature.Match(want.Unasserted(Asserted(r.Script())), sig) {
			res.Verdict = repro.Slipped
			res.Reason = "different signature: " + signature.Diff(*want, sig)
			return res
		}
		res.Verdict = repro.Reproduces
		return res
	}
	// The bug's script does not pass (or, for a hang, finished in time):
	// which tier, if any, holds now?
	res.Reason = main.Reason
	if main.Outcome == sandbox.Pass {
		res.Reason = "finished before hang: " + r.Meta.Hang
	}
	sig, out := Capture(main.Log, r.Script(), main.Execs, reapsFor(main, opts))
	res.Signature, res.Output = &sig, out
	if opts.NoTiers {
		res.Verdict = repro.Changed
		return res
	}
	for _, t := range []struct {
		tier    *repro.Tier
		verdict repro.Verdict
	}{{r.Meta.Tiers.MakeItWork, repro.Fixed}, {r.Meta.Tiers.FailCleanly, repro.FailsCleanly}} {
		if t.tier == nil || strings.TrimSpace(t.tier.Check) == "" {
			continue
		}
		chk, err := runScript(ctx, r, t.tier.Check, r.Path+" ("+string(t.verdict)+" check)", tc, opts)
		keepLog(chk)
		res.Kept = append(res.Kept, keptDir(chk)...)
		if err != nil || chk.Err != "" {
			res.Verdict = repro.ErrorVerdict
			res.Error = fmt.Sprintf("%s check: %s", t.verdict, firstNonEmpty(chk.Err, fmt.Sprint(err)))
			return res
		}
		if chk.Outcome == sandbox.Pass && !chk.Hung {
			res.Verdict, res.Reason = t.verdict, ""
			return res
		}
	}
	res.Verdict = repro.Changed
	return res
}

// reapsFor are the deaths a run's signature may use: none when
// REPROKIT_REAPS=observe (recorded, not used) or off.
func reapsFor(r sandbox.Result, opts Options) []sandbox.Reap {
	if !opts.ReapMode().Uses() {
		return nil
	}
	return r.Reaps
}

// ReapMode is opts.Reaps, else REPROKIT_REAPS's.
func (opts Options) ReapMode() sandbox.ReapMode {
	if opts.Reaps != "" {
		return opts.Reaps
	}
	return sandbox.ReapModeFromEnv()
}

func keptDir(r sandbox.Result) []string {
	if r.WorkDir == "" {
		return nil
	}
	return []string{r.WorkDir}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" && x != "<nil>" {
			return x
		}
	}
	return ""
}

// runScript runs script over r's files; name is how failure reasons name
// it (the user's file, not the run's copy).
func runScript(ctx context.Context, r *repro.Repro, script, name string, tc toolchain.Toolchain, opts Options) (sandbox.Result, error) {
	return sandbox.Run(ctx, r.WithScript(script), sandbox.Options{
		Name:      name,
		Limits:    opts.Limits,
		Tools:     tools(tc, opts.python),
		Keep:      append(append(append([]string{}, tc.Roots...), opts.keep...), opts.Mounts...),
		Env:       append(append(toolEnv(tc), opts.env...), opts.Env...),
		Versions:  versions(tc),
		KeepDir:   opts.Keep,
		Hang:      r.Meta.HangAfter(),
		Isolation: opts.Isolation,
		Reaps:     opts.ReapMode(),
	})
}

// versions are the toolchain versions a script's conditions are judged
// against ([python:3.12], [go1.22]).
func versions(tc toolchain.Toolchain) map[string]string {
	return map[string]string{string(tc.Kind): tc.Version}
}

// tools are the commands that resolve to the chosen toolchain on the
// script's PATH: the repro says python3, the matrix decides which (or
// the interpreter of the environment built for its dependencies).
func tools(tc toolchain.Toolchain, python string) []sandbox.Tool {
	if tc.Kind == toolchain.Dir {
		var out []sandbox.Tool
		entries, _ := os.ReadDir(tc.Path)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				out = append(out, sandbox.Tool{Name: e.Name(), Target: filepath.Join(tc.Path, e.Name())})
			}
		}
		return out
	}
	if tc.Kind == toolchain.Go {
		return []sandbox.Tool{{Name: "go", Target: tc.Path}}
	}
	if python == "" {
		python = tc.Path
	}
	var out []sandbox.Tool
	for _, n := range []string{"python3", "python", "python" + toolchain.Minor(tc.Version)} {
		out = append(out, sandbox.Tool{Name: n, Target: python})
	}
	return out
}

func toolEnv(tc toolchain.Toolchain) []string {
	if tc.Kind == toolchain.Go {
		return goEnv()
	}
	return []string{"PYTHONDONTWRITEBYTECODE=1"}
}

// Exec is one exec line of a run that ran.
type Exec struct {
	Command string // the script line, e.g. "exec python3 repro.py"
	Output  string // its stdout then stderr
	Status  string // "exit N" or a signal name, as its shim recorded; "" when it was still running at the end
	// Background is set for `exec … &` and `exec … &name&`: its output and
	// status come later, under `wait` ("[background] cmd: signal: aborted").
	Background bool
	name       string
	index      int  // among the log's exec lines: the shim's record's Index
	waited     bool // a bare `wait` reported it
	goBuiltin  bool // the go built-in, whose status is the one it logs
}

// Capture is the signature of a run and the output it came from: the
// deciding exec's, with a background exec that died of a signal taking
// its place (its deciding foreground exec's status kept as Exec), and
// warnings kept only when the script asserts them.
func Capture(log, script string, ran []sandbox.Exec, reaps []sandbox.Reap) (signature.Signature, string) {
	execs := Execs(log, ran)
	ex := pick(execs)
	sig := signature.ExtractCommand(ex.Command, ex.Output, ex.Status)
	if ex.index >= 0 {
		sig = sig.WithDeaths(deaths(reaps, ex.index))
	}
	if ex.Background {
		sig.Process = signature.Background
		var fg []Exec
		for _, e := range execs {
			if !e.Background {
				fg = append(fg, e)
			}
		}
		if len(fg) > 0 {
			sig.Exec = pick(fg).Status
		}
	}
	return sig.Unasserted(Asserted(script)), ex.Output
}

// deaths are the reaps seen while exec line i ran.
func deaths(reaps []sandbox.Reap, i int) []signature.Death {
	var out []signature.Death
	for _, r := range reaps {
		if r.Exec == i {
			out = append(out, signature.Death{Status: r.Status, Command: r.Command})
		}
	}
	return out
}

// Asserted says whether a script's positive stdout/stderr assertions
// match a line: a warning is part of the bug's identity only then.
func Asserted(script string) func(string) bool {
	lines, _ := repro.Lines(script)
	var res []*regexp.Regexp
	for _, l := range lines {
		if l.Neg || len(l.Words) < 2 || (l.Words[0] != "stdout" && l.Words[0] != "stderr") {
			continue
		}
		if re, err := regexp.Compile(l.Words[len(l.Words)-1]); err == nil {
			res = append(res, re)
		}
	}
	return func(line string) bool {
		for _, re := range res {
			if re.MatchString(line) {
				return true
			}
		}
		return false
	}
}

// The log lines that end an exec's output: its own status line, or, for a
// background exec, the line `wait` logs before its output. They only route
// the output; the status itself is the shim's record (sandbox.Exec).
// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var (
	statusLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\[(exit status \d+|signal: .*)\]$`) })
	backgroundRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\[background\] .*: (exit status \d+|signal: .*)$`) })
)

// builtinStatus reads the status the go built-in logs ("[exit status 2]",
// "[signal: killed]"): the one status that is not a shim's record.
func builtinStatus(line string) string {
	s := strings.Trim(line, "[]")
	if code, ok := strings.CutPrefix(s, "exit status "); ok {
		return "exit " + code
	}
	return s
}

// Execs are the exec lines of a run that ran: their commands and outputs
// from the testscript log, how each ended from the shims' records (ran).
// A background exec's output is logged under the `wait` that collects it:
// `wait` logs "[background] cmd: status" then its output, in start order;
// `wait name` logs only its output. An exec line echoed but not run (its
// condition unmet) has no record and is left out.
func Execs(log string, ran []sandbox.Exec) []Exec {
	status := map[int]string{}
	for _, e := range ran {
		status[e.Index] = e.Status
	}
	var out []Exec
	for _, e := range echoedExecs(log) {
		if st, ok := status[e.index]; ok {
			e.Status = st
			out = append(out, e)
		} else if e.goBuiltin {
			out = append(out, e)
		}
	}
	return out
}

// echoedExecs reads every exec line the log echoes, with its output.
func echoedExecs(log string) []Exec {
	var out []Exec
	var outputs []*strings.Builder
	cur := -1
	section := ""
	var waiting []int // background execs a bare `wait` has yet to report
	execLines := 0    // the sandbox numbers exec lines; its records say how each ended
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "> ") {
			cur, section, waiting = -1, "", nil
			words := strings.Fields(strings.TrimPrefix(l, "> "))
			// The same prefixes the sandbox skips to number exec lines.
			for len(words) > 0 && (strings.HasPrefix(words[0], "[") && strings.HasSuffix(words[0], "]") || words[0] == "!" || words[0] == "?") {
				words = words[1:]
			}
			builtin := isGoCommand(words) && words[0] == "go"
			if builtin {
				words = append([]string{"exec"}, words...) // the go built-in runs like exec go
			}
			switch {
			case len(words) > 0 && words[0] == "exec":
				e := Exec{Command: strings.Join(words, " "), index: execLines, goBuiltin: builtin}
				if builtin {
					// No shim of an exec line runs it, so nothing records
					// it: its status is the one the built-in logs.
					e.index, e.Status = -1, "exit 0"
				} else {
					execLines++
				}
				if last := words[len(words)-1]; strings.HasPrefix(last, "&") && strings.HasSuffix(last, "&") {
					e.Background, e.name = true, strings.Trim(last, "&")
					e.Command = strings.Join(words[:len(words)-1], " ")
				}
				out = append(out, e)
				outputs = append(outputs, &strings.Builder{})
				if !e.Background {
					cur = len(out) - 1
				}
			case len(words) == 1 && words[0] == "wait":
				for i := range out {
					if out[i].Background && !out[i].waited {
						waiting = append(waiting, i)
					}
				}
			case len(words) == 2 && words[0] == "wait":
				// testscript forgets a process `wait NAME` collected: a
				// later bare `wait` does not report it again.
				for i := range out {
					if out[i].Background && !out[i].waited && out[i].name == words[1] {
						cur = i
					}
				}
				if cur >= 0 {
					out[cur].waited = true
				}
			}
			continue
		}
		if backgroundRE().MatchString(l) && len(waiting) > 0 {
			cur, waiting = waiting[0], waiting[1:]
			out[cur].waited = true
			section = ""
			continue
		}
		if cur < 0 {
			continue
		}
		switch {
		case l == "[stdout]" || l == "[stderr]":
			section = l
			continue
		case statusLineRE().MatchString(l):
			if out[cur].goBuiltin {
				out[cur].Status = builtinStatus(l)
			}
			section = ""
			continue
		case strings.HasPrefix(l, "FAIL: "):
			section = ""
			continue
		}
		if section != "" {
			// A builder per exec: appending to a string is quadratic, and
			// a flooding repro logs a whole MiB of short lines.
			outputs[cur].WriteString(l + "\n")
		}
	}
	for i := range out {
		out[i].Output = outputs[i].String()
	}
	return out
}

// pick is the exec that decides the signature: the last one killed by a
// signal, else the last one that failed, else the last foreground one.
func pick(execs []Exec) Exec {
	if len(execs) == 0 {
		return Exec{}
	}
	for _, pick := range []func(Exec) bool{
		func(e Exec) bool { return e.Status != "" && !strings.HasPrefix(e.Status, "exit ") },
		func(e Exec) bool { return e.Status != "" && e.Status != "exit 0" },
	} {
		for i := len(execs) - 1; i >= 0; i-- {
			if pick(execs[i]) {
				return execs[i]
			}
		}
	}
	for i := len(execs) - 1; i >= 0; i-- {
		if !execs[i].Background {
			return execs[i]
		}
	}
	return execs[len(execs)-1]
}

// Package runner turns sandboxed script runs into verdicts: it runs a
// repro's script on a toolchain, captures the signature, decides between
// reproduces, slipped, fixed, fails-cleanly, changed, skipped and error, and
// aggregates repeated runs into flaky rates.
package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/versiongate"
)

// Options for running repros. Zero values are the defaults.
type Options struct {
	Count     int            // runs per (repro, toolchain); default 1
	Limits    sandbox.Limits // timeout, memory, procs, file size, output cap
	Keep      bool           // keep work directories and report where
	Isolation string         // sandbox.Namespaces (also when empty) or sandbox.ProcessGroup
	NoTiers   bool           // skip the tier checks (the minimizer only asks "reproduces?")
	// Deps builds the environments of scripts with inline metadata
	// (PEP 723); nil: the default builder (uv or venv+pip, XDG cache).
	Deps *scriptdeps.Builder

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
	Verdict    string               `json:"verdict"`
	Signature  *signature.Signature `json:"signature,omitempty"`
	Rate       string               `json:"rate,omitempty"`   // "7/10": reproducing runs of all runs, when counted
	Reason     string               `json:"reason,omitempty"` // why: skip reason, slip, failing line
	Expected   string               `json:"expected,omitempty"`
	DurationMS int64                `json:"duration_ms"`
	Error      string               `json:"error,omitempty"`
	Isolation  string               `json:"isolation"`
	Kept       []string             `json:"kept,omitempty"` // work directories kept by --keep
	// Log is the testscript log of the deciding run, work dir shown as $WORK.
	Log string `json:"-"`
	// Output is the deciding command's stdout and stderr (for drafts).
	Output string `json:"-"`
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
	Gates []versiongate.Gate `json:"-"`
}

// Outcome is one distinct result among repeated runs.
type Outcome struct {
	Verdict   string
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
		Gates:     versiongate.Find(r.Files(), r.Script()),
	}
	if exp, ok := r.Meta.Expected(base.Toolchain.Version); ok {
		base.Expected = exp
	}
	began := time.Now()
	if reason := cannotRun(r, tc); reason != "" {
		base.Verdict, base.Reason = repro.Skipped, reason
		return base
	}
	switch tc.Kind {
	case "go":
		opts.env, opts.keep = warmGoCache(ctx, r, tc)
	case "python":
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
	return res
}

// cannotRun says why tc cannot run r at all ("" when it can): the
// toolchain is not here, or the repro asks for a newer one. Such a cell is
// skipped, never a verdict about the bug.
func cannotRun(r *repro.Repro, tc toolchain.Toolchain) string {
	if tc.Unavailable != "" {
		return tc.Unavailable
	}
	if tc.Kind == "go" {
		return newerGoLine(r, tc)
	}
	return ""
}

func aggregate(base Result, runs []Result) Result {
	if len(runs) == 0 {
		base.Verdict, base.Error = repro.ErrorVerdict, "interrupted"
		return base
	}
	res := runs[len(runs)-1]
	reproducing := 0
	verdicts := map[string]int{}
	var kept []string
	for _, r := range runs {
		verdicts[r.Verdict]++
		if r.Verdict == repro.Reproduces {
			reproducing++
			res = r // the deciding run of a flaky repro is a reproducing one
		}
		kept = append(kept, r.Kept...)
	}
	res.Kept = kept
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
		key := r.Verdict + "\x00" + sig + "\x00" + r.Error
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
		return res
	case main.Err != "":
		res.Verdict, res.Error = repro.ErrorVerdict, main.Err
		return res
	case main.Outcome == "skip":
		res.Verdict, res.Reason = repro.Skipped, main.Reason
		return res
	case main.Hung:
		return judgeHang(r, main, res)
	case main.Outcome == "pass" && r.Meta.HangAfter() == 0:
		sig, out := Capture(main.Log, r.Script())
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
	if main.Outcome == "pass" {
		res.Reason = "finished before hang: " + r.Meta.Hang
	}
	sig, out := Capture(main.Log, r.Script())
	res.Signature, res.Output = &sig, out
	if opts.NoTiers {
		res.Verdict = repro.Changed
		return res
	}
	for _, t := range []struct {
		tier    *repro.Tier
		verdict string
	}{{r.Meta.Tiers.MakeItWork, repro.Fixed}, {r.Meta.Tiers.FailCleanly, repro.FailsCleanly}} {
		if t.tier == nil || strings.TrimSpace(t.tier.Check) == "" {
			continue
		}
		chk, err := runScript(ctx, r, t.tier.Check, r.Path+" ("+t.verdict+" check)", tc, opts)
		keepLog(chk)
		res.Kept = append(res.Kept, keptDir(chk)...)
		if err != nil || chk.Err != "" {
			res.Verdict = repro.ErrorVerdict
			res.Error = fmt.Sprintf("%s check: %s", t.verdict, firstNonEmpty(chk.Err, fmt.Sprint(err)))
			return res
		}
		if chk.Outcome == "pass" && !chk.Hung {
			res.Verdict, res.Reason = t.verdict, ""
			return res
		}
	}
	res.Verdict = repro.Changed
	return res
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
		Keep:      append(append([]string{}, tc.Roots...), opts.keep...),
		Env:       append(toolEnv(tc), opts.env...),
		Versions:  map[string]string{tc.Kind: tc.Version},
		KeepDir:   opts.Keep,
		Hang:      r.Meta.HangAfter(),
		Isolation: opts.Isolation,
	})
}

// DirKind is the kind of a toolchain that is a directory of programs (a
// build's bin/ under `bisect --bin`): every executable in tc.Path is put on
// the script's PATH under its own name.
const DirKind = "dir"

// tools are the commands that resolve to the chosen toolchain on the
// script's PATH: the repro says python3, the matrix decides which (or
// the interpreter of the environment built for its dependencies).
func tools(tc toolchain.Toolchain, python string) []sandbox.Tool {
	if tc.Kind == DirKind {
		var out []sandbox.Tool
		entries, _ := os.ReadDir(tc.Path)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				out = append(out, sandbox.Tool{Name: e.Name(), Target: filepath.Join(tc.Path, e.Name())})
			}
		}
		return out
	}
	if tc.Kind == "go" {
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
	if tc.Kind == "go" {
		return goEnv()
	}
	return []string{"PYTHONDONTWRITEBYTECODE=1"}
}

// Exec is one exec command found in a testscript log.
type Exec struct {
	Command string // the script line, e.g. "exec python3 repro.py"
	Output  string // its stdout then stderr
	Status  string // "exit N" or a signal name; "" for a background exec whose end the log does not show
	// Background is set for `exec … &` and `exec … &name&`: its output and
	// status come later, under `wait` ("[background] cmd: signal: aborted").
	Background bool
	name       string
}

// Capture is the signature of a run and the output it came from: the
// deciding exec's, with a background exec that died of a signal taking
// its place (its deciding foreground exec's status kept as Exec), and
// warnings kept only when the script asserts them.
func Capture(log, script string) (signature.Signature, string) {
	execs := Execs(log)
	ex := pick(execs)
	sig := signature.ExtractCommand(ex.Command, ex.Output, ex.Status)
	if ex.Background {
		sig.Process = "background"
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

var (
	statusRE = regexp.MustCompile(`^\[(exit status (\d+)|signal: (.+?)(?: \(core dumped\))?)\]$`)
	signals  = map[string]string{
		"segmentation fault": "SIGSEGV", "aborted": "SIGABRT", "killed": "SIGKILL",
		"bus error": "SIGBUS", "floating point exception": "SIGFPE", "illegal instruction": "SIGILL",
		"terminated": "SIGTERM", "interrupt": "SIGINT", "quit": "SIGQUIT", "hangup": "SIGHUP",
		"trace/breakpoint trap": "SIGTRAP", "broken pipe": "SIGPIPE", "user defined signal 1": "SIGUSR1",
		"user defined signal 2": "SIGUSR2", "alarm clock": "SIGALRM", "CPU time limit exceeded": "SIGXCPU",
		"file size limit exceeded": "SIGXFSZ", "bad system call": "SIGSYS",
	}
)

var backgroundRE = regexp.MustCompile(`^\[background\] .*: (exit status (\d+)|signal: (.+?)(?: \(core dumped\))?)$`)

// statusOf turns "exit status N" / "signal: NAME" parts into a status.
func statusOf(code, signal string) string {
	if code != "" {
		return "exit " + code
	}
	if s, ok := signals[signal]; ok {
		return s
	}
	return "signal " + signal
}

// Execs parses a testscript log into its exec commands. A background
// exec's output and status are logged under the `wait` that collects it:
// `wait` logs "[background] cmd: status" then its output, in start order;
// `wait name` logs only its output.
func Execs(log string) []Exec {
	var out []Exec
	var outputs []*strings.Builder
	cur := -1
	section := ""
	var waiting []int // background execs a bare `wait` has yet to report
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "> ") {
			cur, section, waiting = -1, "", nil
			cmd := strings.TrimSpace(strings.TrimPrefix(l, "> "))
			words := strings.Fields(cmd)
			for len(words) > 0 && (strings.HasPrefix(words[0], "[") || words[0] == "!") {
				words = words[1:]
			}
			if isGoCommand(words) && words[0] == "go" {
				words = append([]string{"exec"}, words...) // the go built-in runs like exec go
			}
			switch {
			case len(words) > 0 && words[0] == "exec":
				e := Exec{Command: strings.Join(words, " "), Status: "exit 0"}
				if last := words[len(words)-1]; strings.HasPrefix(last, "&") && strings.HasSuffix(last, "&") {
					e.Background, e.Status, e.name = true, "", strings.Trim(last, "&")
					e.Command = strings.Join(words[:len(words)-1], " ")
				}
				out = append(out, e)
				outputs = append(outputs, &strings.Builder{})
				if !e.Background {
					cur = len(out) - 1
				}
			case len(words) == 1 && words[0] == "wait":
				for i := range out {
					if out[i].Background && out[i].Status == "" {
						waiting = append(waiting, i)
					}
				}
			case len(words) == 2 && words[0] == "wait":
				for i := range out {
					if out[i].Background && out[i].name == words[1] {
						cur = i
					}
				}
			}
			continue
		}
		if m := backgroundRE.FindStringSubmatch(l); m != nil && len(waiting) > 0 {
			cur, waiting = waiting[0], waiting[1:]
			out[cur].Status = statusOf(m[2], m[3])
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
		case statusRE.MatchString(l):
			m := statusRE.FindStringSubmatch(l)
			out[cur].Status = statusOf(m[2], m[3])
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

// LastExec picks the exec that decides the signature: the last one killed
// by a signal, else the last one that failed, else the last one.
func LastExec(log string) Exec {
	return pick(Execs(log))
}

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

// Oracle returns the minimizer's test: a candidate archive is interesting
// when it reproduces on tc with a signature matching want (a candidate that
// passes with another signature has slipped to a different bug).
//
// A candidate must reproduce confirm times in a row (at least once): a
// reduction can turn a deterministic bug into a race (a thread that now
// exits before the fork), and one lucky run must not let that in. runs,
// if not nil, counts every sandboxed run.
func Oracle(tc toolchain.Toolchain, opts Options, want signature.Signature, confirm int, runs *atomic.Int64) func(context.Context, []byte) bool {
	opts.Count, opts.NoTiers, opts.Keep = 1, true, false
	return func(ctx context.Context, cand []byte) bool {
		r, err := repro.Parse("candidate.txtar", cand)
		if err != nil {
			return false
		}
		r.Meta.Signature = &want
		for i := 0; i < max(confirm, 1); i++ {
			if runs != nil {
				runs.Add(1)
			}
			if Run(ctx, r, tc, opts).Verdict != repro.Reproduces {
				return false
			}
		}
		return true
	}
}

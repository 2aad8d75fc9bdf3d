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
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Options for running repros. Zero values are the defaults.
type Options struct {
	Count     int            // runs per (repro, toolchain); default 1
	Limits    sandbox.Limits // timeout, memory, procs, file size, output cap
	Keep      bool           // keep work directories and report where
	Isolation string         // sandbox.Namespaces (also when empty) or sandbox.ProcessGroup
	NoTiers   bool           // skip the tier checks (the minimizer only asks "reproduces?")
}

// ToolchainRef is how a result names its toolchain.
type ToolchainRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Path    string `json:"path"`
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
}

// Run runs r on tc opts.Count times and returns one aggregated result.
func Run(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, opts Options) Result {
	count := max(opts.Count, 1)
	base := Result{
		File:      r.Path,
		Title:     r.Title(),
		Toolchain: ToolchainRef{Name: tc.Name, Version: tc.Version, Path: tc.Path},
	}
	if exp, ok := r.Meta.Expected(tc.Version); ok {
		base.Expected = exp
	}
	var runs []Result
	began := time.Now()
	for i := 0; i < count && ctx.Err() == nil; i++ {
		runs = append(runs, once(ctx, r, tc, opts, base))
	}
	res := aggregate(base, runs)
	res.DurationMS = time.Since(began).Milliseconds()
	return res
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

// once runs the main script and, when it does not pass, the tier checks.
func once(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain, opts Options, base Result) Result {
	res := base
	main, err := runScript(ctx, r, r.Script(), tc, opts)
	res.Isolation = main.Isolation
	res.Kept = keptDir(main)
	res.Log = main.Log
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
	case main.Outcome == "pass":
		ex := LastExec(main.Log)
		sig := signature.Extract(ex.Output, ex.Status)
		res.Signature, res.Output = &sig, ex.Output
		if want := r.Meta.Signature; want != nil && !signature.Match(*want, sig) {
			res.Verdict = repro.Slipped
			res.Reason = "different signature: " + signature.Diff(*want, sig)
			return res
		}
		res.Verdict = repro.Reproduces
		return res
	}
	// The bug's script does not pass: which tier, if any, holds now?
	res.Reason = main.Reason
	ex := LastExec(main.Log)
	sig := signature.Extract(ex.Output, ex.Status)
	res.Signature, res.Output = &sig, ex.Output
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
		chk, err := runScript(ctx, r, t.tier.Check, tc, opts)
		res.Kept = append(res.Kept, keptDir(chk)...)
		if err != nil || chk.Err != "" {
			res.Verdict = repro.ErrorVerdict
			res.Error = fmt.Sprintf("%s check: %s", t.verdict, firstNonEmpty(chk.Err, fmt.Sprint(err)))
			return res
		}
		if chk.Outcome == "pass" {
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

func runScript(ctx context.Context, r *repro.Repro, script string, tc toolchain.Toolchain, opts Options) (sandbox.Result, error) {
	return sandbox.Run(ctx, r.WithScript(script), sandbox.Options{
		Limits:    opts.Limits,
		Tools:     Tools(tc),
		Keep:      tc.Roots,
		Env:       toolEnv(tc),
		Versions:  map[string]string{tc.Kind: tc.Version},
		KeepDir:   opts.Keep,
		Isolation: opts.Isolation,
	})
}

// DirKind is the kind of a toolchain that is a directory of programs (a
// build's bin/ under `bisect --bin`): every executable in tc.Path is put on
// the script's PATH under its own name.
const DirKind = "dir"

// Tools are the commands that resolve to the chosen toolchain on the
// script's PATH: the repro says python3, the matrix decides which.
func Tools(tc toolchain.Toolchain) []sandbox.Tool {
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
	var out []sandbox.Tool
	for _, n := range []string{"python3", "python", "python" + toolchain.Minor(tc.Version)} {
		out = append(out, sandbox.Tool{Name: n, Target: tc.Path})
	}
	return out
}

func toolEnv(tc toolchain.Toolchain) []string {
	if tc.Kind == "go" {
		return []string{"GOCACHE=$WORK/.gocache", "GOPATH=$WORK/.gopath", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}
	}
	return []string{"PYTHONDONTWRITEBYTECODE=1"}
}

// Exec is one exec command found in a testscript log.
type Exec struct {
	Command string // the script line, e.g. "exec python3 repro.py"
	Output  string // its stdout then stderr
	Status  string // "exit N" or a signal name
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

// Execs parses a testscript log into its exec commands.
func Execs(log string) []Exec {
	var out []Exec
	var outputs []*strings.Builder
	var cur *Exec
	section := ""
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "> ") {
			cur, section = nil, ""
			cmd := strings.TrimSpace(strings.TrimPrefix(l, "> "))
			words := strings.Fields(cmd)
			for len(words) > 0 && (strings.HasPrefix(words[0], "[") || words[0] == "!") {
				words = words[1:]
			}
			if len(words) > 0 && words[0] == "exec" {
				out = append(out, Exec{Command: strings.Join(words, " "), Status: "exit 0"})
				outputs = append(outputs, &strings.Builder{})
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case l == "[stdout]" || l == "[stderr]":
			section = l
			continue
		case statusRE.MatchString(l):
			m := statusRE.FindStringSubmatch(l)
			if m[2] != "" {
				cur.Status = "exit " + m[2]
			} else if s, ok := signals[m[3]]; ok {
				cur.Status = s
			} else {
				cur.Status = "signal " + m[3]
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
			outputs[len(out)-1].WriteString(l + "\n")
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
	execs := Execs(log)
	if len(execs) == 0 {
		return Exec{}
	}
	for _, pick := range []func(Exec) bool{
		func(e Exec) bool { return !strings.HasPrefix(e.Status, "exit ") },
		func(e Exec) bool { return e.Status != "exit 0" },
	} {
		for i := len(execs) - 1; i >= 0; i-- {
			if pick(execs[i]) {
				return execs[i]
			}
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

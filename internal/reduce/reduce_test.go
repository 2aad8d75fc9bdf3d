package reduce

import (
	"sort"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/toolchain"
)

func pythons(versions ...string) []toolchain.Toolchain {
	var out []toolchain.Toolchain
	for _, v := range versions {
		out = append(out, toolchain.Toolchain{Kind: "python", Name: "cpython-" + v, Version: v, Path: "/py/" + v})
	}
	return out
}

func parse(t *testing.T, meta string) *repro.Repro {
	t.Helper()
	r, err := repro.Parse("x.txtar", []byte("# t\nexec python3 a.py\n-- a.py --\nprint(1)\n-- .reprokit.yaml --\n"+meta))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Without --python, one toolchain per distinct expected verdict present
// here, the oldest of each, and the newest that reproduces; skipped
// versions are not kept.
func TestChoose(t *testing.T) {
	all := pythons("2.7.18", "3.8.18", "3.11.7", "3.12.1", "3.13.0")
	expect := "expect:\n  \"2.7\": skipped\n  \"3.8\": fails-cleanly\n  \"3.11\": fails-cleanly\n  \"3.12\": reproduces\n  \"3.13\": reproduces\n"
	for _, tc := range []struct {
		name, meta, spec, want, expected, err string
	}{
		{"one per expected verdict and the newest reproducing", expect, "", "cpython-3.8.18,cpython-3.12.1,cpython-3.13.0", "fails-cleanly,reproduces,reproduces", ""},
		{"--python names them", expect, "3.11,3.13", "cpython-3.11.7,cpython-3.13.0", ",", ""},
		{"no expect: the default toolchain", "", "", "cpython-2.7.18", "", ""},
		{"no reproducing version here", "expect:\n  \"3.14\": reproduces\n  \"3.8\": fails-cleanly\n", "", "", "", "expects the bug to reproduce on 3.14, and no such toolchain is here"},
		{"--python all is refused", expect, "all", "", "", "name them (e.g. --python 3.9,3.12)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Choose(parse(t, tc.meta), all, tc.spec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, exp []string
			for _, tc := range c.Toolchains {
				got = append(got, tc.Name)
				exp = append(exp, string(c.Expected[tc.Name]))
			}
			if strings.Join(got, ",") != tc.want || strings.Join(exp, ",") != tc.expected {
				t.Errorf("chose %v expecting %v, want %s expecting %s", got, exp, tc.want, tc.expected)
			}
		})
	}
}

// A candidate keeps a target only with the same verdict and no exception
// or warning type the input never printed.
func TestKeeps(t *testing.T) {
	input := "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nZeroDivisionError: float division by zero\n/x/a.py:2: DeprecationWarning: old\n"
	tg := Target{Verdict: repro.Reproduces, Types: Types(input)}
	if got := strings.Join(sortedKeys(tg.Types), ","); got != "DeprecationWarning,Traceback (most recent call last),ZeroDivisionError" {
		t.Fatalf("types of the input = %s", got)
	}
	for _, tc := range []struct {
		verdict repro.Verdict
		output  string
		keeps   bool
	}{
		{repro.Reproduces, input, true},
		{repro.Reproduces, "ZeroDivisionError: float division by zero\n", true},
		{repro.Reproduces, "Exception in thread Thread-1:\nAttributeError: 'A' object has no attribute 'c'\nZeroDivisionError: float division by zero\n", false},
		{repro.Reproduces, "ZeroDivisionError: x\nException ignored in: <x>\nNameError: name 'k' is not defined\n", false},
		{repro.Reproduces, "/x/a.py:1: RuntimeWarning: coroutine 'f' was never awaited\nZeroDivisionError: x\n", false},
		{repro.Changed, input, false},
		// A thread's report cut off by the process's exit: the header alone.
		{repro.Reproduces, "Exception in thread /x/a.py:2: DeprecationWarning: old\nZeroDivisionError: x\n", false},
	} {
		if got := tg.Keeps(runner.Result{Verdict: tc.verdict, Output: tc.output}); got != tc.keeps {
			t.Errorf("Keeps(%s, %q) = %v, want %v", tc.verdict, tc.output, got, tc.keeps)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

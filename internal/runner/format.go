package runner

import (
	"fmt"
	"io"
	"strings"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
)

// Line is the result as `reprokit run` prints it: file, toolchain,
// verdict, signature or reason, expectation and duration.
func (res Result) Line() string {
	verdict := string(res.Verdict)
	if res.Rate != "" {
		verdict += " " + res.Rate
	}
	detail := ""
	switch {
	case res.Error != "":
		detail = res.Error
	case res.Verdict == repro.Skipped || res.Verdict == repro.Slipped || res.Verdict == repro.Flaky:
		detail = res.Reason
	case res.Signature != nil:
		detail = res.Signature.String()
	}
	if res.Verdict == repro.Changed && res.Reason != "" {
		detail += " — " + res.Reason
	}
	exp := ""
	if res.Expected != "" && res.Verdict != repro.Reproduces {
		if res.Expected == res.Verdict {
			exp = " (as expected)"
		} else {
			exp = fmt.Sprintf(" (expected %s)", res.Expected)
		}
	}
	return fmt.Sprintf("%-28s %-16s %-16s %s%s  [%.2fs]", res.File, res.Toolchain.Name, verdict, detail, exp, float64(res.DurationMS)/1000)
}

// Details are the lines under Line: kept directories, and with verbose
// the isolation and the testscript log.
func (res Result) Details(w io.Writer, verbose bool) {
	for _, k := range res.Kept {
		fmt.Fprintf(w, "    kept: %s\n", k)
	}
	if !verbose {
		return
	}
	fmt.Fprintf(w, "    isolation: %s\n", res.Isolation)
	for _, g := range res.Gates {
		fmt.Fprintf(w, "    version-dependent code (%s): %s\n", g.Kind, g)
	}
	if len(res.Outcomes) > 1 {
		for i, o := range res.Outcomes {
			fmt.Fprintf(w, "    outcome %d of %d: %s in %d run(s): %s\n", i+1, len(res.Outcomes), o.Verdict, o.Runs, o.Signature)
			indent(w, o.Log)
		}
		return
	}
	indent(w, res.Log)
}

func indent(w io.Writer, log string) {
	for _, l := range strings.Split(strings.TrimRight(log, "\n"), "\n") {
		fmt.Fprintf(w, "    | %s\n", l)
	}
}

// AsExpected reports whether the result needs no attention: it
// reproduced, skipped itself, or matched its expectation.
func (res Result) AsExpected() bool {
	return res.Verdict == repro.Reproduces || res.Verdict == repro.Skipped || res.Expected != "" && res.Verdict == res.Expected
}

// Record writes the signature of the first run of each repro whose script
// passed: a reproducing run, or a slipped one (recording accepts the new
// signature, like updating a golden file). log hears what was recorded.
func Record(repros []*repro.Repro, results []Result, log io.Writer) error {
	for _, r := range repros {
		for _, res := range results {
			if res.File != r.Path || (res.Verdict != repro.Reproduces && res.Verdict != repro.Slipped) || res.Signature == nil {
				continue
			}
			data, err := r.WithSignature(*res.Signature)
			if err != nil {
				return err
			}
			if string(data) == string(r.Raw) {
				break
			}
			if err := atomicfile.WriteFile(r.Path, data, 0o644); err != nil {
				return fmt.Errorf("%s: recording the signature: %w", r.Path, err)
			}
			fmt.Fprintf(log, "recorded signature of %s (from %s): %s\n", r.Path, res.Toolchain.Name, res.Signature)
			break
		}
	}
	return nil
}

package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow file ghstep reads.
type workflow struct {
	Env  map[string]any `yaml:"env"`
	Jobs map[string]struct {
		Env      map[string]any `yaml:"env"`
		Strategy struct {
			Matrix map[string][]any `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []workflowStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	ID    string         `yaml:"id"`
	Run   string         `yaml:"run"`
	Shell string         `yaml:"shell"`
	Env   map[string]any `yaml:"env"`
}

// exprRE is the one kind of expression ghstep resolves in env: values: a
// matrix or env context lookup.
var exprRE = regexp.MustCompile(`\$\{\{\s*(matrix|env)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// ghstep FILE JOB STEP [matrix.KEY=VALUE | env.KEY=VALUE]... writes a
// script that runs the step with id STEP of a GitHub Actions workflow as a
// runner would for one matrix combination: `export` lines for the
// workflow's, the job's and the step's env:, then the step's run: text
// verbatim (run it with `bash --noprofile --norc -eo pipefail`, the
// runner's default shell). ${{ matrix.KEY }} and ${{ env.KEY }} in env:
// values take the matrix.KEY= arguments (each must be one of the job's
// matrix values) and the env so far; env.KEY= arguments override the
// workflow's env. Any other expression, one inside run:, or a shell: of
// the step's own fails the script: a spec runs what CI runs, nothing
// guessed.
func cmdGHStep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: ghstep FILE JOB STEP [matrix.KEY=VALUE | env.KEY=VALUE]...")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	job, ok := wf.Jobs[args[1]]
	if !ok {
		ts.Fatalf("%s: no job %q", args[0], args[1])
	}
	matrix, overrides := map[string]string{}, map[string]any{}
	for _, a := range args[3:] {
		kv, val, ok := strings.Cut(a, "=")
		ctx, key, _ := strings.Cut(kv, ".")
		switch {
		case !ok || key == "":
			ts.Fatalf("ghstep: %q: want matrix.KEY=VALUE or env.KEY=VALUE", a)
		case ctx == "matrix":
			values := job.Strategy.Matrix[key]
			if !slices.ContainsFunc(values, func(v any) bool { return fmt.Sprint(v) == val }) {
				ts.Fatalf("%s: job %s: %s is not among matrix.%s %v", args[0], args[1], val, key, values)
			}
			matrix[key] = val
		case ctx == "env":
			if _, ok := wf.Env[key]; !ok {
				ts.Fatalf("%s: the workflow has no env %s to override", args[0], key)
			}
			overrides[key] = val
		default:
			ts.Fatalf("ghstep: %q: want matrix.KEY=VALUE or env.KEY=VALUE", a)
		}
	}
	idx := slices.IndexFunc(job.Steps, func(s workflowStep) bool { return s.ID == args[2] })
	if idx < 0 {
		ts.Fatalf("%s: job %s has no step with id %q", args[0], args[1], args[2])
	}
	step := job.Steps[idx]
	switch {
	case step.Run == "":
		ts.Fatalf("%s: step %s runs no command", args[0], args[2])
	case step.Shell != "":
		ts.Fatalf("%s: step %s: shell %q is not the runner's default", args[0], args[2], step.Shell)
	case strings.Contains(step.Run, "${{"):
		ts.Fatalf("%s: step %s: an expression inside run: (pass it through env:, as a runner's script should)", args[0], args[2])
	}

	env := map[string]string{}
	var order []string
	for _, level := range []map[string]any{wf.Env, overrides, job.Env, step.Env} {
		for _, k := range sortedKeys(level) {
			v := exprRE.ReplaceAllStringFunc(fmt.Sprint(level[k]), func(e string) string {
				m := exprRE.FindStringSubmatch(e)
				from := env
				if m[1] == "matrix" {
					from = matrix
				}
				val, ok := from[m[2]]
				if !ok {
					ts.Fatalf("%s: env %s: %s is not set", args[0], k, e)
				}
				return val
			})
			if strings.Contains(v, "${{") {
				ts.Fatalf("%s: env %s: an expression ghstep does not evaluate: %s", args[0], k, v)
			}
			if _, seen := env[k]; !seen {
				order = append(order, k)
			}
			env[k] = v
		}
	}
	var script strings.Builder
	for _, k := range order {
		fmt.Fprintf(&script, "export %s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	script.WriteString(step.Run)
	if !strings.HasSuffix(step.Run, "\n") {
		script.WriteString("\n")
	}
	fmt.Fprint(ts.Stdout(), script.String())
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

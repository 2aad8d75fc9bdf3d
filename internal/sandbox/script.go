package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptT implements testscript.T for a run outside `go test`: FailNow and
// Skip end the script through sentinel panics, and everything logged is kept.
type scriptT struct {
	log     strings.Builder
	failed  bool
	skipped bool
	reason  string
}

type failNow struct{}
type skipNow struct{}

func (t *scriptT) Skip(args ...any) {
	t.skipped = true
	t.reason = strings.TrimSpace(fmt.Sprint(args...))
	panic(skipNow{})
}
func (t *scriptT) Fatal(args ...any) { t.Log(args...); t.FailNow() }
func (t *scriptT) Parallel()         {}
func (t *scriptT) Log(args ...any)   { fmt.Fprintln(&t.log, args...) }
func (t *scriptT) FailNow()          { t.failed = true; panic(failNow{}) }
func (t *scriptT) Verbose() bool     { return true }
func (t *scriptT) Run(name string, f func(testscript.T)) {
	defer func() {
		switch r := recover(); r.(type) {
		case nil, failNow, skipNow:
		default:
			panic(r)
		}
	}()
	f(t)
}

var failLineRE = regexp.MustCompile(`(?m)^FAIL: (.*)$`)

func runScript(spec Spec, dl *deadline) (res Result) {
	t := &scriptT{}
	bin := filepath.Join(spec.RunDir, "bin")
	os.Setenv("PATH", bin+":/usr/local/bin:/usr/bin:/bin")
	workRoot := filepath.Join(spec.RunDir, "work")
	var workDir string
	params := testscript.Params{
		Files:       []string{spec.Script},
		WorkdirRoot: workRoot,
		Setup: func(env *testscript.Env) error {
			workDir = env.WorkDir
			for _, kv := range spec.Env {
				env.Vars = append(env.Vars, strings.ReplaceAll(kv, "$WORK", env.WorkDir))
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			kind, ver, ok := strings.Cut(cond, ":")
			have, known := spec.Versions[kind]
			if !ok || !known {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			return atLeast(have, ver), nil
		},
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				res.Err = fmt.Sprintf("testscript: %v", r)
			}
		}()
		testscript.RunT(t, params)
	}()
	dl.finish(&res)
	log := t.log.String()
	if workDir != "" {
		log = strings.ReplaceAll(log, workDir, "$WORK")
		for i := range res.Stacks {
			res.Stacks[i].Dump = strings.ReplaceAll(res.Stacks[i].Dump, workDir, "$WORK")
			res.Stacks[i].Command = strings.ReplaceAll(res.Stacks[i].Command, workDir, "$WORK")
		}
	}
	log = strings.ReplaceAll(log, bin, "$REPROKIT_BIN")
	res.Log = log
	switch {
	case res.Err != "":
	case t.skipped:
		res.Outcome = "skip"
		res.Reason = t.reason
	case t.failed:
		res.Outcome = "fail"
		if m := failLineRE.FindAllStringSubmatch(log, -1); m != nil {
			res.Reason = m[len(m)-1][1]
		}
	default:
		res.Outcome = "pass"
	}
	return res
}

func atLeast(version, min string) bool {
	a, b := strings.Split(version, "."), strings.Split(min, ".")
	for i := range b {
		var x, y int
		if i < len(a) {
			fmt.Sscan(a[i], &x)
		}
		fmt.Sscan(b[i], &y)
		if x != y {
			return x > y
		}
	}
	return true
}

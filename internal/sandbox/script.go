package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/reprokit/reprokit/internal/toolchain"
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
	// Outside $WORK (the script's to list), inside what the script's user
	// may write.
	records := filepath.Join(workRoot, ".execs")
	reaps := filepath.Join(workRoot, ".reaps")
	var workDir string
	params := testscript.Params{
		Files:       []string{spec.Script},
		WorkdirRoot: workRoot,
		Setup: func(env *testscript.Env) error {
			workDir = env.WorkDir
			dl.setWork(env.WorkDir)
			env.Vars = append(env.Vars, execRecordEnv+"="+records)
			if spec.Reaps != ReapsOff {
				env.Vars = append(env.Vars, reapsEnv+"="+reaps)
			}
			if spec.Reaps == ReapsTrace {
				env.Vars = append(env.Vars, traceEnv+"=1")
			}
			files := filepath.Join(spec.RunDir, filesDir)
			for _, kv := range append(spec.Env, stackEnv(spec.RunDir, spec.Hang)...) {
				kv = strings.ReplaceAll(kv, "$REPROKIT_FILES", files)
				env.Vars = append(env.Vars, strings.ReplaceAll(kv, "$WORK", env.WorkDir))
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if holds, known := VersionCondition(spec.Versions, cond); known {
				return holds, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
	goParams(spec, &params)
	func() {
		defer func() {
			if r := recover(); r != nil {
				res.Err = capLog(fmt.Sprintf("testscript: %v", r), reasonMax)
			}
		}()
		testscript.RunT(t, params)
	}()
	dl.finish(&res)
	log := t.log.String()
	t.log.Reset()
	// The record file is the harness's: its line in the environment dump
	// names the run directory, which a repro's log never shows.
	log = strings.ReplaceAll(log, execRecordEnv+"="+records+"\n", "")
	if workDir != "" {
		log = strings.ReplaceAll(log, workDir, "$WORK")
		for i := range res.Stacks {
			res.Stacks[i].Dump = strings.ReplaceAll(res.Stacks[i].Dump, workDir, "$WORK")
			res.Stacks[i].Command = strings.ReplaceAll(res.Stacks[i].Command, workDir, "$WORK")
		}
	}
	log = regexp.MustCompile(`\bexec `+regexp.QuoteMeta(shimWords(spec))+`:\d+`).ReplaceAllString(log, "exec")
	var spans []execSpan
	res.Execs, spans = readExecs(records)
	res.Reaps = readReaps(reaps)
	attributeReaps(res.Reaps, spans)
	log = strings.ReplaceAll(log, bin, "$REPROKIT_BIN")
	log = strings.ReplaceAll(log, spec.Script, spec.Name)
	log = strings.ReplaceAll(log, spec.RunDir, "$REPROKIT_RUN") // REPROKIT_SITE in the environment
	res.Log = capLog(log, logMax)
	switch {
	case res.Err != "":
	case t.skipped:
		res.Outcome = Skip
		res.Reason = capLog(strings.ReplaceAll(t.reason, spec.Script, spec.Name), reasonMax)
	case t.failed:
		res.Outcome = Fail
		if m := failLineRE.FindAllStringSubmatch(res.Log, -1); m != nil {
			res.Reason = capLog(m[len(m)-1][1], reasonMax)
		}
	default:
		res.Outcome = Pass
	}
	return res
}

// VersionCondition judges one of reprokit's own version conditions
// (without its "!") against the toolchain versions of a run, by kind:
// python:3.12 and go:1.22 hold from that version on, and for a Go
// toolchain the release tags go1.N hold as go/build has them. known is
// false for any other condition. The sandbox judges the script's
// conditions with it, and the runner the skips at a script's top before
// it builds anything.
func VersionCondition(versions map[string]string, cond string) (holds, known bool) {
	if kind, ver, ok := strings.Cut(cond, ":"); ok {
		have, known := versions[kind]
		if !known {
			return false, false
		}
		return toolchain.CompareVersions(have, ver) >= 0, true
	}
	if v, ok := versions["go"]; ok && releaseTagRE.MatchString(cond) {
		return slices.Contains(releaseTags(v), cond), true
	}
	return false, false
}

// releaseTagRE is testscript's own pattern for the [go1.N] conditions.
var releaseTagRE = regexp.MustCompile(`^go([1-9][0-9]*)\.([1-9][0-9]*)$`)

// capLog keeps a log under max bytes: its head and, mostly, its tail,
// where the deciding command and the failure are. The result is valid
// UTF-8 whatever bytes the repro wrote (JSON would otherwise replace them
// silently, and a NUL byte is escaped, not dropped).
func capLog(log string, max int) string {
	log = strings.ToValidUTF8(log, "\uFFFD")
	if len(log) <= max {
		return log
	}
	head, tail := max/4, len(log)-(max-max/4)
	for head > 0 && !utf8.RuneStart(log[head]) {
		head--
	}
	for tail < len(log) && !utf8.RuneStart(log[tail]) {
		tail++
	}
	return log[:head] + fmt.Sprintf("\n[reprokit: %d bytes of log dropped here]\n", tail-head) + log[tail:]
}

// writeArchive writes the archive the engine runs: the repro's, with every
// exec line's program run through the output cap (prefix: shimWords), so
// that no command's output, toolchain or not, is buffered past the cap.
// Line numbers are unchanged; the engine takes the prefix out of the log.
func writeArchive(path string, archive []byte, prefix string) error {
	script, rest := splitScript(archive)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	execs := 0 // the index of the next exec line: its shim records under it
	for len(script) > 0 {
		line := script
		if i := bytes.IndexByte(script, '\n'); i >= 0 {
			line = script[:i+1]
		}
		script = script[len(line):]
		if at := capExecAt(line); at >= 0 {
			w.Write(line[:at])
			fmt.Fprintf(w, " %s:%d", prefix, execs)
			line = line[at:]
			execs++
		}
		w.Write(line)
	}
	w.Write(rest)
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// splitScript cuts an archive at its first file marker ("-- name --").
func splitScript(archive []byte) (script, rest []byte) {
	for i := 0; i < len(archive); {
		j := bytes.IndexByte(archive[i:], '\n')
		end := len(archive)
		if j >= 0 {
			end = i + j + 1
		}
		line := bytes.TrimRight(archive[i:end], "\r\n")
		if bytes.HasPrefix(line, []byte("-- ")) && bytes.HasSuffix(line, []byte(" --")) && len(line) >= 7 {
			return archive[:i], archive[i:]
		}
		i = end
	}
	return archive, nil
}

// capExecAt is where the cap's prefix goes in a script line: right after
// its word exec ("[cond] ! exec prog args"), or -1.
func capExecAt(line []byte) int {
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\n' && line[j] != '\r' {
			j++
		}
		word := string(line[i:j])
		switch {
		case word == "!" || word == "?" || strings.HasPrefix(word, "[") && strings.HasSuffix(word, "]"):
			i = j
			continue
		case word == "exec" && j < len(line) && (line[j] == ' ' || line[j] == '\t'):
			return j
		}
		return -1
	}
}

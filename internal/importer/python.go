package importer

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
)

// buildPython picks the reproducer, the command and the assertion.
func (b *builder) buildPython() error {
	var named, unnamed []Block
	for _, bl := range b.blocks(Python) {
		if bl.Name != "" && strings.HasSuffix(bl.Name, ".py") {
			named = append(named, bl)
		} else {
			unnamed = append(unnamed, bl)
		}
	}
	steps := b.pythonSteps()
	var step *Step
	if len(steps) > 0 {
		step = &steps[0]
		// Prefer the step that runs a file we have, or runs code (-c, -m).
		for i := range steps {
			if f := scriptArg(steps[i].Command); f != "" && (hasBlockNamed(named, f) || len(unnamed) > 0) {
				step = &steps[i]
				break
			}
		}
	}
	main := ""
	switch {
	case len(named) > 0:
		seen := map[string]bool{}
		for _, bl := range named {
			if seen[bl.Name] {
				continue
			}
			seen[bl.Name] = true
			b.files = append(b.files, txtar.File{Name: bl.Name, Data: []byte(bl.Text)})
		}
		main = mainOf(named, step)
		if len(unnamed) > 0 && step == nil {
			b.note("%d unnamed Python block(s) left out: the named files make the reproducer", len(unnamed))
		}
	case len(unnamed) > 0:
		main = "repro.py"
		if step != nil {
			if f := scriptArg(step.Command); f != "" && strings.HasSuffix(f, ".py") && !strings.Contains(f, "/") {
				main = f
			}
		}
		pick := unnamed[0]
		for _, bl := range unnamed {
			// The first that parses: a block cut short is a quote, not the
			// reproducer; nor is one the text calls fine ("this works:").
			if a, ok := b.analysis[bl.Text]; ok && a.Parses && !(len(unnamed) > 1 && fineRE().MatchString(lastLineOf(bl.Lead))) {
				pick = bl
				break
			}
		}
		b.files = append(b.files, txtar.File{Name: main, Data: []byte(pick.Text)})
		if len(unnamed) > 1 {
			b.note("the issue has %d Python blocks: the one at line %d (the first that parses and that the text does not call fine) is the reproducer", len(unnamed), pick.Line)
		}
	case len(b.blocks(Session)) > 0:
		main = "repro.py"
		b.files = append(b.files, txtar.File{Name: main, Data: []byte(b.sessionScript())})
	}
	for _, bl := range b.doc.Blocks {
		// Data files named in the text (input.json, setup.cfg) go along.
		if bl.Name != "" && !strings.HasSuffix(bl.Name, ".py") && !strings.HasSuffix(bl.Name, ".go") && bl.Kind != Python {
			b.files = append(b.files, txtar.File{Name: bl.Name, Data: []byte(bl.Text)})
		}
	}
	cmd := Command{Prog: "python3", Args: []string{main}}
	if step != nil {
		cmd = step.Command
		if f := scriptArg(cmd); f != "" && main != "" && !hasFile(b.files, f) {
			// The transcript runs a path of the reporter's machine: run ours.
			cmd.Args[len(cmd.Args)-len(argsFrom(cmd, f))] = main
		}
		if main == "" && scriptArg(cmd) != "" {
			return &NoCode{Source: b.iss.Source, Blocks: b.doc.Blocks}
		}
	}
	if main == "" && step == nil {
		return &NoCode{Source: b.iss.Source, Blocks: b.doc.Blocks}
	}
	a := b.pythonAssertion(step)
	if a.faulthandler && !hasArg(cmd.Args, "faulthandler") {
		cmd.Args = append([]string{"-X", "faulthandler"}, cmd.Args...)
	}
	b.script = append(b.script, execLine(cmd, a.neg)...)
	if a.line != "" {
		b.script = append(b.script, a.line)
		b.res.Assertion = a.shown
	}
	if main != "" {
		b.addDependencies(main)
	}
	return nil
}

func lastLineOf(s string) string {
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func hasBlockNamed(bls []Block, name string) bool {
	for _, bl := range bls {
		if bl.Name == name || path.Base(bl.Name) == path.Base(name) {
			return true
		}
	}
	return false
}

func hasFile(fs []txtar.File, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

func hasArg(args []string, s string) bool {
	for _, a := range args {
		if strings.Contains(a, s) {
			return true
		}
	}
	return false
}

// scriptArg is the script a python command runs ("" for -c, -m, or none).
func scriptArg(c Command) string {
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case a == "-c" || a == "-m":
			return ""
		case a == "-X" || a == "-W" || a == "--check-hash-based-pycs":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// argsFrom is the arguments from the script on.
func argsFrom(c Command, script string) []string {
	for i, a := range c.Args {
		if a == script {
			return c.Args[i:]
		}
	}
	return nil
}

// mainOf is the named file that is run: the one the transcript runs, else
// one no other file imports, else the last.
func mainOf(named []Block, step *Step) string {
	if step != nil {
		if f := scriptArg(step.Command); f != "" {
			for _, bl := range named {
				if path.Base(bl.Name) == path.Base(f) {
					return bl.Name
				}
			}
		}
	}
	imported := map[string]bool{}
	for _, bl := range named {
		for _, m := range scanImports(bl.Text) {
			imported[m] = true
		}
	}
	for i := len(named) - 1; i >= 0; i-- {
		mod := strings.TrimSuffix(path.Base(named[i].Name), ".py")
		if !imported[mod] {
			return named[i].Name
		}
	}
	return named[len(named)-1].Name
}

// sessionScript turns the issue's `>>>` sessions into one script: each
// statement in order, an expression whose value the REPL printed wrapped
// in print(repr(…)), and a statement whose traceback is not the last one
// left out (the REPL went on after it; a script would stop).
func (b *builder) sessionScript() string {
	var chunks []Chunk
	for _, bl := range b.blocks(Session) {
		chunks = append(chunks, parseSession(bl.Text)...)
	}
	last := bugTraceback(chunks)
	var s strings.Builder
	for i, c := range chunks {
		if last >= 0 && i > last {
			break
		}
		if (tracebackRE().MatchString(c.Output) || exceptionLineRE().MatchString(c.Output)) && i != last {
			for _, l := range strings.Split(strings.TrimRight(c.Src, "\n"), "\n") {
				fmt.Fprintf(&s, "# (raised in the session) %s\n", l)
			}
			continue
		}
		expr := b.analysis[c.Src].Expr
		if _, ok := b.analysis[c.Src]; !ok {
			expr = guessExpr(c.Src)
		}
		if expr && strings.TrimSpace(c.Output) != "" && !tracebackRE().MatchString(c.Output) {
			fmt.Fprintf(&s, "print(repr(%s))\n", strings.TrimSpace(c.Src))
			continue
		}
		s.WriteString(c.Src)
	}
	return s.String()
}

// bugTraceback is the chunk whose traceback is the bug: the last one,
// when nothing after it printed (else the tracebacks were slips on the
// way, and what was printed last is the bug); -1 when none.
func bugTraceback(chunks []Chunk) int {
	last := -1
	for i, c := range chunks {
		switch {
		case tracebackRE().MatchString(c.Output) || exceptionLineRE().MatchString(c.Output):
			last = i
		case strings.TrimSpace(c.Output) != "":
			last = -1
		}
	}
	return last
}

// sessionOutput is the part of the sessions' output that shows the bug:
// the bug's traceback, else what the last statement printed.
func (b *builder) sessionOutput() string {
	var chunks []Chunk
	for _, bl := range b.blocks(Session) {
		chunks = append(chunks, parseSession(bl.Text)...)
	}
	if i := bugTraceback(chunks); i >= 0 {
		return chunks[i].Output
	}
	for i := len(chunks) - 1; i >= 0; i-- {
		if strings.TrimSpace(chunks[i].Output) != "" {
			return chunks[i].Output
		}
	}
	return ""
}

// Regexps here are built on first use (sync.OnceValue), not at init:
// every start of reprokit, four per sandboxed run, paid for all of them
// (bench/run/RESULTS.md).
//
// exceptionLineRE: a SyntaxError in a session has no Traceback header.
var exceptionLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^[A-Za-z_][\w.]*(Error|Exception): `) })

var stmtRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(import|from|def|class|if|for|while|with|try|async|return|raise|del|pass|assert|global|nonlocal|print |@)\b`)
})

// guessExpr is the fallback when the analysis could not run: one line
// that starts no statement and assigns nothing.
func guessExpr(src string) bool {
	src = strings.TrimSpace(src)
	return !strings.Contains(src, "\n") && !stmtRE().MatchString(src) && !regexp.MustCompile(`^[\w.\[\], ]+\s*[-+*/%&|^]?=[^=]`).MatchString(src)
}

// assertion is the script line that checks the bug, and the exec's sense.
type assertion struct {
	line         string // stdout/stderr line, "" when none
	shown        string // the output line it came from
	neg          bool   // the command must fail
	faulthandler bool   // a segfault: faulthandler names it on stderr
}

var (
	fatalRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^.*?(Fatal Python error: .+?)\s*$`) })
	segvRE  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?mi)(segmentation fault|segfault|sigsegv|\bSEGV\b|AddressSanitizer|exit code 139|signal 11\b|bus error)`)
	})
	abortRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^(.*Assertion .* failed.*|Aborted( \(core dumped\))?)\s*$`)
	})
	exceptionRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Iteration|Warning|Failure|Fault)|KeyboardInterrupt|StopIteration|GeneratorExit)(?:: (.*))?$`)
	})
	warningRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\S.*?:\d+: ([A-Z]\w*Warning: .+?)\s*$`) })
	addrRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`0x[0-9a-fA-F]+`) })
	pidRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`pid=\d+`) })
)

// outputs are the texts that show what happens, most telling first:
// transcript output, session output, then output blocks.
func (b *builder) outputs(step *Step) []string {
	var out []string
	if step != nil && strings.TrimSpace(step.Output) != "" {
		out = append(out, step.Output)
	}
	for _, st := range b.pythonSteps() {
		if step == nil || st.Output != step.Output {
			out = append(out, st.Output)
		}
	}
	if s := b.sessionOutput(); s != "" {
		out = append(out, s)
	}
	for _, bl := range b.blocks(Output) {
		if !expectedLead(bl.Lead) {
			out = append(out, bl.Text)
		}
	}
	return out
}

var expectedRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(expected|expect|should|instead|correct|desired|would like)\b`)
})

// expectedLead: the prose before a block says it is what should happen.
func expectedLead(lead string) bool {
	last := lead
	if i := strings.LastIndex(lead, "\n"); i >= 0 {
		last = lead[i+1:]
	}
	return expectedRE().MatchString(last) && !regexp.MustCompile(`(?i)\b(actual|instead of|got|but)\b`).MatchString(last)
}

// pythonAssertion picks the most distinctive line the issue shows.
func (b *builder) pythonAssertion(step *Step) assertion {
	outs := b.outputs(step)
	all := strings.Join(outs, "\n")
	if m := fatalRE().FindStringSubmatch(all); m != nil {
		line := strings.TrimSpace(m[1])
		return assertion{line: "stderr " + quoteWord(regexOf(line)), shown: line, neg: true, faulthandler: strings.Contains(line, "Segmentation fault")}
	}
	if strings.Contains(all, "AddressSanitizer") {
		b.note("the issue shows an AddressSanitizer report: a build without ASan may not crash where it does")
	}
	if segvRE().MatchString(all) || segvRE().MatchString(b.iss.Title) && !strings.Contains(all, "Traceback") {
		line := "Fatal Python error: Segmentation fault"
		return assertion{line: "stderr " + quoteWord(regexOf(line)), shown: line, neg: true, faulthandler: true}
	}
	for _, o := range outs {
		if line := lastException(o); line != "" {
			return assertion{line: "stderr " + quoteWord("^"+regexOf(line)), shown: line, neg: true}
		}
	}
	if m := abortRE().FindStringSubmatch(all); m != nil && strings.Contains(m[1], "Assertion") {
		line := strings.TrimSpace(m[1])
		if i := strings.Index(line, "Assertion"); i >= 0 {
			line = line[i:]
		}
		return assertion{line: "stderr " + quoteWord(regexOf(line)), shown: line, neg: true}
	}
	if m := warningRE().FindStringSubmatch(all); m != nil {
		return assertion{line: "stderr " + quoteWord(regexOf(m[1])), shown: m[1]}
	}
	for _, o := range outs {
		if line := distinctive(o); line != "" {
			return assertion{line: "stdout " + quoteWord("^"+regexOf(line)+"$"), shown: line}
		}
	}
	if b.crashReport() {
		// A crash report without the crash's output: any fatal error
		// (faulthandler names a SIGSEGV, SIGABRT, SIGFPE or SIGBUS).
		b.note("a crash report that shows no output: the assertion is any fatal error of the interpreter")
		line := "Fatal Python error: "
		return assertion{line: "stderr " + quoteWord(regexOf(line)), shown: line, neg: true, faulthandler: true}
	}
	return assertion{}
}

var crashFormRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?mi)^#+\s*crash report\s*$`) })

// crashReport: the issue says it is a crash (the tracker's crash form, a
// crash label, or a title that says so).
func (b *builder) crashReport() bool {
	for _, l := range b.iss.Labels {
		if l == "type-crash" {
			return true
		}
	}
	return crashFormRE().MatchString(b.iss.Body) || regexp.MustCompile(`(?i)\b(crash(es|ed)?|segfaults?|abort(s|ed)?)\b`).MatchString(b.iss.Title)
}

// lastException is the final exception line of the last traceback in s
// (or of a bare exception line that ends the output).
func lastException(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	start := 0
	for i, l := range lines {
		if tracebackRE().MatchString(l) {
			start = i
		}
	}
	found := ""
	for _, l := range lines[start:] {
		if m := exceptionRE().FindStringSubmatch(strings.TrimRight(l, " \r")); m != nil {
			found = strings.TrimRight(l, " \r")
		}
	}
	if found == "" || (!tracebackRE().MatchString(s) && !strings.HasSuffix(strings.TrimSpace(s), found)) {
		return found
	}
	return found
}

// distinctive is the output line most worth asserting: the longest line
// that is not a prompt, a path or a blank.
func distinctive(s string) string {
	best := ""
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, ">>>") || strings.HasPrefix(t, "$ ") || strings.HasPrefix(t, "...") || len(t) < 2 {
			continue
		}
		if len(t) > len(best) {
			best = t
		}
	}
	if len(best) > 200 {
		best = best[:200]
	}
	return best
}

// regexOf escapes a line for a testscript pattern, loosening what differs
// from run to run: addresses, and line numbers in Go positions.
func regexOf(line string) string {
	if len(line) > 200 {
		line = line[:200]
	}
	q := regexpQuote(line)
	q = addrRE().ReplaceAllString(q, `0x[0-9a-fA-F]+`)
	return pidRE().ReplaceAllString(q, `pid=\d+`)
}

// regexpQuote is regexp.QuoteMeta for a testscript word.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// ownPackage is the tracker's own package when the issue is a library's
// and the code names it ("msgspec.Struct" in msgspec/msgspec): a report
// quotes its users' code, which does not always show the import.
func (b *builder) ownPackage(imported map[string]bool) string {
	if b.iss.Repo == "" || b.iss.Repo == "python/cpython" || b.iss.Repo == "golang/go" {
		return ""
	}
	name := path.Base(b.iss.Repo)
	mod := strings.ReplaceAll(strings.TrimPrefix(name, "python-"), "-", "_")
	if b.opts.Stdlib[mod] || imported[mod] {
		return "" // imported: its distribution is already a dependency
	}
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(mod) + `\b`)
	for _, f := range b.files {
		if strings.HasSuffix(f.Name, ".py") && re.Match(f.Data) {
			return name
		}
	}
	return ""
}

// addDependencies writes the third-party imports of the archive's Python
// files into the main file as PEP 723 inline metadata.
func (b *builder) addDependencies(main string) {
	local := map[string]bool{}
	for _, f := range b.files {
		local[strings.TrimSuffix(path.Base(f.Name), ".py")] = true
		if d := path.Dir(f.Name); d != "." {
			local[strings.Split(d, "/")[0]] = true
		}
	}
	deps := map[string]bool{}
	imported := map[string]bool{}
	for _, f := range b.files {
		if !strings.HasSuffix(f.Name, ".py") {
			continue
		}
		imps := scanImports(string(f.Data))
		if a, ok := b.analysis[string(f.Data)]; ok && a.Parses {
			imps = a.Imports
		}
		for _, m := range imps {
			imported[m] = true
			if local[m] || b.opts.Stdlib[m] || m == "__main__" || strings.HasPrefix(m, "_") && b.opts.Stdlib[strings.TrimPrefix(m, "_")] {
				continue
			}
			if len(b.opts.Stdlib) == 0 {
				b.note("no standard-library list (no interpreter answered): the import of %q is not made a dependency", m)
				continue
			}
			deps[Distribution(m)] = true
		}
	}
	if b.iss.Repo != "" && b.iss.Repo != "python/cpython" {
		// The tracker's own package, when the code imports it under its name.
		own := normalize(strings.TrimPrefix(strings.TrimPrefix(path.Base(b.iss.Repo), "python-"), "py"))
		for d := range deps {
			if normalize(d) == normalize(path.Base(b.iss.Repo)) || normalize(d) == own {
				delete(deps, d)
				deps[path.Base(b.iss.Repo)] = true
			}
		}
	}
	if own := b.ownPackage(imported); own != "" && !deps[own] {
		deps[own] = true
	}
	if len(deps) == 0 {
		return
	}
	for i, f := range b.files {
		if f.Name != main {
			continue
		}
		var q []string
		for _, d := range sortedKeys(deps) {
			q = append(q, fmt.Sprintf("%q", d))
		}
		header := "# /// script\n# dependencies = [" + strings.Join(q, ", ") + "]\n# ///\n"
		src := string(f.Data)
		// After a shebang or a coding line, which must stay first.
		cut := 0
		for _, l := range strings.SplitAfter(src, "\n")[:min(2, strings.Count(src, "\n"))] {
			if strings.HasPrefix(l, "#!") || regexp.MustCompile(`^#.*coding[:=]`).MatchString(l) {
				cut += len(l)
			} else {
				break
			}
		}
		b.files[i].Data = []byte(src[:cut] + header + src[cut:])
		b.note("third-party imports made PEP 723 dependencies of %s: %s", main, strings.Join(sortedKeys(deps), ", "))
	}
}

// Rendering: the profile's templates over Data, the Markdown blocks a
// draft is built from.

package draft

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Funcs are the template functions profiles may use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"fence": fence,
		"join":  strings.Join,
	}
}

// Render builds the draft for in with profile p, redacted by red.
func Render(in Input, p *Profile, red *redact.Redactor) (*Draft, error) {
	in.Offered = p.Versions
	data := build(in)
	var title, body strings.Builder
	if err := p.TitleTmpl.Execute(&title, data); err != nil {
		return nil, fmt.Errorf("%s: title template: %w", p.Source, err)
	}
	if err := p.BodyTmpl.Execute(&body, data); err != nil {
		return nil, fmt.Errorf("%s: body template: %w", p.Source, err)
	}
	d := &Draft{
		// Inert: a repro's title, output or signature (and a related
		// issue's title) must not ping anyone or cross-reference an issue.
		Title:   redact.InertTitle(red.String(strings.TrimSpace(title.String()))),
		Body:    redact.Inert(red.String(tidy(body.String()))),
		Labels:  p.LabelsFor(data.Crash),
		Repo:    p.Repo,
		Missing: data.MissingTiers,
	}
	if d.Repo == "" {
		d.Repo = in.Repro.Meta.Repo
	}
	d.Search = red.String(stable(data.searchKey))
	d.Fingerprint = Fingerprint(data.searchKey, in.Repro.Raw)
	d.Source = in.Repro.Path
	d.Archive = ArchiveHash(in.Repro.Raw)
	return d, nil
}

// Data is what the profile templates see: ready-made Markdown blocks.
type Data struct {
	Title, Summary, WhatHappens, Reproducer, Matrix, Boundary string
	Flaky, Ask, Related, FullOutput, Archive                  string
	MinorVersions, OSFamily, PythonVV, Machine                string
	GoVersion, GoEnv                                          string
	Signature                                                 string
	// Installed lists, for the cells with dependencies, the versions
	// installed in the environment each ran in ("" without any).
	Installed string
	// Tested says which versions ran, which the form offers that did not
	// run here, and the older ones the form does not list.
	Tested string
	// VersionGates names the lines where the reproducer selects code by
	// version ("" when it runs the same code everywhere).
	VersionGates string
	Crash        bool
	MissingTiers []string
	Reproduces   []string

	searchKey string
}

func build(in Input) Data {
	r := in.Repro
	cells := append([]Cell{}, in.Cells...)
	sort.SliceStable(cells, func(i, j int) bool { return toolchain.CompareVersions(cells[i].Version, cells[j].Version) < 0 })
	deciding := decidingCell(cells, r)
	var d Data
	if deciding.Signature != nil {
		d.Signature = deciding.Signature.String()
		d.Crash = deciding.Signature.IsCrash()
		d.searchKey = deciding.Signature.Fatal
		if d.searchKey == "" {
			d.searchKey = deciding.Signature.Exception
		}
	}
	if d.searchKey == "" {
		d.searchKey = r.Title()
	}
	d.Title = title(r, deciding.Signature)
	for _, c := range cells {
		if c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky {
			d.Reproduces = append(d.Reproduces, c.Version)
		}
	}
	d.Boundary = Boundary(cells)
	d.Summary = summary(r, d)
	d.WhatHappens = whatHappens(deciding)
	if isHang(deciding.Signature) {
		d.WhatHappens = hangHappens(deciding, r)
	}
	d.Reproducer = reproducer(r)
	d.Matrix = matrix(cells, d.Boundary)
	if b := Bisected(r); b != "" {
		d.Matrix += "\n\n" + b
	}
	d.Flaky = flaky(cells)
	d.Ask, d.MissingTiers = ask(r)
	d.Related = related(in.Related)
	d.FullOutput = details(fmt.Sprintf("Full output on %s", deciding.named()), fence("", stable(deciding.Output)))
	if st := hangStacks(deciding); st != "" {
		d.FullOutput = withStacks(st, deciding.Output, d.FullOutput)
	}
	d.Archive = details("The repro as a testscript archive (run it with `reprokit run FILE`, or the stock `testscript` command)", fence("txtar", string(r.Raw)))
	d.MinorVersions, d.Tested = tested(cells, in.Offered)
	d.VersionGates = runner.GateNote(runner.FindGates(r.Files(), r.Script()))
	d.OSFamily = "Linux"
	d.PythonVV = pythonVV(cells, in.Env)
	d.Installed = installedTable(cells)
	d.Machine = machine(in.Env)
	d.GoVersion = fence("", orDash(in.Env.GoVersion))
	d.GoEnv = details("go env", fence("", orDash(in.Env.GoEnv)))
	return d
}

func title(r *repro.Repro, sig *signature.Signature) string {
	t := r.Title()
	if r.Meta.Title != "" || sig == nil {
		return t
	}
	if isHang(sig) {
		return hangTitle(r, sig)
	}
	key := sig.Fatal
	if key == "" {
		key = sig.Exception
	}
	if key == "" || strings.Contains(t, key) {
		return shorten(t, MaxTitle)
	}
	if long := fmt.Sprintf("%s: `%s`", t, stable(key)); len([]rune(long)) <= MaxTitle {
		return long
	}
	// The fatal line is in the body; the title stays a title.
	return shorten(t, MaxTitle)
}

// shorten cuts s to at most n runes at a word boundary, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

func summary(r *repro.Repro, d Data) string {
	s := r.Title()
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s + " " + d.Boundary
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var (
	pidRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bpid=\d+`) })
	addrRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b0x[0-9a-fA-F]{8,}\b`) })
)

// stable makes run-to-run noise (pids, addresses) deterministic, so that
// drafts diff cleanly in git.
func stable(s string) string {
	s = pidRE().ReplaceAllString(s, "pid=N")
	return addrRE().ReplaceAllString(s, "0x…")
}

func whatHappens(c Cell) string {
	if c.Signature == nil {
		return "The repro did not run here."
	}
	var b strings.Builder
	sig := c.Signature
	status := sig.Status
	switch {
	case sig.Process != "" && status == "":
		fmt.Fprintf(&b, "On %s a %s process dies with a fatal error (its parent reaped it, so its exit status is not seen here); the command itself ends with `%s`", c.named(), process(sig.Process), sig.Exec)
	case sig.Process != "" && strings.HasPrefix(status, "SIG"):
		fmt.Fprintf(&b, "On %s a %s process is killed by `%s` while the command itself ends with `%s`", c.named(), process(sig.Process), status, sig.Exec)
	case sig.Process != "":
		fmt.Fprintf(&b, "On %s a %s process ends with `%s` while the command itself ends with `%s`", c.named(), process(sig.Process), status, sig.Exec)
	case strings.HasPrefix(status, "SIG"):
		fmt.Fprintf(&b, "On %s the process is killed by `%s`", c.named(), status)
	default:
		fmt.Fprintf(&b, "On %s the process ends with `%s`", c.named(), status)
	}
	trimmed := trim(c.Output)
	if trimmed == "" {
		b.WriteString(".")
		return b.String()
	}
	b.WriteString(" and prints:\n\n")
	b.WriteString(fence("", stable(trimmed)))
	return b.String()
}

func process(p signature.Process) string {
	if p == signature.Child {
		return "child (forked)"
	}
	return string(p)
}

// trim keeps what matters: the fatal error with the frames after it, or
// the tail of the last traceback, or the warning lines.
func trim(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Fatal Python error:") || strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			return strings.Join(lines[i:min(len(lines), i+12)], "\n")
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "Traceback (most recent call last)") {
			tail := lines[i:]
			if len(tail) > 14 {
				tail = append([]string{lines[i], "  ..."}, tail[len(tail)-12:]...)
			}
			return strings.Join(tail, "\n")
		}
	}
	var warn []string
	for i, l := range lines {
		if strings.Contains(l, "Warning: ") {
			warn = append(warn, l)
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  ") {
				warn = append(warn, lines[i+1])
			}
		}
	}
	if len(warn) > 0 {
		return strings.Join(warn, "\n")
	}
	if len(lines) > 12 {
		lines = lines[len(lines)-12:]
	}
	return strings.Join(lines, "\n")
}

func ask(r *repro.Repro) (string, []string) {
	var b strings.Builder
	var missing []string
	t := r.Meta.Tiers
	if t.MakeItWork != nil {
		fmt.Fprintf(&b, "**Ideally (make it work):** %s\n\n", strings.TrimSpace(t.MakeItWork.Ask))
	} else {
		missing = append(missing, "make-it-work")
	}
	if t.FailCleanly != nil {
		fmt.Fprintf(&b, "**Minimally (fail cleanly):** %s\n\n", strings.TrimSpace(t.FailCleanly.Ask))
	} else {
		missing = append(missing, "fail-cleanly")
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "_The repro states no %s tier yet._\n", strings.Join(missing, " or "))
	}
	return strings.TrimSpace(b.String()), missing
}

func related(rs []Related) string {
	var b strings.Builder
	for _, r := range rs {
		// The number links on purpose (a link, so Inert leaves it); the
		// title is someone else's text and goes through Inert.
		fmt.Fprintf(&b, "- [#%d](%s) %s (%s)\n", r.Number, r.URL, r.Title, r.State)
	}
	return strings.TrimSpace(b.String())
}

func machine(env Environment) string {
	var parts []string
	for _, p := range []string{env.OS, strings.TrimSpace(env.Kernel + " " + env.Arch), env.Libc} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Machine: " + strings.Join(parts, ", ") + "."
}

func details(summary, body string) string {
	return fmt.Sprintf("<details><summary>%s</summary>\n\n%s\n\n</details>", summary, body)
}

// fence wraps text in a code fence longer than any backtick run inside it.
func fence(lang, text string) string {
	n := 3
	for run, i := 0, 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	return f + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + f
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tidy trims the ends; blank lines inside are the template's and the
// reproducer's own (collapsing them would change the code shown).
func tidy(s string) string {
	return strings.TrimSpace(s) + "\n"
}

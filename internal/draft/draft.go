// Package draft renders an upstream issue draft for a repro: the title,
// what happens (signature and trimmed output), the reproducer in the
// upstream's own terms (the standalone files and the command), the version
// matrix with its boundary in words, the flakiness, the two-tier ask, the
// environment, and related issues. The tracker profile decides the shape;
// everything is redacted before it is written.
package draft

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/tracker"
	"github.com/reprokit/reprokit/internal/versiongate"
)

// Cell is one (toolchain, verdict) of the matrix.
type Cell struct {
	Name      string // toolchain name, e.g. cpython-3.12.1
	Version   string
	Verdict   repro.Verdict
	Rate      string // "7/10" when counted
	Reason    string
	Signature *signature.Signature
	Output    string // the deciding command's stdout and stderr
	Stacks    string // every process's stacks at a hang deadline, if any
	// Axis and AxisVersion name the dependency a cell of a dependency axis
	// (--with) ran with, e.g. "packaging" and "22.0"; Version stays the
	// interpreter's.
	Axis, AxisVersion string
	// Installed are the distributions of the environment the cell ran in
	// ("packaging==22.0"), listed inside the sandbox; nil without
	// dependencies.
	Installed []string
}

// On makes a run's cell on tc a cell of its dependency axis, if it has
// one: runner.Ref counts such a cell by the dependency's version, the
// draft by the interpreter's with the dependency's beside it.
func (c Cell) On(tc toolchain.Toolchain) Cell {
	if c.Axis != "" {
		c.AxisVersion, c.Version = c.Version, tc.Version
	}
	return c
}

// label is how the matrix and its sentences name a cell: its version,
// with the dependency's along a dependency axis, as a library's
// maintainer says it ("3.11.2 with packaging 22.0").
func (c Cell) label() string {
	if c.Axis == "" {
		return c.Version
	}
	return c.Version + " with " + c.Axis + " " + c.AxisVersion
}

// Environment is what the probes found; empty fields are left out.
type Environment struct {
	OS, Kernel, Arch, Libc string
	VV                     map[string]string // toolchain version -> `python -VV`
	GoVersion, GoEnv       string
}

// Related is an upstream issue found by a duplicate search.
type Related struct {
	Number     int
	Title, URL string
	State      string
}

// Input is everything a draft is made from.
type Input struct {
	Repro   *repro.Repro
	Cells   []Cell
	Env     Environment
	Related []Related
	// Offered are the versions the tracker's form offers (the profile's
	// versions); Render fills it from the profile.
	Offered []string
}

// MaxTitle is the longest title a draft gets: a triager reads titles in a
// list, and the fatal line goes in the body anyway.
const MaxTitle = 100

// Draft is a rendered draft.
type Draft struct {
	Title  string
	Body   string
	Labels []string
	Repo   string
	// Missing names the tiers the repro does not state.
	Missing []string
	// Fingerprint identifies the repro and its bug (a hash of the signature
	// and the archive): filing hides it in the issue body, so that a retry
	// finds the issue it may already have created.
	Fingerprint string
	// Search is the phrase a duplicate search looks for: the fatal line or
	// the exception.
	Search string
	// Source is the archive's path and Archive its hash (ArchiveHash).
	Source, Archive string
}

// Funcs are the template functions profiles may use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"fence": fence,
		"join":  strings.Join,
	}
}

// Render builds the draft for in with profile p, redacted by red.
func Render(in Input, p *tracker.Profile, red *redact.Redactor) (*Draft, error) {
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
		Title:   red.String(strings.TrimSpace(title.String())),
		Body:    red.String(tidy(body.String())),
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

// ArchiveHash names the exact archive a draft was made from: a committed
// report whose archive has changed since is stale (a test says so).
func ArchiveHash(archive []byte) string {
	sum := sha256.Sum256(archive)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Fingerprint hashes a signature's key and an archive.
func Fingerprint(key string, archive []byte) string {
	h := sha256.New()
	h.Write([]byte(signature.Normalize(key)))
	h.Write([]byte{0})
	h.Write(archive)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// Write writes the draft as Markdown, with a header that `reprokit file`
// reads back (repo, labels, fingerprint, search) in an HTML comment, then
// the title as a heading, then the body.
func (d *Draft) Write(w io.Writer) error {
	src := ""
	if d.Source != "" {
		src = fmt.Sprintf("source: %s\narchive: %s\n", d.Source, d.Archive)
	}
	_, err := fmt.Fprintf(w, "<!-- reprokit draft\nrepo: %s\nlabels: %s\nfingerprint: %s\nsearch: %s\n%s-->\n# %s\n\n%s",
		d.Repo, strings.Join(d.Labels, ", "), d.Fingerprint, d.Search, src, d.Title, d.Body)
	return err
}

// Read parses a draft written by Write (possibly edited by hand since).
func Read(name string, data []byte) (*Draft, error) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasPrefix(s, "<!-- reprokit draft\n") {
		return nil, fmt.Errorf("%s:1: not a reprokit draft (it starts with the `<!-- reprokit draft` header that `reprokit draft` writes)", name)
	}
	end := strings.Index(s, "\n-->\n")
	if end < 0 {
		return nil, fmt.Errorf("%s:1: the draft header is not closed with -->", name)
	}
	d := &Draft{}
	for i, l := range strings.Split(s[len("<!-- reprokit draft\n"):end], "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want `key: value` in the draft header, got %q", name, i+2, l)
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "repo":
			d.Repo = v
		case "labels":
			for _, lab := range strings.Split(v, ",") {
				if lab = strings.TrimSpace(lab); lab != "" {
					d.Labels = append(d.Labels, lab)
				}
			}
		case "fingerprint":
			d.Fingerprint = v
		case "search":
			d.Search = v
		case "source":
			d.Source = v
		case "archive":
			d.Archive = v
		}
	}
	rest := s[end+len("\n-->\n"):]
	titleLine, body, _ := strings.Cut(rest, "\n")
	if !strings.HasPrefix(titleLine, "# ") {
		return nil, fmt.Errorf("%s: the line after the header must be the title, as `# Title`", name)
	}
	d.Title = strings.TrimSpace(strings.TrimPrefix(titleLine, "# "))
	d.Body = strings.TrimLeft(body, "\n")
	if d.Fingerprint == "" {
		d.Fingerprint = Fingerprint(d.Title, []byte(d.Body))
	}
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
	d.VersionGates = versiongate.Note(versiongate.Find(r.Files(), r.Script()))
	d.OSFamily = "Linux"
	d.PythonVV = pythonVV(cells, in.Env)
	d.Installed = installedTable(cells)
	d.Machine = machine(in.Env)
	d.GoVersion = fence("", orDash(in.Env.GoVersion))
	d.GoEnv = details("go env", fence("", orDash(in.Env.GoEnv)))
	return d
}

// decidingCell is the newest reproducing cell, else the newest one.
func decidingCell(cells []Cell, r *repro.Repro) Cell {
	for i := len(cells) - 1; i >= 0; i-- {
		if cells[i].Verdict == repro.Reproduces {
			return cells[i]
		}
	}
	if len(cells) > 0 {
		return cells[len(cells)-1]
	}
	return Cell{Signature: r.Meta.Signature}
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

var (
	pidRE  = regexp.MustCompile(`\bpid=\d+`)
	addrRE = regexp.MustCompile(`\b0x[0-9a-fA-F]{8,}\b`)
)

// stable makes run-to-run noise (pids, addresses) deterministic, so that
// drafts diff cleanly in git.
func stable(s string) string {
	s = pidRE.ReplaceAllString(s, "pid=N")
	return addrRE.ReplaceAllString(s, "0x…")
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

func process(p string) string {
	if p == "child" {
		return "child (forked)"
	}
	return p
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

// reproducer shows the files and the command, as a maintainer would run
// them without reprokit.
func reproducer(r *repro.Repro) string {
	var b strings.Builder
	for _, f := range r.Files() {
		fmt.Fprintf(&b, "`%s`:\n\n%s\n\n", f.Name, fence(lang(f.Name), string(f.Data)))
	}
	cmds, checks := commands(r.Script())
	if len(cmds) > 0 {
		b.WriteString("Run it with:\n\n")
		b.WriteString(fence("sh", strings.Join(cmds, "\n")+"\n"))
	}
	if len(checks) > 0 {
		b.WriteString("\n\nThe bug is present when " + strings.Join(checks, ", and ") + ".")
	}
	for _, f := range r.Files() {
		if md, err := scriptdeps.Parse(f.Name, f.Data); err == nil && md != nil && len(md.Dependencies) > 0 {
			fmt.Fprintf(&b, "\n\n`%s` declares its dependencies inline (PEP 723: %s): `uv run %s` installs them and runs it.", f.Name, "`"+strings.Join(md.Dependencies, "`, `")+"`", f.Name)
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// commands turns the script into shell commands and prose checks.
func commands(script string) (cmds, checks []string) {
	lines, _ := repro.Lines(script)
	for _, l := range lines {
		if len(l.Words) == 0 {
			continue
		}
		args := l.Words[1:]
		if l.Words[0] == "go" { // the go built-in is exec go
			args = l.Words
		}
		switch l.Words[0] {
		case "exec", "go":
			var q []string
			bg := ""
			for _, a := range args {
				if m := bgRE.FindStringSubmatch(a); m != nil {
					bg = m[1] // `exec … &v&`: a background process named v
					continue
				}
				q = append(q, sandbox.ShellQuote(a))
			}
			cmd := strings.Join(q, " ")
			if bg != "" {
				cmd += " & " + bg + "=$!"
			}
			if l.Neg {
				cmd += "   # exits non-zero"
			}
			cmds = append(cmds, cmd)
		case "kill", "wait":
			cmds = append(cmds, signalCommand(l.Words[0], args))
		case "stdout", "stderr":
			if len(args) == 0 {
				continue
			}
			verb := "matches"
			if l.Neg {
				verb = "does not match"
			}
			checks = append(checks, fmt.Sprintf("its %s %s `%s`", l.Words[0], verb, args[len(args)-1]))
		}
	}
	return cmds, checks
}

func lang(name string) string {
	switch {
	case strings.HasSuffix(name, ".py"):
		return "python"
	case strings.HasSuffix(name, ".go"):
		return "go"
	case strings.HasSuffix(name, ".sh"):
		return "sh"
	case strings.HasSuffix(name, ".json"):
		return "json"
	case strings.HasSuffix(name, ".toml"):
		return "toml"
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "yaml"
	}
	return ""
}

func matrix(cells []Cell, boundary string) string {
	if len(cells) == 0 {
		return "Not run on any interpreter here."
	}
	var b strings.Builder
	b.WriteString("| version | verdict | what it shows |\n|---|---|---|\n")
	for _, c := range cells {
		v := string(c.Verdict)
		if c.Rate != "" && c.Verdict == repro.Flaky {
			v += " " + c.Rate
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.label(), v, strings.ReplaceAll(stable(shows(c)), "|", `\|`))
	}
	b.WriteString("\n" + boundary)
	return b.String()
}

// shows is a cell's one-line evidence.
func shows(c Cell) string {
	switch {
	case c.Verdict == repro.Skipped:
		return c.Reason
	case c.Signature != nil && (c.Signature.Fatal != "" || c.Signature.Exception != "" || isHang(c.Signature)):
		return "`" + c.Signature.String() + "`"
	}
	if first := firstLine(c.Output); first != "" {
		return "`" + first + "`"
	}
	if c.Signature != nil {
		return "`" + c.Signature.Status + "`"
	}
	return ""
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			if len(t) > 100 {
				t = t[:97] + "..."
			}
			return t
		}
	}
	return ""
}

// Boundary states the matrix in words: consecutive versions with the same
// verdict form one range.
func Boundary(cells []Cell) string {
	if len(cells) == 0 {
		return ""
	}
	if along := alongAxis(cells); along != "" {
		return along
	}
	type run struct {
		from, to Cell
	}
	var runs []run
	for _, c := range cells {
		if n := len(runs); n > 0 && runs[n-1].to.Verdict == c.Verdict {
			runs[n-1].to = c
			continue
		}
		runs = append(runs, run{c, c})
	}
	span := func(r run) string {
		if r.from.label() == r.to.label() {
			return r.from.label()
		}
		return r.from.label() + "–" + r.to.label()
	}
	// Reproducing ranges first: they are the news.
	sort.SliceStable(runs, func(i, j int) bool {
		return runs[i].from.Verdict == repro.Reproduces && runs[j].from.Verdict != repro.Reproduces
	})
	var parts []string
	for _, r := range runs {
		s := span(r)
		// The verb agrees with the span: "3.8.18 fails", "3.9–3.11 fail".
		verb := func(plural, singular string) string {
			if r.from.label() == r.to.label() {
				return singular
			}
			return plural
		}
		switch r.from.Verdict {
		case repro.Reproduces:
			parts = append(parts, "reproduces on "+s)
		case repro.Fixed:
			parts = append(parts, s+" "+verb("work", "works")+" as the make-it-work tier asks")
		case repro.FailsCleanly:
			what := firstLine(r.to.Output)
			if r.to.Signature != nil && r.to.Signature.Exception != "" {
				what = r.to.Signature.Exception
			}
			if what != "" {
				parts = append(parts, fmt.Sprintf("%s %s cleanly instead (`%s`)", s, verb("fail", "fails"), stable(what)))
			} else {
				parts = append(parts, s+" "+verb("fail", "fails")+" cleanly instead")
			}
		case repro.Skipped:
			parts = append(parts, fmt.Sprintf("skipped on %s (%s)", s, r.from.Reason))
		case repro.Flaky:
			parts = append(parts, "reproduces intermittently on "+s)
		case repro.Slipped:
			parts = append(parts, s+" "+verb("show", "shows")+" a different bug")
		case repro.ErrorVerdict:
			parts = append(parts, s+" could not be run")
		default:
			parts = append(parts, s+" "+verb("behave", "behaves")+" differently")
		}
	}
	out := strings.Join(parts, "; ")
	return strings.ToUpper(out[:1]) + out[1:] + "." + axisChanges(cells)
}

func flaky(cells []Cell) string {
	var parts []string
	for _, c := range cells {
		if c.Rate == "" {
			continue
		}
		var n, total int
		fmt.Sscanf(c.Rate, "%d/%d", &n, &total)
		if n != total && n > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d runs on %s", n, total, c.label()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "**Flaky:** it reproduced in " + strings.Join(parts, ", ") + "."
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
		fmt.Fprintf(&b, "- #%d %s (%s) %s\n", r.Number, r.Title, r.State, r.URL)
	}
	return strings.TrimSpace(b.String())
}

// tested fills the form's "versions tested on" field with every minor
// version that ran here, whatever its verdict (a triager reads an absent
// version as "not tested"), and says in prose which versions the form
// offers that were not available here and which older ones ran.
func tested(cells []Cell, offered []string) (field, prose string) {
	ran := map[string]string{} // minor -> verdicts seen, in order
	var order []string
	for _, c := range cells {
		if c.Verdict == repro.Skipped {
			continue // the script did not run there
		}
		m := toolchain.Minor(c.Version)
		if _, ok := ran[m]; !ok {
			order = append(order, m)
		}
		if !strings.Contains(ran[m], string(c.Verdict)) {
			ran[m] = strings.TrimPrefix(ran[m]+", "+string(c.Verdict), ", ")
		}
	}
	if len(offered) == 0 {
		if len(order) == 0 {
			return "_none: the repro ran on no interpreter here_", ""
		}
		return strings.Join(order, ", "), ""
	}
	isOffered := map[string]bool{}
	var numeric []string
	for _, o := range offered {
		isOffered[o] = true
		if toolchain.Minor(o) == o {
			numeric = append(numeric, o)
		}
	}
	var in, older, notRun []string
	for _, m := range order {
		switch {
		case isOffered[m]:
			in = append(in, m)
		case len(numeric) > 0 && toolchain.CompareVersions(m, numeric[0]) < 0:
			older = append(older, fmt.Sprintf("%s (%s)", m, ran[m]))
		default:
			in = append(in, m)
		}
	}
	for _, o := range offered {
		if _, ok := ran[o]; !ok {
			notRun = append(notRun, o)
		}
	}
	field = strings.Join(in, ", ")
	if field == "" {
		field = "_none of the versions this form lists ran here_"
	}
	var parts []string
	if len(in) > 0 {
		parts = append(parts, "**Tested here:** "+versiongate.And(in)+" (every version the form lists that ran here, whatever its verdict).")
	}
	if len(older) > 0 {
		parts = append(parts, "Older than the versions the form lists, also run here: "+versiongate.And(older)+".")
	}
	if len(notRun) > 0 {
		parts = append(parts, "**Not tested here** (no such interpreter on this machine): "+versiongate.And(notRun)+".")
	}
	return field, strings.Join(parts, " ")
}

// pythonVV shows `python -VV` for the versions that reproduce and their
// neighbours across each boundary: the builds a triager compares. The
// others are in the matrix already.
func pythonVV(cells []Cell, env Environment) string {
	var ran []Cell
	for _, c := range cells {
		if c.Verdict != repro.Skipped {
			ran = append(ran, c)
		}
	}
	reproducing := func(c Cell) bool { return c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky }
	// One line per interpreter: along a dependency axis it ran several
	// cells, whose verdicts go on its line ("reproduces with attrs 23.1.0,
	// fixed with attrs 23.2.0").
	var order []string
	notes := map[string][]string{}
	for i, c := range ran {
		near := reproducing(c) || (i > 0 && reproducing(ran[i-1])) || (i+1 < len(ran) && reproducing(ran[i+1]))
		if !near || env.VV[c.Version] == "" {
			continue
		}
		if _, ok := notes[c.Version]; !ok {
			order = append(order, c.Version)
		}
		note := string(c.Verdict)
		if c.Axis != "" {
			note += " with " + c.Axis + " " + c.AxisVersion
		}
		notes[c.Version] = append(notes[c.Version], note)
	}
	var b strings.Builder
	for _, v := range order {
		fmt.Fprintf(&b, "%s  # %s\n", env.VV[v], strings.Join(notes[v], ", "))
	}
	if b.Len() == 0 {
		return "_not collected_"
	}
	return fence("", b.String())
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

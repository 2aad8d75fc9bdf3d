// Package importer turns an upstream issue's text into a repro archive,
// the way Bugmon finds the testcase in a bug report: the reproducer from
// its code blocks (read with a Markdown parser), `>>>` sessions and shell
// transcripts; the assertion from its output or traceback; the title, the
// upstream URL, the tracker, the versions the text names, and third-party
// imports as PEP 723 dependencies. Nothing from the issue runs outside the
// sandbox: the only reading of its code by Python (does an untagged block
// parse, what does it import) is a trusted script of ours that gets the
// code as data, and it runs in the sandbox too (see Sandboxed).
package importer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/usage"
)

// Issue is an upstream issue, from the API or a file.
type Issue struct {
	URL    string // the issue's web page ("" for a file)
	Repo   string // OWNER/NAME ("" when unknown)
	Number int
	Title  string
	Body   string
	Labels []string
	Source string // how errors name it: the URL or the file
}

// Result is an imported archive and what the import found.
type Result struct {
	Name    string // a file name for it, without .txtar
	Archive []byte
	Repro   *repro.Repro
	Kind    string // python or go
	Stated  Stated
	// Assertion is the line the script checks; "" when nothing fit, and
	// then Notes says so.
	Assertion string
	Notes     []string
	Blocks    []Block
}

// NoCode is an issue with no code to run; it lists the blocks found.
type NoCode struct {
	Source string
	Blocks []Block
}

func (e *NoCode) Error() string {
	if len(e.Blocks) == 0 {
		return fmt.Sprintf("%s: no code block in the issue: nothing to turn into a repro (write the archive by hand, see docs/import.md)", e.Source)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: no Python or Go reproducer among the issue's %d block(s):", e.Source, len(e.Blocks))
	for _, bl := range e.Blocks {
		b.WriteString("\n  " + bl.Describe())
	}
	b.WriteString("\nwrite the archive by hand, or tag the reproducer's fence as python, pycon or go")
	return b.String()
}

// Unwrap makes a NoCode a usage error (exit 2).
func (e *NoCode) Unwrap() error { return &usage.Error{Err: errors.New("no code in the issue")} }

// Options are what the import needs from the machine.
type Options struct {
	// Analyzer reads Python code without running it; nil: untagged blocks
	// are not Python, imports are read from import lines.
	Analyzer Analyzer
	// Stdlib is the union of the interpreters' standard libraries.
	Stdlib map[string]bool
}

// MaxBody bounds the body read (GitHub's own limit is 65,536
// characters; a file may be longer): past it the rest is cut, and said.
const MaxBody = 4 << 20

// Import builds the archive for an issue.
func Import(ctx context.Context, iss Issue, opts Options) (*Result, error) {
	body := iss.Body
	cut := len(body) > MaxBody
	if cut {
		body = body[:MaxBody]
	}
	doc := Parse(body)
	b := &builder{iss: iss, doc: doc, opts: opts, res: &Result{Blocks: doc.Blocks}}
	if cut {
		b.note("the issue is longer than %d bytes: the rest was not read", MaxBody)
	}
	if err := b.analyze(ctx); err != nil {
		b.note("%v; untagged blocks are not read as Python and imports come from import lines", err)
	}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.res, nil
}

type builder struct {
	iss  Issue
	doc  Doc
	opts Options
	res  *Result

	analysis map[string]Analysis // by source text
	files    []txtar.File
	script   []string
	kind     string
}

func (b *builder) note(format string, args ...any) {
	b.res.Notes = append(b.res.Notes, fmt.Sprintf(format, args...))
}

// analyze sends every piece of Python-ish code to the analyzer once.
func (b *builder) analyze(ctx context.Context) error {
	b.analysis = map[string]Analysis{}
	var srcs []Source
	seen := map[string]bool{}
	add := func(s Source) {
		if !seen[s.Src] {
			seen[s.Src] = true
			srcs = append(srcs, s)
		}
	}
	for _, bl := range b.doc.Blocks {
		switch bl.Kind {
		case Python, Maybe:
			add(Source{Src: bl.Text})
		case Session:
			for _, c := range parseSession(bl.Text) {
				add(Source{Src: c.Src, Expr: true})
			}
		}
	}
	if b.opts.Analyzer == nil || len(srcs) == 0 {
		return nil
	}
	res, err := b.opts.Analyzer.Analyze(ctx, srcs)
	if err != nil {
		return err
	}
	for i, s := range srcs {
		b.analysis[s.Src] = res[i]
	}
	// Untagged blocks that parse are Python; the rest are output.
	for i, bl := range b.doc.Blocks {
		if bl.Kind == Maybe {
			if a := b.analysis[bl.Text]; a.Parses && looksLikeCode(bl.Text) {
				b.doc.Blocks[i].Kind = Python
			} else {
				b.doc.Blocks[i].Kind = Output
			}
		}
	}
	b.res.Blocks = b.doc.Blocks
	return nil
}

func (b *builder) blocks(k Kind) []Block {
	var out []Block
	for _, bl := range b.doc.Blocks {
		if bl.Kind == k || (k == Output && bl.Kind == Maybe) {
			out = append(out, bl)
		}
	}
	return out
}

func (b *builder) build() error {
	py := len(b.blocks(Python)) + len(b.blocks(Session)) + len(b.pythonSteps())
	gosrc := len(b.blocks(GoSrc))
	switch {
	case gosrc > 0 && (py == 0 || b.iss.Repo == "golang/go"):
		b.kind = "go"
		b.buildGo()
	case py > 0:
		b.kind = "python"
		if err := b.buildPython(); err != nil {
			return err
		}
	default:
		return &NoCode{Source: b.iss.Source, Blocks: b.doc.Blocks}
	}
	b.res.Kind = b.kind
	prose := b.iss.Title + "\n" + b.doc.Prose + "\n" + strings.Join(b.iss.Labels, "\n")
	b.res.Stated = StatedVersions(prose, b.kind)
	return b.assemble()
}

// pythonSteps are the transcript steps that run Python.
func (b *builder) pythonSteps() []Step {
	var out []Step
	for _, bl := range b.blocks(Shell) {
		for _, st := range parseTranscript(bl.Text).Steps {
			if st.Command.Prog == "python3" {
				out = append(out, st)
			}
		}
	}
	return out
}

func (b *builder) goSteps() []Step {
	var out []Step
	for _, bl := range b.blocks(Shell) {
		for _, st := range parseTranscript(bl.Text).Steps {
			if st.Command.Prog == "go" {
				out = append(out, st)
			}
		}
	}
	return out
}

// assemble writes the script, the metadata and the files into the archive.
func (b *builder) assemble() error {
	title := oneLine(b.iss.Title)
	if title == "" {
		title = "imported issue"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "# %s\n", title)
	if b.iss.URL != "" {
		fmt.Fprintf(&s, "# Imported by `reprokit import` from %s\n", b.iss.URL)
	} else {
		fmt.Fprintf(&s, "# Imported by `reprokit import` from %s\n", b.iss.Source)
	}
	if b.res.Assertion == "" {
		s.WriteString("# reprokit import: ASSERTION MISSING — the issue shows no output that says what goes wrong;\n# the script only runs the reproducer. Add a stdout/stderr line that holds while the bug is present.\n")
		b.note("no assertion found in the issue's output: the archive only runs the reproducer; add the line that shows the bug (see docs/import.md)")
	}
	for _, l := range b.script {
		s.WriteString(l + "\n")
	}
	meta := repro.Meta{Upstream: b.iss.URL}
	if t := oneLine(b.iss.Title); t != title || len(t) > 200 {
		meta.Title = t
	}
	switch {
	case b.iss.Repo == "python/cpython":
		meta.Tracker = "cpython"
	case b.iss.Repo == "golang/go":
		meta.Tracker = "go"
	case b.iss.Repo != "":
		meta.Tracker, meta.Repo = "github", b.iss.Repo
	}
	if b.kind == "go" {
		meta.Toolchain = "go"
	}
	if len(b.res.Stated.Affected)+len(b.res.Stated.Unaffected) > 0 {
		st := b.res.Stated
		meta.Stated = &st
	}
	y, err := yaml.Marshal(meta)
	if err != nil {
		return err
	}
	files := append([]txtar.File{}, b.files...)
	if strings.TrimSpace(string(y)) != "{}" {
		files = append(files, txtar.File{Name: repro.MetaFile, Data: y})
	}
	for i := range files {
		if !strings.HasSuffix(string(files[i].Data), "\n") {
			files[i].Data = append(files[i].Data, '\n')
		}
	}
	b.res.Archive = txtar.Format(&txtar.Archive{Comment: []byte(s.String()), Files: files})
	b.res.Name = b.name()
	r, err := repro.Parse(b.res.Name+".txtar", b.res.Archive)
	if err != nil {
		return fmt.Errorf("%s: the imported archive does not parse (a reprokit bug, please report it): %w", b.iss.Source, err)
	}
	b.res.Repro = r
	return nil
}

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9]+`) })

// name is the archive's name: REPO-NUMBER for an issue, else the title's
// first words.
func (b *builder) name() string {
	if b.iss.Repo != "" && b.iss.Number > 0 {
		return fmt.Sprintf("%s_%d", path.Base(b.iss.Repo), b.iss.Number)
	}
	s := strings.Trim(slugRE().ReplaceAllString(strings.ToLower(b.iss.Title), "_"), "_")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "_")
	}
	if s == "" {
		s = "imported"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// quoteWord writes s as one testscript word.
func quoteWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"#$\\{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// execLine is the script line that runs c; neg when it must fail.
func execLine(c Command, neg bool) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, "env "+quoteWord(e))
	}
	w := []string{"exec", c.Prog}
	if c.Prog == "go" {
		w = []string{"go"}
	}
	for _, a := range c.Args {
		w = append(w, quoteWord(a))
	}
	line := strings.Join(w, " ")
	if neg {
		line = "! " + line
	}
	return append(out, line)
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

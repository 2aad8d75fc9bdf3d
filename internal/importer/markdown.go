package importer

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Kind is what a block of an issue holds, as the importer reads it.
type Kind string

// The kinds of block. A block's kind starts from its fence's language and
// is settled by its contents (a `python` block holding a traceback is
// output; an untagged block is Python only if the analysis parses it).
const (
	Python  Kind = "python"  // a Python source
	Session Kind = "session" // a `>>>` interactive session
	Shell   Kind = "shell"   // a transcript of `$ command` lines and their output
	Output  Kind = "output"  // output, a traceback, a crash report
	GoSrc   Kind = "go"      // a Go source file
	Maybe   Kind = "maybe"   // untagged: Python if it parses, else output
	Other   Kind = "other"   // another language (C, diff, TOML …): not used
)

// Block is one code block of the issue, or a `>>>` session written as
// prose (bpo-migrated reports quote sessions without a fence, which
// Markdown reads as nested block quotes).
type Block struct {
	Lang string // the fence's language, lower case ("" untagged)
	Kind Kind
	Text string
	Line int // 1-based line of the block's first line in the issue body
	// Name is the file name the text gives just before the block
	// ("`helper.py`:"), "" when none.
	Name string
	// Lead is the prose just before the block (the last paragraph).
	Lead string
}

// Describe is how error messages list a block.
func (b Block) Describe() string {
	lang := b.Lang
	if lang == "" {
		lang = "untagged"
	}
	first := strings.TrimSpace(firstLine(b.Text))
	if len(first) > 50 {
		first = first[:47] + "..."
	}
	return fmt.Sprintf("line %d: %s block read as %s (%q)", b.Line, lang, b.Kind, first)
}

// Doc is an issue body read with a Markdown parser: its code blocks, and
// its prose (where versions are named).
type Doc struct {
	Blocks []Block
	Prose  string
}

// md is built on first use, not at init: every start of reprokit, four per
// sandboxed run, paid for it (bench/run/RESULTS.md).
var md = sync.OnceValue(func() goldmark.Markdown { return goldmark.New(goldmark.WithExtensions(extension.GFM)) })

// metaLeads are the paragraphs before the fields blocks of a report
// migrated from bugs.python.org: those blocks are tracker metadata written
// as Python, never the reproducer (their versions are still read).
var metaLeads = []string{"GitHub fields:", "bugs.python.org fields:"}

// Parse reads an issue body. Code in fenced and indented blocks is taken
// as it is; prose is gathered for version mentions.
func Parse(body string) Doc {
	src := []byte(strings.ReplaceAll(body, "\r\n", "\n"))
	root := md().Parser().Parse(text.NewReader(src))
	var doc Doc
	var prose strings.Builder
	lead := ""
	lineOf := lineIndex(src)
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			lang := ""
			if n.Info != nil {
				lang = strings.ToLower(strings.Fields(string(n.Info.Segment.Value(src)) + " x")[0])
				lang = strings.Trim(lang, "{}.")
			}
			doc.add(Block{Lang: lang, Text: lines(n, src), Line: blockLine(n, src, lineOf, true), Lead: lead}, lead)
			lead = ""
		case *ast.CodeBlock:
			doc.add(Block{Text: lines(n, src), Line: blockLine(n, src, lineOf, false), Lead: lead}, lead)
			lead = ""
		case *ast.Blockquote:
			// `>>> x` in prose is a block quote three deep: a session.
			if raw := rawText(n, src); strings.HasPrefix(strings.TrimSpace(raw), ">>>") {
				doc.add(Block{Lang: "", Kind: Session, Text: raw, Line: blockLine(n, src, lineOf, false), Lead: lead}, lead)
				lead = ""
				continue
			}
			t := plain(n, src)
			prose.WriteString(t + "\n")
			lead = t
		case *ast.HTMLBlock:
			prose.WriteString(rawText(n, src) + "\n")
		default:
			t := plain(n, src)
			prose.WriteString(t + "\n")
			if strings.TrimSpace(t) != "" {
				lead = t
			}
		}
	}
	doc.Prose = prose.String()
	return doc
}

func (d *Doc) add(b Block, lead string) {
	for _, m := range metaLeads {
		if strings.TrimSpace(lead) == m {
			// Keep its text for versions ("labels = ['3.7']"), not as code.
			d.Prose += b.Text + "\n"
			return
		}
	}
	if b.Kind == "" {
		b.Kind = classify(b.Lang, b.Text)
	}
	b.Name = fileNameIn(lead)
	d.Blocks = append(d.Blocks, b)
}

// lines is a leaf block's text.
func lines(n ast.Node, src []byte) string {
	var b bytes.Buffer
	l := n.Lines()
	for i := 0; i < l.Len(); i++ {
		seg := l.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// rawText is the source of the lines a block spans, as written.
func rawText(n ast.Node, src []byte) string {
	start, stop := span(n)
	if start < 0 {
		return ""
	}
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	for stop < len(src) && src[stop] != '\n' {
		stop++
	}
	// A session quoted as prose: strip nothing; the session parser takes
	// `>>>` and `...` as prompts and the rest as output.
	return string(src[start:stop])
}

// span is the first and last source offset of a block's leaves.
func span(n ast.Node) (int, int) {
	start, stop := -1, -1
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || c.Type() != ast.TypeBlock {
			return ast.WalkContinue, nil
		}
		l := c.Lines()
		for i := 0; i < l.Len(); i++ {
			seg := l.At(i)
			if start < 0 || seg.Start < start {
				start = seg.Start
			}
			stop = max(stop, seg.Stop)
		}
		return ast.WalkContinue, nil
	})
	return start, stop
}

// plain is a block's text without markup: code spans keep their text.
func plain(n ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if c.Type() == ast.TypeBlock {
				b.WriteString("\n")
			}
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteString("\n")
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			b.WriteString("`")
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if tx, ok := t.(*ast.Text); ok {
					b.Write(tx.Segment.Value(src))
				}
			}
			b.WriteString("`")
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			l := c.Segments
			for i := 0; i < l.Len(); i++ {
				seg := l.At(i)
				b.Write(seg.Value(src))
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// lineIndex maps offsets to 1-based lines.
func lineIndex(src []byte) func(int) int {
	return func(off int) int { return 1 + bytes.Count(src[:min(off, len(src))], []byte("\n")) }
}

func blockLine(n ast.Node, src []byte, lineOf func(int) int, fenced bool) int {
	start, _ := span(n)
	if start < 0 {
		return 0
	}
	l := lineOf(start)
	if fenced {
		l-- // the fence line itself
	}
	return max(l, 1)
}

// fileNameRE finds a file name that the prose before a block gives it:
// "`helper.py`:", "In main.py:", "helper.py".
var fileNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("`?([A-Za-z0-9_][A-Za-z0-9_./-]*\\.(?:py|go|mod|txt|json|toml|cfg|ini|pyi|c|h|sh))`?\\s*(?:\\([^)]*\\))?\\s*:?\\s*$")
})

func fileNameIn(lead string) string {
	last := strings.TrimSpace(lead)
	if i := strings.LastIndexAny(last, "\n"); i >= 0 {
		last = strings.TrimSpace(last[i+1:])
	}
	m := fileNameRE().FindStringSubmatch(last)
	if m == nil || strings.Contains(m[1], "..") || strings.HasPrefix(m[1], "/") {
		return ""
	}
	// Only a name that ends the paragraph or is followed by a colon names
	// the block ("`helper.py`:"); one inside a sentence does not.
	if !strings.HasSuffix(last, ":") && len(strings.Fields(last)) > 3 {
		return ""
	}
	return m[1]
}

var (
	tracebackRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*Traceback \(most recent call last\):`) })
	crashRE     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?mi)^.*(Fatal Python error:|Segmentation fault|segfault|core dumped|Assertion .* failed|AddressSanitizer|panic: |fatal error: |internal compiler error)`)
	})
	promptRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^(>>>|\.\.\.)( |$)`) })
	shellRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*[$%>] +\S`) })
	goPkgRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^package \w+\s*$`) })
)

// classify settles a block's kind from its language and contents.
func classify(lang, s string) Kind {
	hasPrompt := promptRE().MatchString(s) && strings.Contains(s, ">>>")
	isOutput := tracebackRE().MatchString(s) || crashRE().MatchString(s)
	switch lang {
	case "pycon", "python-console", "pycon3", "python-repl", "repl":
		return Session
	case "pytb", "py3tb", "traceback", "output", "text", "txt", "plain", "plaintext", "log", "stderr", "stdout", "none", "console", "shell-session", "sh-session", "terminal", "", "python", "py", "python3", "py3", "sh", "shell", "bash", "zsh", "go", "golang":
	default:
		return Other
	}
	switch {
	case hasPrompt && !strings.HasPrefix(lang, "go"):
		return Session
	case shellRE().MatchString(s) && commandIn(s):
		return Shell
	case isShellLang(lang) && bareCommands(s):
		return Shell
	case lang == "go" || lang == "golang":
		if goPkgRE().MatchString(s) {
			return GoSrc
		}
		return Output
	case lang == "python" || lang == "py" || lang == "python3" || lang == "py3":
		if isOutput && !looksLikeCode(s) {
			return Output
		}
		return Python
	case lang == "" && goPkgRE().MatchString(s) && strings.Contains(s, "func "):
		return GoSrc
	case isOutput:
		return Output
	case lang == "":
		return Maybe
	}
	return Output
}

// looksLikeCode tells a source from output that happens to be tagged
// python: a def, an import or an assignment at the start of a line.
func looksLikeCode(s string) bool {
	return regexp.MustCompile(`(?m)^(import |from \S+ import |def |class |[A-Za-z_]\w* = )`).MatchString(s)
}

func isShellLang(lang string) bool {
	switch lang {
	case "sh", "shell", "bash", "zsh", "console", "shell-session", "sh-session", "terminal":
		return true
	}
	return false
}

// bareCommands: a shell block written as a script (no prompts) whose
// first line runs python or go.
func bareCommands(s string) bool {
	first := strings.TrimSpace(firstLine(s))
	return first != "" && (pythonCommand(first) || goCommand(first))
}

// commandIn: a `$ ` line runs python or go.
func commandIn(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		if c, ok := shellCommand(l); ok && (pythonCommand(c) || goCommand(c)) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

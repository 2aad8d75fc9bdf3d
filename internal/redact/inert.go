package redact

import (
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Inert makes Markdown safe to post: outside code spans, code blocks,
// links and HTML, every @mention, issue reference (#N, GH-N,
// OWNER/NAME#N) and bare URL is wrapped in a code span. Text that a repro
// or an imported issue brought in (a title, an output line, a signature)
// then cannot notify a user or a team, cross-reference an issue, or
// autolink when reprokit posts it.
//
// Why a code span, and not a zero-width character after the `@`: GitHub
// turns mentions and references into links on the rendered HTML and skips
// text inside <code>, <pre> and <a> (html-pipeline's MentionFilter and
// IssueMentionFilter, IGNORE_PARENTS), and GFM autolinks no URL inside a
// code span; a code span also keeps the text byte for byte, so a
// maintainer who copies `@x/y` or a traceback line into a search gets what
// was printed, not a string with an invisible character in it.
func Inert(md string) string {
	src := []byte(md)
	doc := inertMD.Parser().Parse(text.NewReader(src))
	var spans [][2]int
	stray := map[int]bool{} // lengths of backtick runs the parser left as text
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock, *ast.HTMLBlock, *ast.RawHTML, *ast.Link, *ast.Image:
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			// <https://…> written out: a link in its own right.
			if s, ok := autoLinkSpan(n, src); ok {
				spans = append(spans, s)
			}
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			for _, run := range tickRunRE.FindAll(n.Segment.Value(src), -1) {
				stray[len(run)] = true
			}
			// Adjacent text nodes form one run: a mention split by the
			// parser (at `_`, `*`) is still found whole.
			if prev, ok := n.PreviousSibling().(*ast.Text); ok && prev.Segment.Stop == n.Segment.Start {
				return ast.WalkContinue, nil
			}
			start, stop := n.Segment.Start, n.Segment.Stop
			for next, ok := n.NextSibling().(*ast.Text); ok && next.Segment.Start == stop; next, ok = next.NextSibling().(*ast.Text) {
				stop = next.Segment.Stop
			}
			run := src[start:stop]
			for _, m := range liveRE.FindAllSubmatchIndex(run, -1) {
				// What follows a wrapped span directly ("@a#1") starts a
				// text node once the span is code, where GitHub would link
				// it: it joins the span.
				end := m[3]
				for end < len(run) {
					loc := liveAtRE.FindIndex(run[end:])
					if loc == nil || loc[1] == 0 {
						break
					}
					end += loc[1]
				}
				spans = append(spans, [2]int{start + m[2], start + end})
			}
		}
		return ast.WalkContinue, nil
	})
	if len(spans) == 0 {
		return md
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	fence := "`"
	for len(fence) < 64 && stray[len(fence)] {
		fence += "`"
	}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		if s[0] < last {
			continue
		}
		// A backtick right beside the span (a stray one, or a code span's
		// own) would merge with its fence into another run: a space keeps
		// them apart.
		pre, post := "", ""
		if s[0] > 0 && src[s[0]-1] == '`' {
			pre = " "
		}
		if s[1] < len(src) && src[s[1]] == '`' {
			post = " "
		}
		b.Write(src[last:s[0]])
		b.WriteString(pre + fence + string(src[s[0]:s[1]]) + fence + post)
		last = s[1]
	}
	b.Write(src[last:])
	return b.String()
}

// InertTitle is Inert for an issue title: one line, no Markdown blocks.
func InertTitle(title string) string {
	t := strings.Join(strings.Fields(title), " ")
	// A title read as Markdown could start a heading or a list: the
	// spans are found in it as the text of a paragraph.
	return strings.TrimPrefix(Inert("\u200b"+t), "\u200b")
}

var inertMD = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// live is what GitHub turns live: @user and @org/team, #12 and
// owner/repo#12, GH-12, bare URLs.
const live = `@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:/[a-z0-9_.-]+)?` +
	`|(?:[a-z0-9_.-]+/[a-z0-9_.-]+)?\\?#[0-9]+\b` +
	`|\bgh-[0-9]+\b` +
	`|(?:https?://|www\.)[^\s<>` + "`" + `]*[^\s<>.,;:!?"')\]` + "`" + `]`

var (
	// liveRE finds each live thing (group 1) where GitHub would see it:
	// after the start of a text node or a character that ends a word.
	liveRE = regexp.MustCompile(`(?i)(?:^|[^a-z0-9_` + "`" + `&/\\@.-])(` + live + `)`)
	// liveAtRE is a live thing right at the start.
	liveAtRE = regexp.MustCompile(`(?i)^(?:` + live + `)`)
)

func autoLinkSpan(n *ast.AutoLink, src []byte) ([2]int, bool) {
	label := string(n.Label(src))
	from := 0
	if prev := n.PreviousSibling(); prev != nil {
		if t, ok := prev.(*ast.Text); ok {
			from = t.Segment.Stop
		}
	}
	i := strings.Index(string(src[from:]), "<"+label+">")
	if i < 0 {
		return [2]int{}, false
	}
	return [2]int{from + i, from + i + len(label) + 2}, true
}

// tickRunRE is a run of backticks. The fence of the spans Inert adds is
// one no stray run (a backtick the parser left as text) has, so that it
// pairs only with its own closing run; the code spans the text already has
// are parsed left to right with the new ones and keep their pairs.
var tickRunRE = regexp.MustCompile("`+")

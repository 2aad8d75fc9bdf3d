package importer

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
)

var (
	iceRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)(internal compiler error: .+?)\s*$`) })
	goPanicRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^((?:panic|fatal error): .+?)\s*$`) })
	goTestRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^func Test\w*\(`) })
	goModRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^module \S+`) })
)

// buildGo makes a module of the Go blocks: named files as named,
// an unnamed package main as main.go (a test as repro_test.go), a go.mod
// unless the issue gives one, and the command from the transcript or from
// what the output shows (a compiler crash builds, a panic runs).
func (b *builder) buildGo() {
	hasMod := false
	n := 0
	for _, bl := range b.doc.Blocks {
		name := bl.Name
		switch {
		case bl.Kind == GoSrc && name == "":
			if n > 0 {
				continue // later unnamed blocks are usually the fix or a variant
			}
			name = "main.go"
			if goTestRE().MatchString(bl.Text) && !strings.Contains(bl.Text, "func main()") {
				name = "repro_test.go"
			}
			n++
		case bl.Kind != GoSrc && !(name == "go.mod" || goModRE().MatchString(bl.Text) && strings.HasPrefix(strings.TrimSpace(bl.Text), "module ")):
			continue
		}
		if name == "" {
			name = "go.mod"
		}
		if name == "go.mod" {
			hasMod = true
		}
		if !hasFile(b.files, name) {
			b.files = append(b.files, txtar.File{Name: name, Data: []byte(bl.Text)})
		}
	}
	if !hasMod {
		goLine := "1.21"
		if st := StatedVersions(b.iss.Title+"\n"+b.doc.Prose, "go"); len(st.Affected) > 0 {
			// The oldest release the issue names: the language it was written in.
			parts := strings.SplitN(st.Affected[0], ".", 3)
			goLine = parts[0] + "." + parts[1]
		}
		b.files = append([]txtar.File{{Name: "go.mod", Data: []byte(fmt.Sprintf("module repro\n\ngo %s\n", goLine))}}, b.files...)
	}
	var all strings.Builder
	for _, st := range b.goSteps() {
		all.WriteString(st.Output + "\n")
	}
	for _, bl := range b.blocks(Output) {
		if !expectedLead(bl.Lead) {
			all.WriteString(bl.Text + "\n")
		}
	}
	out := all.String()
	cmd := Command{Prog: "go", Args: []string{"run", "."}}
	if hasFile(b.files, "repro_test.go") {
		cmd.Args = []string{"test", "."}
	}
	if steps := b.goSteps(); len(steps) > 0 {
		cmd = steps[0].Command
		for i, a := range cmd.Args {
			if strings.HasSuffix(a, ".go") && !hasFile(b.files, a) {
				cmd.Args[i] = "."
			}
		}
	}
	var line, shown string
	neg := false
	switch {
	case iceRE().MatchString(out):
		shown = iceRE().FindStringSubmatch(out)[1]
		if len(b.goSteps()) == 0 {
			cmd.Args = []string{"build", "."}
		}
		line, neg = "stderr "+quoteWord(goRegex(shown)), true
	case goPanicRE().MatchString(out):
		shown = goPanicRE().FindStringSubmatch(out)[1]
		line, neg = "stderr "+quoteWord("^"+goRegex(shown)), true
	default:
		if d := distinctive(out); d != "" {
			shown = d
			line = "stdout " + quoteWord("^"+regexOf(d)+"$")
		}
	}
	b.script = append(b.script, execLine(cmd, neg)...)
	if line != "" {
		b.script = append(b.script, line)
		b.res.Assertion = shown
	}
}

// goRegex escapes a Go error line, loosening goroutine numbers and
// addresses.
func goRegex(line string) string {
	q := regexOf(line)
	return regexp.MustCompile(`goroutine \d+`).ReplaceAllString(q, `goroutine \d+`)
}

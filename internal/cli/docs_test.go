package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/reprokit/reprokit/docs"
)

// A default computed from the machine (the CPU count) is shown in words:
// otherwise the generated reference differs from one machine to the next,
// and TestReferenceIsCurrent fails on every machine but the one that
// generated it (import's -j once said "default 2").
func TestNoDefaultDependsOnTheMachine(t *testing.T) {
	cpus := strconv.Itoa(runtime.NumCPU())
	for _, c := range NewRoot(NewFactory(ios())).Commands() {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "jobs" && f.DefValue != "the number of CPUs" {
				t.Errorf("reprokit %s --jobs: default %q (this machine has %s CPUs); register it with jobsFlag", c.Name(), f.DefValue, cpus)
			}
		})
	}
}

// The generated pages must be worth reading: every command has a Long
// text and examples, and every flag says what it does.
func TestEveryCommandIsDocumented(t *testing.T) {
	for _, c := range NewRoot(NewFactory(ios())).Commands() {
		if !c.IsAvailableCommand() || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Long == "" || c.Example == "" {
			t.Errorf("reprokit %s: want a Long text and an Example", c.Name())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Name != "help" && len(strings.Fields(f.Usage)) < 3 {
				t.Errorf("reprokit %s --%s: help %q is too terse to document it", c.Name(), f.Name, f.Usage)
			}
		})
	}
}

// `reprokit help TOPIC` prints the docs page itself, and the root's help
// lists every topic.
func TestHelpTopicsPrintTheirPage(t *testing.T) {
	for _, topic := range helpTopics {
		want, err := docs.Page(topic.page)
		if err != nil {
			t.Fatal(err)
		}
		io, out, _ := Test()
		root := NewRoot(NewFactory(io))
		root.SetArgs([]string{"help", topic.name})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out.String()) != strings.TrimSpace(want) {
			t.Errorf("reprokit help %s does not print docs/%s", topic.name, topic.page)
		}
		io, out, _ = Test()
		root = NewRoot(NewFactory(io))
		root.SetArgs([]string{"help"})
		root.Execute()
		if !strings.Contains(out.String(), "reprokit "+topic.name) {
			t.Errorf("reprokit help does not list the topic %s", topic.name)
		}
	}
}

// docs/exit-codes.md is where the codes are explained: its first list
// names exactly the codes Main returns, and every command that --help
// quotes a section of has one.
func TestExitCodesPageAgrees(t *testing.T) {
	page, err := docs.Page("exit-codes.md")
	if err != nil {
		t.Fatal(err)
	}
	intro, _, _ := strings.Cut(page, "\n## ")
	codes := regexp.MustCompile(`(?m)^- (\d+):`).FindAllStringSubmatch(intro, -1)
	var got []string
	for _, c := range codes {
		got = append(got, c[1])
	}
	if strings.Join(got, " ") != "0 1 2 3" {
		t.Errorf("docs/exit-codes.md lists codes %v, want 0 1 2 3 (ExitOK, ExitNotAsBefore, ExitUsage, ExitHarness)", got)
	}
	if ExitOK != 0 || ExitNotAsBefore != 1 || ExitUsage != 2 || ExitHarness != 3 {
		t.Errorf("the exit codes changed: update docs/exit-codes.md")
	}
	for _, c := range NewRoot(NewFactory(ios())).Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" && c.Name() != "completion" && docs.Section(page, "reprokit "+c.Name()) == "" {
			t.Errorf("docs/exit-codes.md has no section for reprokit %s", c.Name())
		}
	}
}

// The words for --isolation are the same in the docs, in every
// command's --help, and in the code that reads the flag: each value the
// help names is accepted, nothing else is, and no page names another.
func TestIsolationWordsAgree(t *testing.T) {
	words := strings.Split(strings.NewReplacer(",", "", " or ", " ").Replace(isolationWords), " ")
	pages, _ := filepath.Glob("../../docs/*.md")
	named := regexp.MustCompile("--isolation[= ]([a-z][a-z-]*)")
	for _, path := range pages {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllStringSubmatch(string(data), -1) {
			found := false
			for _, w := range words {
				found = found || m[1] == w
			}
			if !found {
				t.Errorf("%s: --isolation %s is not one of %s", path, m[1], isolationWords)
			}
		}
	}
	sec, _ := os.ReadFile("../../docs/security.md")
	if !strings.Contains(string(sec), "`--isolation process-group`") || !strings.Contains(string(sec), "`auto` refuses") {
		t.Errorf("docs/security.md no longer says that auto refuses and process-group is only on request")
	}
	f := NewFactory(ios())
	for _, c := range NewRoot(f).Commands() {
		if fl := c.Flags().Lookup("isolation"); fl != nil && (fl.Usage != isolationHelp || fl.DefValue != "auto") {
			t.Errorf("%s --isolation: help %q default %q, want %q default auto", c.Name(), fl.Usage, fl.DefValue, isolationHelp)
		}
	}
	for _, w := range words {
		if !strings.Contains(isolationHelp, w) {
			t.Errorf("help does not name %q", w)
		}
		if _, _, err := f.Isolation(w); err != nil {
			t.Errorf("--isolation %s is named but refused: %v", w, err)
		}
	}
	if _, _, err := f.Isolation("process"); err == nil {
		t.Errorf("--isolation process is accepted but not named")
	}
	if _, probe, _ := f.Isolation("auto"); probe == nil {
		t.Errorf("auto must check for namespaces before the first run (it never falls back)")
	}
}

// docs/README.md lists every page of docs/, the README links to it, and
// every relative link in the README and docs/ (generated pages included)
// resolves to a file that exists.
func TestDocsIndexAndLinks(t *testing.T) {
	index, err := os.ReadFile("../../docs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob("../../docs/*.md")
	for _, p := range pages {
		if name := filepath.Base(p); name != "README.md" && !strings.Contains(string(index), "("+name+")") {
			t.Errorf("docs/README.md does not link to %s", name)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "(docs/README.md)") {
		t.Errorf("README.md does not link to docs/README.md")
	}
	if n := bytes.Count(readme, []byte("\n")); n > 250 {
		t.Errorf("README.md has %d lines; keep it to 250 and move the rest to docs/", n)
	}
	link := regexp.MustCompile(`\]\(([^)#:\s]+)(#[^)]*)?\)`)
	files := append([]string{"../../README.md"}, pages...)
	gen, _ := filepath.Glob("../../docs/cmd/*.md")
	files = append(files, gen...)
	bench, _ := filepath.Glob("../../bench/*/RESULTS.md")
	files = append(files, bench...)
	var broken []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := filepath.Join(filepath.Dir(file), m[1])
			if _, err := os.Stat(target); err != nil {
				broken = append(broken, strings.TrimPrefix(file, "../../")+" → "+m[1])
			}
		}
	}
	sort.Strings(broken)
	for _, b := range broken {
		t.Errorf("broken link: %s", b)
	}
}

// docs/architecture.md names every internal package.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	data, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	arch := string(data)
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == ".." || strings.Contains(path, "testdata") {
			return err
		}
		if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) == 0 {
			return nil
		}
		name := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		if !strings.Contains(arch, "`"+name+"`") {
			t.Errorf("docs/architecture.md does not name package %s", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ios() *IOStreams { s, _, _ := Test(); return s }

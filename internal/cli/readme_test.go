package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The README documents every command and every flag: the list cannot go
// stale without this test failing.
func TestREADMECoversCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	ios, _, _ := Test()
	for _, c := range NewRoot(NewFactory(ios)).Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !strings.Contains(readme, "### reprokit "+c.Name()) {
			t.Errorf("README has no section \"### reprokit %s\"", c.Name())
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && !f.Hidden && !strings.Contains(readme, "`--"+f.Name) {
				t.Errorf("README does not document %s --%s", c.Name(), f.Name)
			}
		})
	}
}

// The words for --isolation are the same in the README, in every
// command's --help, and in the code that reads the flag: each value the
// help names is accepted, and nothing else is.
func TestIsolationWordsAgree(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.ReplaceAll(string(data), "`", "")
	want := strings.TrimPrefix(isolationHelp, "sandbox: ")
	if !strings.Contains(readme, "| --isolation | auto | "+want+" |") {
		t.Errorf("README's --isolation row does not say %q", want)
	}
	ios, _, _ := Test()
	f := NewFactory(ios)
	for _, c := range NewRoot(f).Commands() {
		if fl := c.Flags().Lookup("isolation"); fl != nil && (fl.Usage != isolationHelp || fl.DefValue != "auto") {
			t.Errorf("%s --isolation: help %q default %q, want %q default auto", c.Name(), fl.Usage, fl.DefValue, isolationHelp)
		}
	}
	for _, w := range strings.Split(strings.NewReplacer(",", "", " or ", " ").Replace(isolationWords), " ") {
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

// The README's "Architecture" section names every internal package.
func TestREADMEArchitectureNamesEveryPackage(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, arch, ok := strings.Cut(string(data), "\n## Architecture\n")
	if !ok {
		t.Fatal(`README has no "## Architecture" section`)
	}
	arch, _, _ = strings.Cut(arch, "\n## ")
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == ".." || strings.Contains(path, "testdata") {
			return err
		}
		if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) == 0 {
			return nil
		}
		name := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		if !strings.Contains(arch, "`"+name+"`") {
			t.Errorf("README Architecture does not name package %s", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

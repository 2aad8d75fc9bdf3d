package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/reprokit/reprokit/docs"
)

// ReferenceDir is where the generated command reference lives, relative
// to the repository root; RegenerateCommand rewrites it.
const (
	ReferenceDir      = "docs/cmd"
	RegenerateCommand = "go run ./cmd/gen-docs"
)

// Reference renders the command reference with cobra's doc generator:
// one Markdown page per command (reprokit.md, reprokit_run.md …), by file
// name. Help topics are not pages of their own: they are docs/*.md.
func Reference() (map[string][]byte, error) {
	ios, _, _ := Test()
	root := NewRoot(NewFactory(ios))
	pages := map[string][]byte{}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		c.DisableAutoGenTag = true // a date would make every page stale tomorrow
		var buf bytes.Buffer
		if err := doc.GenMarkdownCustom(c, &buf, func(link string) string { return link }); err != nil {
			return err
		}
		pages[strings.ReplaceAll(c.CommandPath(), " ", "_")+".md"] = buf.Bytes()
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	// cobra's generator leaves the help topics out; the root page names
	// them, linking to the docs pages they print.
	var topics bytes.Buffer
	topics.WriteString("### Help topics\n\n")
	for _, t := range helpTopics {
		text, err := docs.Page(t.page)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&topics, "* [reprokit help %s](../%s)\t - %s\n", t.name, t.page, docs.Title(text))
	}
	pages["reprokit.md"] = append(pages["reprokit.md"], topics.Bytes()...)
	return pages, nil
}

// WriteReference writes the reference into dir, removing pages of
// commands that no longer exist.
func WriteReference(dir string) error {
	pages, err := Reference()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, path := range old {
		if _, ok := pages[filepath.Base(path)]; !ok {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
	}
	for name, data := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// jobsFlag registers -j/--jobs, by default the number of CPUs; the help
// says so in words, so the generated reference is the same on every
// machine.
func jobsFlag(fl *pflag.FlagSet, p *int, usage string) {
	fl.IntVarP(p, "jobs", "j", runtime.NumCPU(), usage)
	fl.Lookup("jobs").DefValue = "the number of CPUs"
}

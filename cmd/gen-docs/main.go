// Command gen-docs writes reprokit's command reference, docs/cmd/*.md,
// from the cobra tree with cobra's doc generator. Run it from the
// repository root after changing a command or a flag:
//
//	go run ./cmd/gen-docs
//
// `go test ./cmd/gen-docs/` fails while a page is stale. The generator
// lives here, not in internal/cli, so that the reprokit binary does not
// carry cobra's doc generator and its Markdown renderer: their package
// initialisation ran at every start of reprokit, four per sandboxed run
// (bench/run/RESULTS.md).
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/reprokit/reprokit/docs"
	"github.com/reprokit/reprokit/internal/cli"
)

// referenceDir is where the generated command reference lives, relative
// to the repository root; regenerate is the command that rewrites it.
const (
	referenceDir = "docs/cmd"
	regenerate   = "go run ./cmd/gen-docs"
)

func main() {
	if err := writeReference(referenceDir); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v (run it from the repository root)\n", err)
		os.Exit(1)
	}
}

// reference renders the command reference with cobra's doc generator:
// one Markdown page per command (reprokit.md, reprokit_run.md …), by file
// name. Help topics are not pages of their own: they are docs/*.md.
func reference() (map[string][]byte, error) {
	ios, _, _ := cli.Test()
	root := cli.NewRoot(cli.NewFactory(ios))
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
	names, files := cli.HelpTopics()
	for i, name := range names {
		text, err := docs.Page(files[i])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&topics, "* [reprokit help %s](../%s)\t - %s\n", name, files[i], docs.Title(text))
	}
	pages["reprokit.md"] = append(pages["reprokit.md"], topics.Bytes()...)
	return pages, nil
}

// writeReference writes the reference into dir, removing pages of
// commands that no longer exist.
func writeReference(dir string) error {
	pages, err := reference()
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

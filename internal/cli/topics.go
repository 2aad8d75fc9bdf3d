package cli

import (
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/docs"
)

// helpTopics are the docs/ pages `reprokit help TOPIC` prints: cobra's
// additional help topics, whose text is the page itself.
var helpTopics = []struct{ name, page string }{
	{"format", "repro-format.md"},
	{"verdicts", "verdicts.md"},
	{"exit-codes", "exit-codes.md"},
	{"security", "security.md"},
}

// HelpTopics names each help topic and the docs/ page it prints: the
// reference's root page lists them (cmd/gen-docs).
func HelpTopics() (names, pages []string) {
	for _, t := range helpTopics {
		names, pages = append(names, t.name), append(pages, t.page)
	}
	return names, pages
}

func addHelpTopics(root *cobra.Command) {
	for _, t := range helpTopics {
		text, err := docs.Page(t.page)
		if err != nil {
			panic(err) // the pages are embedded: a missing one is a build mistake, caught by the tests
		}
		root.AddCommand(&cobra.Command{Use: t.name, Short: docs.Title(text), Long: text})
	}
}

// exitStatus is the "Exit status:" paragraph of the command's --help,
// taken from its section of docs/exit-codes.md, the one place it is kept.
func exitStatus(command string) string {
	text, err := docs.Page("exit-codes.md")
	if err != nil {
		panic(err)
	}
	sec := docs.Section(text, "reprokit "+command)
	if sec == "" {
		panic("docs/exit-codes.md has no section for reprokit " + command)
	}
	return "Exit status (reprokit help exit-codes):\n" + sec
}

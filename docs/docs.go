// Package docs is reprokit's user documentation: the Markdown pages in
// this directory, embedded so that `reprokit help TOPIC` prints the page
// itself rather than a second copy kept by hand. docs/cmd/ is generated
// from the cobra tree by `go run ./cmd/gen-docs`.
package docs

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.md
var pages embed.FS

// Page returns the text of docs/NAME (e.g. "verdicts.md").
func Page(name string) (string, error) {
	data, err := pages.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("docs: no page %q", name)
	}
	return string(data), nil
}

// Title is the page's first "# " heading.
func Title(page string) string {
	for _, line := range strings.Split(page, "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			return strings.TrimSpace(strings.ReplaceAll(t, "`", ""))
		}
	}
	return ""
}

// Section returns the body of the page's "## " section whose heading
// names item among its comma-separated parts ("## reprokit draft,
// reprokit toolchains"), up to the next heading, trimmed; "" if none.
func Section(page, item string) string {
	for _, sec := range strings.Split(page, "\n## ")[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		for _, part := range strings.Split(head, ",") {
			if strings.TrimSpace(part) == item {
				body, _, _ = strings.Cut(body, "\n#")
				return strings.TrimSpace(body)
			}
		}
	}
	return ""
}

package sandbox

import (
	"fmt"
	"strings"
)

// Commands is a script that runs each argv in turn (`exec` lines, so each
// goes through the output cap), stopping at the first that fails: how
// reprokit runs a program of its own choosing — an installer — in a
// sandbox. Every word is quoted, so no argument is read as a variable, a
// comment or a second word; a word with a line break or a NUL byte, which
// no quoting carries, is an error.
func Commands(title string, cmds ...[]string) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", strings.ReplaceAll(title, "\n", " "))
	for _, argv := range cmds {
		if len(argv) == 0 {
			return nil, fmt.Errorf("an empty command")
		}
		b.WriteString("exec")
		for _, w := range argv {
			if strings.ContainsAny(w, "\n\r\x00") {
				return nil, fmt.Errorf("argument %q: a line break or NUL byte cannot be passed", w)
			}
			b.WriteString(" '" + strings.ReplaceAll(w, "'", "''") + "'")
		}
		b.WriteString("\n")
	}
	return []byte(b.String()), nil
}

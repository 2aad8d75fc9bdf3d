package runner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// notFoundRE is the shim's message for a program it could not find, with
// the PATH it searched.
var notFoundRE = regexp.MustCompile(`reprokit: exec: "([^"]+)": executable file not found in \$PATH \(PATH=([^)\n]*)\)`)

// MissingProgram says, when res did not reproduce because a program the
// script runs is not there (its exec ended with 127 and the shim said so),
// which program and where the script looked: PATH inside the sandbox, and
// what the directory of toolchain shims holds. "" otherwise.
func MissingProgram(res Result, tc toolchain.Toolchain) string {
	if res.Signature == nil || res.Signature.Status != "exit 127" {
		return ""
	}
	m := notFoundRE.FindStringSubmatch(res.Output)
	if m == nil {
		m = notFoundRE.FindStringSubmatch(res.Log)
	}
	if m == nil {
		return ""
	}
	var names []string
	for _, t := range tools(tc, "") {
		names = append(names, t.Name)
	}
	held := "nothing"
	if len(names) > 0 {
		held = strings.Join(names, ", ")
	}
	return fmt.Sprintf("%q is not on the script's PATH (%s, inside the sandbox; $REPROKIT_BIN holds the programs of %s: %s)", m[1], m[2], tc.Name, held)
}

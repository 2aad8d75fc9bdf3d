// Command gen-docs writes reprokit's command reference, docs/cmd/*.md,
// from the cobra tree with cobra's doc generator. Run it from the
// repository root after changing a command or a flag:
//
//	go run ./cmd/gen-docs
//
// `go test ./internal/cli/` fails while a page is stale.
package main

import (
	"fmt"
	"os"

	"github.com/reprokit/reprokit/internal/cli"
)

func main() {
	if err := cli.WriteReference(cli.ReferenceDir); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v (run it from the repository root)\n", err)
		os.Exit(1)
	}
}

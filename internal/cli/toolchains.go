package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

func newToolchainsCmd(ios *IOStreams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "toolchains",
		Short: "List the interpreters and compilers reprokit found, and the sandbox it can use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := toolchain.Discover(cmd.Context(), os.Getenv)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(ios.Out)
				for _, t := range all {
					enc.Encode(t)
				}
				return nil
			}
			for i, t := range all {
				def := ""
				if i == 0 && t.Kind == "python" {
					def = "  (default)"
				}
				fmt.Fprintf(ios.Out, "%-7s %-16s %-8s %s%s\n", t.Kind, t.Name, t.Source, t.Path, def)
			}
			iso, err := sandbox.Probe(cmd.Context())
			if err != nil {
				fmt.Fprintf(ios.Out, "\nsandbox: %s (namespaces unavailable: %v)\n", iso, err)
			} else {
				fmt.Fprintf(ios.Out, "\nsandbox: %s\n", iso)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per toolchain")
	return cmd
}

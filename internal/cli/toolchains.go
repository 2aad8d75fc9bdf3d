package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// ToolchainsOptions are the parsed flags of `reprokit toolchains`.
type ToolchainsOptions struct {
	JSON bool
}

// NewCmdToolchains is `reprokit toolchains`; runF, if not nil, replaces its run function.
func NewCmdToolchains(f *Factory, runF func(context.Context, *ToolchainsOptions) error) *cobra.Command {
	opts := &ToolchainsOptions{}
	cmd := &cobra.Command{
		Use:   "toolchains",
		Short: "List the interpreters and compilers reprokit found, and the sandbox it can use",
		Long: `List the toolchains found, with version, source and path: python3 on PATH
(the default), python3.X on PATH, pyenv, uv-managed Pythons and
/usr/bin/python3.*; go on PATH, go1.X.Y wrappers, the releases in the
module cache and ~/sdk/go*. Then the sandbox this machine gives
(namespaces, or process-group and why).

Free-threaded and debug builds are toolchains of their own
(cpython-3.13.0t). Probes are cached, keyed by path, size and mtime.
Discovery and selection: docs/toolchains.md.

` + exitStatus("toolchains"),
		Example: `  reprokit toolchains
  reprokit toolchains --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runToolchains(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "one JSON object per toolchain")
	return cmd
}

func runToolchains(ctx context.Context, f *Factory, opts *ToolchainsOptions) error {
	all, err := toolchain.Discover(ctx, f.Env)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		for _, t := range all {
			enc.Encode(t)
		}
		return nil
	}
	for i, t := range all {
		def := ""
		if i == 0 && t.Kind == toolchain.Python {
			def = "  (default)"
		}
		fmt.Fprintf(f.IO.Out, "%-7s %-16s %-8s %s%s\n", t.Kind, t.Name, t.Source, t.Path, def)
	}
	iso, err := f.Probe(ctx)
	if err != nil {
		fmt.Fprintf(f.IO.Out, "\nsandbox: %s (namespaces unavailable: %v)\n", iso, err)
	} else {
		fmt.Fprintf(f.IO.Out, "\nsandbox: %s\n", iso)
	}
	return nil
}

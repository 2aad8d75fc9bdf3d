package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// ToolchainsOptions are the parsed flags of `reprokit toolchains`.
type ToolchainsOptions struct {
	JSON      bool
	Available bool // list what could be fetched too
}

// NewCmdToolchains is `reprokit toolchains`; runF, if not nil, replaces its run function.
func NewCmdToolchains(f *Factory, runF func(context.Context, *ToolchainsOptions) error) *cobra.Command {
	opts := &ToolchainsOptions{}
	cmd := &cobra.Command{
		Use:   "toolchains",
		Short: "List the interpreters and compilers reprokit found, where each came from, and the sandbox it can use",
		Long: `List the toolchains found, with version, source and path: python3 on PATH
(the default), python3.X on PATH, pyenv, uv-managed Pythons, the CPython
releases reprokit fetched and /usr/bin/python3.*; go on PATH, go1.X.Y
wrappers, the releases in the module cache and ~/sdk/go*. Then the sandbox
this machine gives (namespaces, or process-group and why).

The source column says where each came from: PATH, system (/usr/bin),
pyenv, uv-managed (installed by the user's uv), fetched (by reprokit:
CPython through uv into $XDG_CACHE_HOME/reprokit/python, Go through the
module proxy), and for Go wrapper, modcache and sdk.

With --available it also lists what --python and --go could fetch: the
CPython builds in uv's download list (UV_PYTHON_DOWNLOADS_JSON_URL is
honoured) and the Go releases the module proxy publishes.

Free-threaded and debug builds are toolchains of their own
(cpython-3.13.0t). Probes are cached, keyed by path, size and mtime.
Discovery and selection: docs/toolchains.md; fetching CPython:
docs/fetching-python.md.

` + exitStatus("toolchains"),
		Example: `  reprokit toolchains
  reprokit toolchains --json
  reprokit toolchains --available`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runToolchains(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "one JSON object per toolchain")
	cmd.Flags().BoolVar(&opts.Available, "available", false, "also list the releases that could be fetched: CPython through uv, Go through the module proxy")
	return cmd
}

func runToolchains(ctx context.Context, f *Factory, opts *ToolchainsOptions) error {
	all, err := toolchain.Discover(ctx, f.Env)
	if err != nil {
		return err
	}
	var avail []available
	if opts.Available {
		avail = availableReleases(ctx, f, all)
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		for _, t := range all {
			enc.Encode(t)
		}
		for _, a := range avail {
			enc.Encode(a)
		}
		return nil
	}
	for i, t := range all {
		def := ""
		if i == 0 && t.Kind == toolchain.Python {
			def = "  (default)"
		}
		fmt.Fprintf(f.IO.Out, "%-7s %-16s %-10s %s%s\n", t.Kind, t.Name, t.Source, t.Path, def)
	}
	if opts.Available {
		fmt.Fprintln(f.IO.Out)
		for _, a := range avail {
			if a.Error != "" {
				fmt.Fprintf(f.IO.Out, "%-7s cannot list the releases to fetch: %s\n", a.Kind, a.Error)
				continue
			}
			fmt.Fprintf(f.IO.Out, "%-7s %-16s %-10s %s\n", a.Kind, a.Name, a.State, a.From)
		}
	}
	iso, err := f.Probe(ctx)
	if err != nil {
		fmt.Fprintf(f.IO.Out, "\nsandbox: %s (namespaces unavailable: %v)\n", iso, err)
	} else {
		fmt.Fprintf(f.IO.Out, "\nsandbox: %s\n", iso)
	}
	return nil
}

// available is one release that could be fetched, or why none can be
// listed for a kind.
type available struct {
	Kind  toolchain.Kind `json:"kind"`
	Name  string         `json:"name,omitempty"`
	State string         `json:"state,omitempty"` // "available", or "here" when it is on this machine already
	From  string         `json:"from,omitempty"`  // uv's name for it, or the Go module version
	Error string         `json:"error,omitempty"`
}

// availableReleases lists the CPython builds uv can fetch (newest first)
// and the Go releases the module proxy publishes (newest first).
func availableReleases(ctx context.Context, f *Factory, all []toolchain.Toolchain) []available {
	here := map[string]bool{}
	for _, t := range all {
		here[string(t.Kind)+" "+t.Version] = true
	}
	state := func(k toolchain.Kind, v string) string {
		if here[string(k)+" "+v] {
			return "here"
		}
		return "available"
	}
	var out []available
	dl, err := toolchain.NewUV(f.Env).Downloads(ctx)
	if err != nil {
		out = append(out, available{Kind: toolchain.Python, Error: err.Error()})
	}
	for _, d := range dl {
		out = append(out, available{Kind: toolchain.Python, Name: "cpython-" + d.Version, State: state(toolchain.Python, d.Version), From: d.Key})
	}
	rel, err := (&toolchain.GoFetcher{}).Releases(ctx)
	if err != nil {
		out = append(out, available{Kind: toolchain.Go, Error: err.Error()})
	}
	for i := len(rel) - 1; i >= 0; i-- {
		v := strings.TrimPrefix(rel[i], "go")
		if strings.Count(v, ".") == 1 {
			v += ".0"
		}
		out = append(out, available{Kind: toolchain.Go, Name: rel[i], State: state(toolchain.Go, v), From: toolchain.GoToolchainModule + "@" + toolchain.GoModuleVersion(rel[i])})
	}
	return out
}

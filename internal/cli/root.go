// Package cli is reprokit's command tree (cobra), and only that: each
// command is a constructor NewCmdX(f, runF) that parses argv into an
// options struct and hands it to a run function (runF in tests), which
// calls one domain package's workflow and prints its outcome. Errors are
// mapped to exit codes in one place, Main. See docs/architecture.md.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/usage"
)

// Exit codes, documented in docs/exit-codes.md (`reprokit help exit-codes`).
const (
	ExitOK          = 0 // every run reproduced (or matched its recorded expectation)
	ExitNotAsBefore = 1 // some run did not reproduce and did not match its expectation
	ExitUsage       = 2 // bad flags, bad input files
	ExitHarness     = 3 // a run ended in `error`: the harness failed or a time limit hit
)

// ExitError carries an exit code, and a message when the output has not
// said it all.
type ExitError struct {
	Code int
	msg  string
}

func (e *ExitError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("exit %d", e.Code)
}

func usagef(format string, args ...any) error { return usage.Errorf(format, args...) }

// Main runs reprokit with args (without the program name) and returns the
// exit code.
func Main(args []string) int {
	// Internal entry points, kept off cobra's path: the shim runs once per
	// interpreter start inside every sandbox.
	if len(args) > 0 {
		switch args[0] {
		case "__shim":
			return sandbox.ShimMain(args[1:])
		case "__sandbox":
			if len(args) != 2 {
				return ExitUsage
			}
			return sandbox.ChildMain(args[1])
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := NewFactory(System())
	root := NewRoot(f)
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(ctx), f.IO)
}

func exitCode(err error, ios *IOStreams) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(ios.ErrOut, "reprokit: %s\n", ee.msg)
		}
		return ee.Code
	}
	fmt.Fprintf(ios.ErrOut, "reprokit: %v\n", err)
	var ue *usage.Error
	var at *usage.At // an archive's or a profile's file:line
	var dup *forge.Duplicates
	switch {
	case errors.As(err, &ue), errors.As(err, &at):
		return ExitUsage
	case errors.As(err, &dup):
		return ExitNotAsBefore
	}
	return ExitHarness
}

// NewRoot builds the command tree.
func NewRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "reprokit",
		Short: "Run, minimize, report and regression-test upstream bug repros",
		Long: `reprokit is a workbench for bugs in software you do not maintain.
A repro is a testscript .txtar archive whose script asserts the buggy
behaviour; reprokit runs it in isolation on each toolchain and gives a verdict.

The loop: run a repro, minimize it, draft the upstream issue, file it,
check the corpus on every toolchain until the fix lands, bisect where the
verdict changes. Guides: docs/README.md; the format, verdicts, exit codes
and the sandbox: reprokit help format|verdicts|exit-codes|security.`,
		Example: `  reprokit run repros/subint_fork.txtar
  reprokit minimize bench/minimize/inputs/deep_exception.txtar
  reprokit draft --offline repros/subint_fork.txtar
  reprokit file --dry-run reports/subint_fork.cpython.md
  reprokit check
  reprokit bisect --python 3.6..3.13 repros/float_sum_precision.txtar`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v (see `%s --help`)", err, c.CommandPath())
	})
	addHelpTopics(root)
	root.AddCommand(NewCmdRun(f, nil), NewCmdMinimize(f, nil), NewCmdDraft(f, nil), NewCmdFile(f, nil), NewCmdToolchains(f, nil), NewCmdCheck(f, nil), NewCmdBisect(f, nil), NewCmdImport(f, nil))
	return root
}

// nArgs checks the number of arguments with reprokit's usage error, whose
// message gives an example.
func nArgs(ok func(n int) bool, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if !ok(len(args)) {
			return usagef("%s", msg)
		}
		return nil
	}
}

func one(n int) bool        { return n == 1 }
func atLeastOne(n int) bool { return n >= 1 }

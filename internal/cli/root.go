// Package cli is reprokit's command tree (cobra). Each command has an
// options struct and a run function that tests can call directly; errors
// are mapped to exit codes in one place, Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
)

// Exit codes, documented in the README.
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

// usageError marks errors that exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }

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
	ios := System()
	root := NewRoot(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(err, ios)
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
	var ue *usageError
	var re *repro.Error
	if errors.As(err, &ue) || errors.As(err, &re) {
		return ExitUsage
	}
	return ExitHarness
}

// NewRoot builds the command tree.
func NewRoot(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "reprokit",
		Short: "Run, minimize, report and regression-test upstream bug repros",
		Long: `reprokit is a workbench for bugs in software you do not maintain.
A repro is a testscript .txtar archive whose script asserts the buggy
behaviour; reprokit runs it in isolation on each toolchain and gives a verdict.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v (see `%s --help`)", err, c.CommandPath())
	})
	root.AddCommand(newRunCmd(ios), newMinimizeCmd(ios), newDraftCmd(ios), newFileCmd(ios), newToolchainsCmd(ios), newCheckCmd(ios), newBisectCmd(ios))
	return root
}

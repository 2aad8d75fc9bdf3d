package cli

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/usage"
)

// argv → options, without starting a sandbox: each command's runF
// captures what it was given.
func TestArgvToOptions(t *testing.T) {
	ios, _, _ := Test()
	f := NewFactory(ios)
	var got any
	capture := func(opts any) error { got = opts; return nil }
	tests := []struct {
		name string
		cmd  func() *cobra.Command
		args []string
		want any
	}{
		{"run", func() *cobra.Command {
			return NewCmdRun(f, func(_ context.Context, o *RunOptions) error { return capture(*o) })
		}, []string{"--python", "3.12", "--count", "5", "-j", "2", "-v", "--isolation", "process-group", "a.txtar", "dir"},
			RunOptions{Paths: []string{"a.txtar", "dir"}, Python: "3.12", Count: 5, Timeout: 60 * time.Second, Jobs: 2, Verbose: true, Isolation: "process-group"}},
		{"check", func() *cobra.Command {
			return NewCmdCheck(f, func(_ context.Context, o *CheckOptions) error { return capture(*o) })
		}, []string{"--count=1", "--shard", "2/3", "--json"},
			CheckOptions{Paths: []string{}, Python: "all", Go: "here", Jobs: 0, Count: 1, CountSet: true, Timeout: 60 * time.Second, Isolation: "auto", JSON: true, Shard: "2/3", Reports: "reports"}},
		{"minimize", func() *cobra.Command {
			return NewCmdMinimize(f, func(_ context.Context, o *MinimizeOptions) error { o.Passes = nil; return capture(*o) })
		}, []string{"--in-place", "--confirm", "1", "--budget", "1m", "x.txtar"},
			MinimizeOptions{File: "x.txtar", InPlace: true, Jobs: 0, Budget: time.Minute, Confirm: 1, Isolation: "auto"}},
		{"file", func() *cobra.Command {
			return NewCmdFile(f, func(_ context.Context, o *FileOptions) error { return capture(*o) })
		}, []string{"--dry-run", "--repo", "o/n", "--api-url", "http://x/", "d.md"},
			FileOptions{Path: "d.md", Repo: "o/n", DryRun: true, APIURL: "http://x/", Ledger: "reports/filed.json", SecondaryWait: time.Minute, WriteGap: time.Second, Timeout: 30 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			cmd := tt.cmd()
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			// -j defaults to the number of CPUs: not part of the table.
			switch o := got.(type) {
			case CheckOptions:
				o.Jobs = 0
				got = o
			case MinimizeOptions:
				o.Jobs = 0
				got = o
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// A missing argument is a usage error (exit 2), before any run function.
func TestArgsAreUsageErrors(t *testing.T) {
	ios, _, _ := Test()
	f := NewFactory(ios)
	never := func(context.Context, *RunOptions) error { t.Fatal("run function called"); return nil }
	cmd := NewCmdRun(f, never)
	cmd.SetArgs(nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	var ue *usage.Error
	if !errors.As(err, &ue) || exitCode(err, ios) != ExitUsage {
		t.Fatalf("err = %v, want a usage error", err)
	}
}

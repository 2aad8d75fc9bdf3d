package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/reprokit/reprokit/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"reprokit": func() { os.Exit(cli.Main(os.Args[1:])) },
	})
}

// TestSpecs runs reprokit's own end-to-end specs in txtar/ against the real
// binary.
func TestSpecs(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "txtar"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("REPO", filepath.Join(mustGetwd(), "..", ".."))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"noprocs": cmdNoProcs,
		},
	})
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return wd
}

// noprocs MARKER…: no process on the machine has any MARKER as a word of
// its command line (what `ps` would show).
func cmdNoProcs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: noprocs MARKER...")
	}
	self := fmt.Sprint(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name() == self {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(data) == 0 {
			continue
		}
		words := bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0})
		for _, w := range words {
			for _, m := range args {
				if string(w) == m {
					ts.Fatalf("process %s still running: %s", e.Name(), strings.Join(strings.Fields(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))), " "))
				}
			}
		}
	}
}

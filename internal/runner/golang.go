package runner

import (
	"context"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// sandboxPath is the PATH a script sees (less reprokit's own bin
// directory, which only holds shims for the toolchain): the warm cache is
// built with the same one, so that cgo's choice of C compiler, and with it
// the cache keys, agree.
const sandboxPath = "/usr/local/bin:/usr/bin:/bin"

// goEnv is the environment of the go command in a cell: its own build
// cache and GOPATH, no network and no toolchain switch (the release under
// test is the one that runs), no user go env file.
func goEnv() []string {
	return []string{"GOCACHE=$WORK/.gocache", "GOPATH=$WORK/.gopath", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOENV=off"}
}

// warmGoCache builds the standard packages r imports into the warm cache
// of tc and returns what the sandbox needs to seed the cell's GOCACHE from
// it. A failure only costs time: the cell builds them itself.
func warmGoCache(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain) (env, keep []string) {
	root := cacheRoot()
	if root == "" || os.Getenv("REPROKIT_NO_GOCACHE") != "" {
		return nil, nil
	}
	var files []goSource
	for _, f := range r.Files() {
		files = append(files, goSource{Name: f.Name, Data: f.Data})
	}
	buildEnv := goScriptEnv(r.Script())
	dir := goCacheDir(root, tc.Identity, buildEnv)
	warm := append([]string{"PATH=" + sandboxPath, "HOME=/no-home", "GOTOOLCHAIN=local", "GOENV=off", "GOPROXY=off"}, buildEnv...)
	if err := buildStdPackages(ctx, tc.Path, dir, warm, goStdImports(files)); err != nil {
		return nil, nil
	}
	return []string{sandbox.GoCacheSeed + "=" + dir}, []string{dir}
}

// cacheRoot is $REPROKIT_GOCACHE, else $XDG_CACHE_HOME/reprokit/gocache
// (default ~/.cache/…). The specs share one across scripts.
func cacheRoot() string {
	if dir := os.Getenv("REPROKIT_GOCACHE"); dir != "" {
		return dir
	}
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "reprokit", "gocache")
}

// isGoCommand reports whether a script line's command runs the go tool:
// `exec go …` or the `go` built-in.
func isGoCommand(words []string) bool {
	return len(words) > 0 && (words[0] == "go" || (words[0] == "exec" && len(words) > 1 && words[1] == "go"))
}

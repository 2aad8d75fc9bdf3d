// This file gives a Go repro one version of a module it depends on (a
// cell of `bisect --with MOD@A..B`), or a commit of it (a worktree, by a
// replace directive): the repro's go.mod is edited, and the modules it
// then needs are downloaded on the host (`go mod tidy`: the go command
// reads go.mod files and source imports, never runs a module's code) into
// reprokit's own module cache, which the sandbox serves to the go command
// as a read-only file:// proxy — the sandbox itself has no network.

package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"golang.org/x/mod/modfile"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// ModuleError says why a module version or tree cannot be used by the
// repro (the proxy does not have it, its go.mod is broken): a bisection
// probe is then untestable, a cell an error.
type ModuleError struct{ Msg string }

func (e *ModuleError) Error() string { return e.Msg }

// GoModCache is where reprokit keeps the modules it downloads for Go
// repros: $XDG_CACHE_HOME/reprokit/gomod (default ~/.cache/…).
func GoModCache() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "reprokit-gomod")
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "reprokit", "gomod")
}

// goModules is what a Go cell with tc.With needs: the repro with its
// go.mod and go.sum as resolved, the sandbox's variables and the
// directories it must show.
type goModules struct {
	r          *repro.Repro
	env, keep  []string
	downloaded bool // tidy ran now (not found in the cache)
}

var goModLocks sync.Map // one tidy per key at a time

// GoModules readies the modules of a Go repro for tc (see goModules)
// without running it; built says whether anything was resolved now.
func GoModules(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain) (built bool, err error) {
	m, err := prepareGoModules(ctx, r, tc)
	return m.downloaded, err
}

func prepareGoModules(ctx context.Context, r *repro.Repro, tc toolchain.Toolchain) (goModules, error) {
	out := goModules{r: r}
	if len(tc.With) == 0 {
		return out, nil
	}
	mod, version, ok := strings.Cut(tc.With[0], "@")
	if !ok {
		return out, fmt.Errorf("module requirement %q: want MODULE@VERSION", tc.With[0])
	}
	files := r.Files()
	gi := -1
	for i, f := range files {
		if f.Name == "go.mod" {
			gi = i
		}
	}
	if gi < 0 {
		return out, &ModuleError{fmt.Sprintf("%s has no go.mod member: a Go repro that depends on %s needs one at its top", r.Path, mod)}
	}
	mf, err := modfile.Parse("go.mod", files[gi].Data, nil)
	if err != nil {
		return out, &ModuleError{fmt.Sprintf("%s: go.mod: %v", r.Path, err)}
	}
	for _, rep := range mf.Replace {
		if modfile.IsDirectoryPath(rep.New.Path) && rep.Old.Path != mod {
			return out, &ModuleError{fmt.Sprintf("%s: go.mod replaces %s with the directory %s: reprokit gives a repro modules from the proxy only", r.Path, rep.Old.Path, rep.New.Path)}
		}
	}
	if err := mf.AddRequire(mod, version); err != nil {
		return out, &ModuleError{fmt.Sprintf("require %s %s: %v", mod, version, err)}
	}
	_ = mf.DropReplace(mod, "")
	var keep []string
	if t := tc.Tree; t != nil {
		if err := mf.AddReplace(mod, "", t.Dir, ""); err != nil {
			return out, &ModuleError{fmt.Sprintf("replace %s => %s: %v", mod, t.Dir, err)}
		}
		keep = append(keep, t.Dir)
	}
	mf.Cleanup()
	gomod, err := mf.Format()
	if err != nil {
		return out, err
	}
	cache := GoModCache()
	h := sha256.New()
	fmt.Fprintf(h, "v1\n%s\n%s\n", tc.Identity, gomod)
	if tc.Tree != nil {
		fmt.Fprintf(h, "tree %s\n", tc.Tree.Commit)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name, ".go") {
			fmt.Fprintf(h, "%s %x\n", f.Name, sha256.Sum256(f.Data))
		}
	}
	key := hex.EncodeToString(h.Sum(nil))[:20]
	resolved := filepath.Join(cache, "resolved", key)
	mu, _ := goModLocks.LoadOrStore(key, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	newMod, errMod := os.ReadFile(filepath.Join(resolved, "go.mod"))
	newSum, errSum := os.ReadFile(filepath.Join(resolved, "go.sum"))
	if errMod != nil || errSum != nil {
		newMod, newSum, err = tidy(ctx, tc, cache, files, gomod, mod)
		if err != nil {
			return out, err
		}
		if err := os.MkdirAll(resolved, 0o755); err != nil {
			return out, err
		}
		os.WriteFile(filepath.Join(resolved, "go.sum"), newSum, 0o644)
		os.WriteFile(filepath.Join(resolved, "go.mod"), newMod, 0o644)
		out.downloaded = true
	}
	var nf []txtar.File
	for _, f := range files {
		switch f.Name {
		case "go.mod":
			f.Data = newMod
		case "go.sum":
			continue
		}
		nf = append(nf, f)
	}
	nf = append(nf, txtar.File{Name: "go.sum", Data: newSum})
	r2 := *r
	r2.Archive = &txtar.Archive{Comment: r.Archive.Comment, Files: nf}
	out.r = &r2
	dl := filepath.Join(cache, "cache", "download")
	out.env = []string{"GOPROXY=file://" + dl, "GOSUMDB=off", "GONOSUMDB=*", "GOFLAGS=-mod=mod"}
	out.keep = append(keep, dl)
	return out, nil
}

// tidy resolves gomod on the host in a scratch copy of the repro's Go
// files: the user's GOPROXY and GOSUMDB, reprokit's module cache, no
// toolchain switch, no workspace. The archive's imports choose which
// modules are resolved, so unless the user set GOVCS, only the module
// the user named (mod) may come straight from its version control
// system (a proxy's "direct"); any other comes through the proxy or not
// at all, and an archive cannot make the host clone a repository of its
// choosing.
func tidy(ctx context.Context, tc toolchain.Toolchain, cache string, files []txtar.File, gomod []byte, mod string) (newMod, newSum []byte, err error) {
	dir, err := os.MkdirTemp("", "reprokit-gomod-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".go") || strings.Contains(f.Name, "..") || path.IsAbs(f.Name) {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return nil, nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	goCmd := tc.Path
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod")
	if _, set := os.LookupEnv("GOVCS"); !set {
		cmd.Env = append(cmd.Env, "GOVCS="+mod+":git|hg,*:off")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, &ModuleError{fmt.Sprintf("go mod tidy: %v: %s", err, lastLines(stderr.String(), 3))}
	}
	newMod, err = os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil, nil, err
	}
	newSum, _ = os.ReadFile(filepath.Join(dir, "go.sum"))
	return newMod, newSum, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

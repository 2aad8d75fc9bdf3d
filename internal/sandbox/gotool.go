package sandbox

import (
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/goproxytest"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// GoCacheSeed names the variable of Spec.Env that points at a warm,
// read-only Go build cache: the cell's own GOCACHE starts as a copy of it.
const GoCacheSeed = "REPROKIT_GOCACHE_SEED"

// goParams adds what a Go repro needs to a testscript run: the `go`
// command as cmd/go's own scripts and go-internal's gotooltest have it (it
// runs like `exec go`), the [go1.N] release tags of the toolchain under
// test rather than of the Go that built reprokit, a GOCACHE seeded from
// the warm one, and a module proxy serving the archive's .gomodproxy
// directory (go-internal's goproxytest) on the sandbox's own loopback.
func goParams(spec Spec, p *testscript.Params) {
	if p.Cmds == nil {
		p.Cmds = map[string]func(*testscript.TestScript, bool, []string){}
	}
	p.Cmds["go"] = cmdGo
	if v, ok := spec.Versions[string(toolchain.Go)]; ok {
		build.Default.ReleaseTags = releaseTags(v)
	}
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if setup != nil {
			if err := setup(env); err != nil {
				return err
			}
		}
		if seed := env.Getenv(GoCacheSeed); seed != "" {
			if err := copyTree(seed, env.Getenv("GOCACHE")); err != nil {
				return fmt.Errorf("seeding GOCACHE: %v", err)
			}
		}
		dir := filepath.Join(env.WorkDir, ".gomodproxy")
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			srv, err := goproxytest.NewServer(dir, "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf(".gomodproxy: %v", err)
			}
			env.Defer(srv.Close)
			env.Setenv("GOPROXY", srv.URL)
			env.Setenv("GONOSUMDB", "*")
			env.Setenv("GOSUMDB", "off")
		}
		return nil
	}
}

func cmdGo(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: go subcommand ...")
	}
	err := ts.Exec("go", args...)
	if err != nil {
		ts.Logf("[%v]\n", err)
		if !neg {
			ts.Fatalf("unexpected go command failure")
		}
	} else if neg {
		ts.Fatalf("unexpected go command success")
	}
}

// releaseTags are go1.1 … go1.N for version "1.N.x", as go/build has them.
func releaseTags(version string) []string {
	parts := strings.Split(version, ".")
	if len(parts) < 2 {
		return nil
	}
	minor, err := strconv.Atoi(parts[1])
	if err != nil {
		return nil
	}
	var tags []string
	for i := 1; i <= minor; i++ {
		tags = append(tags, fmt.Sprintf("go1.%d", i))
	}
	return tags
}

// copyTree copies the regular files of src into dst (a tmpfs in the
// sandbox, so this is a memory copy, about 0.2 s for all of std).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o777)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".reprokit") {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

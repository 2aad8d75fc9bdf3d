package draft

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// goProbeScript asks the go command what golang/go's form asks for, with
// the go built-in, so it runs exactly as the repro's go commands do.
const goProbeScript = "go version\ngo env\n"

// GoEnv is what golang/go's form asks for, measured where the bug was: `go
// version` of each release in tcs (the ones that reproduce) and `go env` of
// the first, both run in the sandbox in the repro's own module, so the env
// is the one the repro saw (GOMOD='$WORK/go.mod'), not the host's. The
// release's install directory is shown as $GOROOT. Best effort: a probe
// that fails is left out.
func GoEnv(ctx context.Context, r *repro.Repro, tcs []toolchain.Toolchain, opts runner.Options) (version, env string) {
	p, err := repro.Parse(r.Path, r.WithScript(goProbeScript))
	if err != nil {
		return "", ""
	}
	opts.Count, opts.NoTiers, opts.Keep = 1, true, false
	var versions []string
	for _, tc := range tcs {
		if tc.Kind != toolchain.Go {
			continue
		}
		res := runner.Run(ctx, p, tc, opts)
		v, e := "", ""
		// The go built-in's execs need no shim record.
		for _, ex := range runner.Execs(res.Log, nil) {
			switch ex.Command {
			case "exec go version":
				v = strings.TrimSpace(ex.Output)
			case "exec go env":
				// The last exec's output runs on to the log's verdict.
				e = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(ex.Output), "\nPASS"))
			}
		}
		if v != "" {
			versions = append(versions, v)
		}
		if env == "" && e != "" {
			env = placeholders(e)
		}
	}
	return strings.Join(versions, "\n"), env
}

var (
	gorootRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^GOROOT='([^']+)'$`) })
	gobuildRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`go-build\d+`) })
)

// placeholders shows the release's install directory as $GOROOT (where
// this machine keeps it is nothing a maintainer can use) and the go
// command's temporary build directory without its random number.
func placeholders(env string) string {
	env = gobuildRE().ReplaceAllString(env, "go-build")
	m := gorootRE().FindStringSubmatch(env)
	if m == nil || m[1] == "" {
		return env
	}
	return strings.ReplaceAll(env, m[1], "$GOROOT")
}

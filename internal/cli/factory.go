package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/usage"
)

// IOStreams are the streams a command reads and writes; no command touches
// os.Stdout directly, so tests can pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// IsTTY says whether Out is a terminal (colour, progress lines);
	// IsInputTTY whether In is one (prompts).
	IsTTY, IsInputTTY bool
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		IsTTY: term.IsTerminal(int(os.Stdout.Fd())), IsInputTTY: term.IsTerminal(int(os.Stdin.Fd()))}
}

// Test returns streams backed by buffers.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut}, &out, &errOut
}

// Factory holds what every command needs and a test replaces: the
// streams, the environment, and the one reading of --isolation.
type Factory struct {
	IO  *IOStreams
	Env func(string) string
	// Probe checks that namespaces work (default: sandbox.Probe).
	Probe func(context.Context) (sandbox.Isolation, error)
	// Transport carries every request to GitHub (nil: the default); Now
	// is the clock that dates what was filed.
	Transport http.RoundTripper
	Now       func() time.Time
}

// apiURLHelp is --api-url's help, %s its purpose; forge.Endpoint is the rule.
const apiURLHelp = "GitHub REST API base URL%s (default: GITHUB_API_URL, else GH_HOST's, else github.com's)"

// forge is the GitHub client options every command starts from: the
// endpoint (--api-url, else the environment) and the transport.
func (f *Factory) forge(apiURL string) forge.Options {
	return forge.Options{Endpoint: forge.EndpointFrom(apiURL, f.Env), Transport: f.Transport, Log: f.IO.ErrOut}
}

// NewFactory is the factory of the real process.
func NewFactory(ios *IOStreams) *Factory {
	return &Factory{IO: ios, Env: os.Getenv, Probe: sandbox.Probe, Now: time.Now}
}

// Isolation turns --isolation into the sandbox's mode. auto means
// namespaces, checked by the returned probe before the first sandbox
// starts (nil when there is nothing to check; `run` lets its first sandbox
// answer instead, see firstSandbox): where the kernel refuses them,
// reprokit refuses too rather than run repros uncontained, and names the
// flag that accepts the degraded mode.
func (f *Factory) Isolation(flag string) (mode sandbox.Isolation, probe func(context.Context) error, err error) {
	switch mode := sandbox.Isolation(flag); mode {
	case "auto", "":
		return sandbox.Namespaces, f.requireNamespaces, nil
	case sandbox.ProcessGroup:
		fmt.Fprintln(f.IO.ErrOut, "reprokit: isolation: process-group, as asked: every descendant is killed at the end, but the file system and network are not contained")
		return mode, nil, nil
	case sandbox.Namespaces:
		return mode, nil, nil
	}
	return "", nil, usage.Errorf("--isolation %q: want %s", flag, isolationWords)
}

// isolationWords are the values of --isolation, as help and errors say them.
const isolationWords = "auto, namespaces or process-group"

// isolationHelp is --isolation's help, the same on every command.
const isolationHelp = "sandbox: auto (namespaces; refuses where the kernel denies them), namespaces, or process-group (degraded, only on request)"

// IsolationNow is Isolation with its probe run at once.
func (f *Factory) IsolationNow(ctx context.Context, flag string) (sandbox.Isolation, error) {
	mode, probe, err := f.Isolation(flag)
	if err == nil && probe != nil {
		err = probe(ctx)
	}
	return mode, err
}

func (f *Factory) requireNamespaces(ctx context.Context) error {
	if mode, err := f.Probe(ctx); mode != sandbox.Namespaces {
		return refusal(err)
	}
	return nil
}

// refusal is what auto isolation answers when a sandbox could not be made
// in namespaces (err, from the probe or from a command's first sandbox).
func refusal(err error) error {
	var denied *sandbox.NoNamespacesError
	if !errors.As(err, &denied) {
		// Not the kernel's refusal: say what it is, and never suggest
		// weaker isolation for it.
		return usage.Errorf("cannot start a sandbox: %v", err)
	}
	return usage.Errorf("namespaces are unavailable here (%v), so a repro could reach the network, write the file system and leave daemons behind; reprokit will not run it uncontained by default. Pass --isolation process-group to run in a process group only (every descendant is still killed at the end; the file system and network are not contained), or run where user namespaces are allowed", err)
}

// firstSandbox lets a command's first sandbox stand for the probe of auto
// isolation, instead of a probe sandbox of its own before it (which cost
// `run` of one repro a second sandbox start). A sandbox in namespaces is
// never run without them (sandbox.Run fails instead), so nothing runs
// uncontained either way; what the probe gave is the refusal, and this
// gives the same: the first result, in report order, whose sandbox could
// not be made while none had been ends the command with the probe's
// message, and nothing of it is shown.
type firstSandbox struct {
	check   bool // auto isolation: the first sandbox is the probe
	cancel  context.CancelFunc
	ran     bool  // a sandbox of this command ran a script
	refused error // the refusal, once given
}

// admit says whether res may be shown; after a refusal, nothing may.
func (g *firstSandbox) admit(res runner.Result) bool {
	switch {
	case g.refused != nil:
		return false
	case g.check && !g.ran && res.NoSandbox != nil:
		g.refused = refusal(res.NoSandbox)
		g.cancel()
		return false
	case res.NoSandbox == nil && res.Isolation != "":
		g.ran = true
	}
	return true
}

// goSelectHelp is the help of --go where it selects releases to run on.
const goSelectHelp = "Go releases: `RELEASES` is all (the newest patch of every minor from 1.18), 1.22 (the 1.22.x here, else the newest 1.22), 1.22.0,1.22.12, 1.22.* (every 1.22 release) or here (every Go on this machine); a release not here is fetched through the Go module proxy"

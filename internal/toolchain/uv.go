package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// UV fetches CPython releases the way uv itself does (`uv python install`):
// python-build-standalone builds named by uv's download list (built into
// uv, or the user's UV_PYTHON_DOWNLOADS_JSON_URL), downloaded from the
// user's UV_PYTHON_INSTALL_MIRROR if set, checked against the list's
// sha256 and unpacked by uv into an install directory it locks. Rather
// than re-implement that, reprokit runs uv outside the sandbox with the
// user's environment and uv configuration, in an empty directory so that
// no project's settings apply (never the archive's), and with --no-bin so
// that nothing lands on the user's PATH.
type UV struct {
	// Path is the uv executable; "" when uv is not on PATH.
	Path string
	// Dir is where releases are installed: UV_PYTHON_INSTALL_DIR when the
	// user set it, else reprokit's cache, $XDG_CACHE_HOME/reprokit/python.
	Dir string
	// Env is the environment uv runs with. Default: os.Environ().
	Env []string
	// Offline, when set, says why nothing may be downloaded (UV_OFFLINE,
	// UV_PYTHON_DOWNLOADS=never): the user's own settings.
	Offline string
}

// NewUV is the uv of env: uv on its PATH, installing into
// UV_PYTHON_INSTALL_DIR or reprokit's cache.
func NewUV(env func(string) string) *UV {
	u := &UV{Dir: FetchDir(env)}
	u.Path = lookIn(filepath.SplitList(env("PATH")), "uv")
	if truthy(env("UV_OFFLINE")) {
		u.Offline = "offline (UV_OFFLINE is set)"
	} else if d := strings.ToLower(env("UV_PYTHON_DOWNLOADS")); d == "never" || d == "false" || d == "0" {
		u.Offline = fmt.Sprintf("Python downloads are off (UV_PYTHON_DOWNLOADS=%s)", env("UV_PYTHON_DOWNLOADS"))
	}
	return u
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// FetchDir is where reprokit has uv install the CPython releases it
// fetches: UV_PYTHON_INSTALL_DIR when the user set it (uv's own
// directory, shared with the user's uv), else reprokit's cache. "" when
// neither can be named (no HOME).
func FetchDir(env func(string) string) string {
	if d := env("UV_PYTHON_INSTALL_DIR"); d != "" {
		return d
	}
	if d := cacheDir(env); d != "" {
		return filepath.Join(d, "reprokit", "python")
	}
	return ""
}

func cacheDir(env func(string) string) string {
	if d := env("XDG_CACHE_HOME"); d != "" {
		return d
	}
	if h := env("HOME"); h != "" {
		return filepath.Join(h, ".cache")
	}
	return ""
}

// Download is one CPython build uv can fetch.
type Download struct {
	// Key is uv's name for it, e.g. "cpython-3.13.0+freethreaded-linux-x86_64-gnu";
	// it is also the directory uv installs it in.
	Key string
	// Version is reprokit's: "3.12.1", "3.13.0t" (free-threaded),
	// "3.12.1d" (debug), "3.15.0a2".
	Version string
	URL     string
	// Prerelease is an alpha, beta or release candidate.
	Prerelease bool
}

// File is the archive's file name, for messages.
func (d Download) File() string {
	u, err := url.Parse(d.URL)
	if err != nil {
		return d.URL
	}
	f, err := url.PathUnescape(path.Base(u.Path))
	if err != nil {
		return path.Base(u.Path)
	}
	return f
}

// ErrCannotFetch says that a CPython release cannot be fetched here and
// now — no uv, offline, the mirror unreachable — rather than that it is
// broken: its cells are skipped with the reason and the command.
var ErrCannotFetch = errors.New("cannot fetch")

// FetchError is a failed fetch of one release, with the command that
// fetches it by hand.
type FetchError struct {
	Version string
	Reason  string
	Command string
	Err     error // ErrCannotFetch, or nil for a broken download
}

func (e *FetchError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("fetching %s: %s", e.Version, e.Reason)
	}
	return fmt.Sprintf("cannot fetch %s: %s; to fetch it by hand: %s", e.Version, e.Reason, e.Command)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Command is the command that fetches d by hand, the way reprokit does.
func (u *UV) Command(d Download) string {
	dir := u.Dir
	if dir == "" {
		dir = "DIR"
	}
	cmd := fmt.Sprintf("uv python install --no-bin --install-dir %s %s", dir, d.Key)
	if u.Path == "" {
		cmd = "pip install uv && " + cmd
	}
	return cmd
}

// cannot is the reason nothing can be fetched at all, or "".
func (u *UV) cannot() string {
	switch {
	case u.Path == "":
		return "uv is not on PATH"
	case u.Dir == "":
		return "no directory to install into (set UV_PYTHON_INSTALL_DIR, XDG_CACHE_HOME or HOME)"
	}
	return ""
}

func (u *UV) run(ctx context.Context, args ...string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "reprokit-uv-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, u.Path, args...)
	cmd.Dir = dir // no project's uv settings: never the archive's
	cmd.Env = u.Env
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "UV_NO_PROGRESS=1", "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, &uvError{msg: msg}
	}
	return out, nil
}

type uvError struct{ msg string }

func (e *uvError) Error() string { return e.msg }

// unreachable reports whether uv's message says the downloads could not
// be reached (rather than that what came was wrong).
func unreachable(msg string) bool {
	for _, s := range []string{"Connection refused", "dns error", "failed to lookup address", "Network connectivity is disabled",
		"error sending request", "client error (Connect)", "timed out", "Could not connect", "network is unreachable",
		"Network is unreachable", "No route to host", "status: 5", "502 Bad Gateway", "503 Service Unavailable", "504 Gateway"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// reason is uv's message, shortened to its causes on one line.
func reason(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(strings.TrimPrefix(l, "error: "), "cause: ")
		if l == "" || strings.HasPrefix(l, "warning:") || strings.HasPrefix(l, "Downloading ") || strings.HasPrefix(l, "Downloaded ") {
			continue
		}
		parts = append(parts, l)
	}
	// The first line says what failed, the last the root cause.
	switch len(parts) {
	case 0:
		return strings.TrimSpace(msg)
	case 1, 2:
		return strings.Join(parts, ": ")
	}
	return parts[0] + ": " + parts[len(parts)-1]
}

// Downloads lists the CPython builds uv can fetch for this machine, newest
// first, from uv's download list (`uv python list --only-downloads`), which
// honours UV_PYTHON_DOWNLOADS_JSON_URL. Without uv, or when the list
// cannot be read, the error wraps ErrCannotFetch.
func (u *UV) Downloads(ctx context.Context) ([]Download, error) {
	if why := u.cannot(); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrCannotFetch, why)
	}
	out, err := u.run(ctx, "python", "list", "--only-downloads", "--all-versions", "--show-urls", "--output-format", "json")
	if err != nil {
		return nil, fmt.Errorf("%w: uv cannot list the Python downloads: %s", ErrCannotFetch, reason(err.Error()))
	}
	return ParseDownloads(out)
}

// ParseDownloads reads `uv python list --output-format json`: CPython
// builds only (no PyPy, no GraalPy), with the ABI flags of their variant
// in the version ("3.13.0t").
func ParseDownloads(data []byte) ([]Download, error) {
	var list []struct {
		Key, Version, Variant, Implementation, URL string
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("reading uv's list of Python downloads: %v", err)
	}
	var out []Download
	seen := map[string]bool{}
	for _, e := range list {
		abi, ok := variantABI[e.Variant]
		if e.Implementation != "cpython" || !ok || seen[e.Key] {
			continue
		}
		seen[e.Key] = true
		out = append(out, Download{Key: e.Key, Version: e.Version + abi, URL: e.URL, Prerelease: prereleaseRE().MatchString(e.Version)})
	}
	return out, nil
}

// variantABI maps uv's build variants to the ABI flags discovery reads off
// an interpreter (sys.abiflags).
var variantABI = map[string]string{"default": "", "": "", "freethreaded": "t", "debug": "d", "freethreaded+debug": "td"}

var prereleaseRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d(a|b|rc)\d+$`) })

// Install has uv install d into Dir and returns the interpreter's path.
// What uv already installed is not fetched again. A download that fails
// its sha256 check is an error naming the archive, and uv leaves nothing
// of it installed.
func (u *UV) Install(ctx context.Context, d Download) (string, error) {
	fe := &FetchError{Version: d.Version, Command: u.Command(d), Err: ErrCannotFetch}
	if why := u.cannot(); why != "" {
		fe.Reason = why
		return "", fe
	}
	if u.Offline != "" {
		if p := installed(u.Dir, d.Key); p != "" {
			return p, nil
		}
		fe.Reason = u.Offline
		return "", fe
	}
	_, err := u.run(ctx, "python", "install", "--no-bin", "--install-dir", u.Dir, d.Key)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "Hash mismatch"):
			fe.Err = nil
			fe.Reason = fmt.Sprintf("%s: its sha256 is not the one uv's download list gives (%s); uv installed nothing", d.File(), oneLine(hashes(msg)))
		case unreachable(msg):
			fe.Reason = fmt.Sprintf("%s: %s", d.File(), reason(msg))
		default:
			fe.Err = nil
			fe.Reason = fmt.Sprintf("uv python install %s: %s", d.Key, reason(msg))
		}
		return "", fe
	}
	p := installed(u.Dir, d.Key)
	if p == "" {
		return "", &FetchError{Version: d.Version, Reason: fmt.Sprintf("uv installed %s but %s has no bin/python3", d.Key, filepath.Join(u.Dir, d.Key))}
	}
	return p, nil
}

// hashes keeps the expected and computed digests of uv's hash-mismatch
// message.
func hashes(msg string) string {
	var b strings.Builder
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if (l == "Expected:" || l == "Computed:") && i+1 < len(lines) {
			fmt.Fprintf(&b, "%s %s ", strings.ToLower(strings.TrimSuffix(l, ":")), strings.TrimSpace(lines[i+1]))
		}
	}
	if b.Len() == 0 {
		return reason(msg)
	}
	return strings.TrimSpace(b.String())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// installed is the interpreter of an installed key, or "".
func installed(dir, key string) string {
	bin := filepath.Join(dir, key, "bin")
	if p := filepath.Join(bin, "python3"); isExec(p) {
		return p
	}
	m, _ := filepath.Glob(filepath.Join(bin, "python3.[0-9]*"))
	for _, p := range m {
		if isPythonName(filepath.Base(p)) && isExec(p) {
			return p
		}
	}
	return ""
}

package scriptdeps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Builder builds and caches virtual environments.
type Builder struct {
	// Root holds one directory per environment; default
	// $XDG_CACHE_HOME/reprokit/venvs.
	Root string
	// Uv is the uv executable; "" looks for uv on PATH, "-" never uses it.
	Uv string
	// IndexURL and FindLinks point the installer at another package index
	// (a PEP 503 simple index) or at a directory or page of archives, for
	// offline use. The installers' own variables (PIP_INDEX_URL,
	// UV_INDEX_URL …) are honoured too, and part of the cache key.
	IndexURL, FindLinks string
	Log                 io.Writer // says when an environment is built; nil: nowhere
}

// Interpreter is the Python an environment is built on.
type Interpreter struct {
	Path     string // the executable
	Identity string // what makes it this interpreter (path, size, mtime, ABI)
	Name     string // for messages: cpython-3.12.1
}

// Env is a ready environment.
type Env struct {
	Dir    string // the environment's root: mount it
	Python string // its interpreter: put it on PATH as python3
	Built  bool   // built now, rather than found in the cache
}

// InstallError is a dependency that could not be installed: the cell is
// an error naming it, never a verdict about the bug.
type InstallError struct {
	Interp, Installer string
	Reqs              []string
	Msg               string
}

func (e *InstallError) Error() string {
	return fmt.Sprintf("installing %s on %s with %s failed: %s", strings.Join(e.Reqs, " "), e.Interp, e.Installer, e.Msg)
}

var installerVars = []string{"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_NO_INDEX"}

func (b *Builder) uv() string {
	switch b.Uv {
	case "-":
		return ""
	case "":
		p, _ := exec.LookPath("uv")
		return p
	}
	return b.Uv
}

// Key is the cache key of an environment: the interpreter's identity, the
// normalized requirements, the installer and where it installs from.
func (b *Builder) Key(in Interpreter, reqs []string) string {
	h := sha256.New()
	fmt.Fprintln(h, "v1", in.Identity, in.Path)
	for _, r := range Normalize(reqs) {
		fmt.Fprintln(h, "req", r)
	}
	fmt.Fprintln(h, "uv", b.uv() != "", "index", b.IndexURL, "find-links", b.FindLinks)
	for _, v := range installerVars {
		fmt.Fprintln(h, v, os.Getenv(v))
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

func (b *Builder) root() string {
	if b.Root != "" {
		return b.Root
	}
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "reprokit", "venvs")
}

const doneMarker = ".reprokit-complete"

// Ensure returns the environment for (in, reqs), building it when the
// cache has none. Concurrent cells wait for one build (a lock per key);
// a failed build leaves nothing behind.
func (b *Builder) Ensure(ctx context.Context, in Interpreter, reqs []string) (Env, error) {
	dir := filepath.Join(b.root(), b.Key(in, reqs))
	env := Env{Dir: dir, Python: filepath.Join(dir, "bin", "python3")}
	if _, err := os.Stat(filepath.Join(dir, doneMarker)); err == nil {
		return env, nil
	}
	if err := os.MkdirAll(b.root(), 0o755); err != nil {
		return env, err
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return env, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return env, err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, doneMarker)); err == nil {
		return env, nil // another cell built it while we waited
	}
	os.RemoveAll(dir) // a build that died half-way
	began := time.Now()
	installer, err := b.build(ctx, in, reqs, dir)
	if err != nil {
		os.RemoveAll(dir)
		return env, err
	}
	if err := os.WriteFile(filepath.Join(dir, doneMarker), []byte(strings.Join(Normalize(reqs), "\n")+"\n"), 0o644); err != nil {
		return env, err
	}
	if b.Log != nil {
		fmt.Fprintf(b.Log, "reprokit: built the environment for %s on %s with %s in %.1fs (cached: %s)\n", strings.Join(Normalize(reqs), " "), in.Name, installer, time.Since(began).Seconds(), dir)
	}
	env.Built = true
	return env, nil
}

func (b *Builder) build(ctx context.Context, in Interpreter, reqs []string, dir string) (string, error) {
	run := func(installer string, name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PYTHONDONTWRITEBYTECODE=")
		if err := cmd.Run(); err != nil {
			return &InstallError{Interp: in.Name, Installer: installer, Reqs: Normalize(reqs), Msg: installerMessage(out.String(), err)}
		}
		return nil
	}
	var from []string
	if b.IndexURL != "" {
		from = append(from, "--index-url", b.IndexURL)
	}
	if b.FindLinks != "" {
		from = append(from, "--find-links", b.FindLinks)
	}
	if uv := b.uv(); uv != "" {
		if err := run("uv", uv, "venv", "--quiet", "--python", in.Path, dir); err != nil {
			return "uv", err
		}
		if len(reqs) == 0 {
			return "uv", nil
		}
		args := append([]string{"pip", "install", "--quiet", "--python", filepath.Join(dir, "bin", "python3")}, from...)
		return "uv", run("uv", uv, append(args, reqs...)...)
	}
	if err := run("venv", in.Path, "-m", "venv", dir); err != nil {
		return "venv", err
	}
	if len(reqs) == 0 {
		return "pip", nil
	}
	args := append([]string{"-m", "pip", "install", "--no-input", "--quiet"}, from...)
	return "pip", run("pip", filepath.Join(dir, "bin", "python3"), append(args, reqs...)...)
}

// installerMessage keeps what the installer said about the failure: its
// ERROR lines (pip) or error lines (uv), else its last lines.
func installerMessage(out string, err error) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "ERROR:") || strings.HasPrefix(t, "error:") || strings.HasPrefix(t, "×") || strings.HasPrefix(t, "╰─▶") || strings.HasPrefix(t, "Error:") {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) > 3 {
			lines = lines[len(lines)-3:]
		}
		keep = append(keep, lines...)
		if strings.TrimSpace(out) == "" {
			keep = []string{err.Error()}
		}
	}
	return strings.Join(keep, " ")
}

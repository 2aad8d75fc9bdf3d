package scriptdeps

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/sandbox"
)

// Job is a run of installer commands inside a sandbox of its own
// (Builder.Sandboxed): how an environment is built, and how a caller
// installs something more into one (a library's worktree, `pip install
// --no-deps DIR`, for a bisection).
type Job struct {
	// Title names the job in the sandbox's log.
	Title string
	// Commands run in order (argv lists); the first that fails ends the
	// job. Every word is passed as it is: no shell, no expansion.
	Commands [][]string
	// Env is the one directory on disk the job may write: the
	// environment. It must exist.
	Env string
	// Show are host directories made visible read-only on top of what a
	// repro sees (the host read-only, home directories masked): the
	// interpreter's root, the installer's. Never a directory an archive
	// chose on its own.
	Show []string
	// Sources are source trees to build (a worktree the user named, a
	// tree beside the archive with --allow-build): each is copied into
	// the sandbox's tmpfs before the commands run, at SourcePath(i), so
	// that a build can write into it (setuptools' egg-info) while the
	// user's tree stays read-only and untouched.
	Sources []string
	// Build says that code from the packages may run (an sdist, a source
	// tree): the job's download cache is then its own, on its tmpfs, so
	// that nothing it writes reaches another environment.
	Build bool
	// Vars are more KEY=VALUE variables for the commands, reprokit's own
	// (the version a source tree's build backend is told).
	Vars []string
}

// srcCopies is where Job.Sources are copied inside the installer's
// sandbox (its /tmp is the run's tmpfs).
const srcCopies = "/tmp/reprokit-src"

// SourcePath is where Job.Sources[i] is inside the installer's sandbox:
// what the commands name to build it.
func SourcePath(i int) string { return fmt.Sprintf("%s/%d", srcCopies, i) }

// DefaultTimeout bounds one installer job.
const DefaultTimeout = 10 * time.Minute

// Sandboxed runs job inside a sandbox of its own: the host's network
// (the index must be reachable), the file-system view of a repro (the
// host read-only, home directories and /run/user masked), writable only
// job.Env and the run's tmpfs quota (its $WORK, /tmp, where the installer
// builds and caches), no terminal, the sandbox's output caps, the
// builder's time limit, nothing left running afterwards. The installer's
// settings are the user's alone: the installer variables of reprokit's
// own environment and a copy of the user's configuration files, never
// anything of the archive (see installerEnv). It returns the job's log;
// a command that failed is an error carrying the installer's message.
func (b *Builder) Sandboxed(ctx context.Context, job Job) (log string, err error) {
	var cmds [][]string
	for i, src := range job.Sources {
		cmds = append(cmds, []string{"/bin/mkdir", "-p", srcCopies}, []string{"/bin/cp", "-R", src, SourcePath(i)})
	}
	script, err := sandbox.Commands(job.Title, append(cmds, job.Commands...)...)
	if err != nil {
		return "", err
	}
	iso := b.Isolation.Resolved()
	if job.Build && iso != sandbox.Namespaces {
		return "", fmt.Errorf("building a package needs the sandbox's namespaces (the build would run uncontained with --isolation %s)", iso)
	}
	// pip reads sys.prefix/pip.conf as its "site" configuration, and a
	// wheel's .data/data/ files land in sys.prefix: a package installed
	// earlier must not choose the index of a later job in this
	// environment. Lstat: never follow a link out of it.
	site := filepath.Join(job.Env, "pip.conf")
	if _, err := os.Lstat(site); err == nil {
		if err := os.Remove(site); err != nil {
			return "", fmt.Errorf("removing %s (an installed package's, not the user's): %w", site, err)
		}
	}
	cfg := b.userConfig()
	env, files := cfg.env(job.Build)
	env = append(env, job.Vars...)
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	res, err := sandbox.Run(ctx, script, sandbox.Options{
		Name:        "installer",
		Isolation:   iso,
		HostNetwork: true,
		Writable:    []string{job.Env},
		Keep:        append(append([]string{}, job.Show...), job.Sources...),
		Env:         env,
		Files:       files,
		// An installer reserves address space for many threads; the
		// quota holds downloads and build trees.
		Limits: sandbox.Limits{Timeout: timeout, Memory: 16 << 30, Disk: 8 << 30, Inodes: 1_000_000, OutputCap: 1 << 20},
	})
	if err != nil {
		return "", err
	}
	if res.Err != "" {
		return res.Log, fmt.Errorf("%s", res.Err)
	}
	if res.Outcome != sandbox.Pass {
		return res.Log, &jobError{log: res.Log, reason: res.Reason, last: lastCommand(res.Log)}
	}
	return res.Log, nil
}

// jobError is a command of a job that failed: its message is what the
// installer said; last is the command that failed, as the log echoes it.
type jobError struct{ log, reason, last string }

// lastCommand is the last command a job's log echoes: the one that failed.
func lastCommand(log string) string {
	last := ""
	for _, l := range strings.Split(log, "\n") {
		if c, ok := strings.CutPrefix(l, "> "); ok {
			last = c
		}
	}
	return last
}

func short(hash string) string { return hash[:min(len(hash), 7)] }

func (e *jobError) Error() string { return installerMessage(outputOf(e.log), e.reason) }

// outputOf is the installer's own output in a job's log: the lines
// testscript logs under [stdout] and [stderr], without its echo of the
// commands and its status lines.
func outputOf(log string) string {
	var out []string
	in := false
	for _, l := range strings.Split(log, "\n") {
		switch {
		case strings.HasPrefix(l, "> "):
			in = false
		case l == "[stdout]" || l == "[stderr]":
			in = true
		case strings.HasPrefix(l, "[exit status") || strings.HasPrefix(l, "FAIL: "):
			in = false
		case in:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// passVars are reprokit's own environment variables that reach the
// installer: the installers' settings (every PIP_* and UV_* but those
// below), proxies and certificate bundles. They are the user's: an
// archive has no way to set reprokit's environment.
var passVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}

// ownVars are installer variables reprokit sets itself (where the
// configuration, the cache and the environment are): the user's values
// would point outside what the sandbox shows, or elsewhere than the
// environment being built.
var ownVars = map[string]bool{
	"PIP_CONFIG_FILE": true, "PIP_CACHE_DIR": true, "PIP_NO_CACHE_DIR": true, "PIP_TARGET": true, "PIP_PREFIX": true,
	"PIP_ROOT": true, "PIP_USER": true, "PIP_SRC": true, "PIP_REQUIRE_VIRTUALENV": true, "PIP_BREAK_SYSTEM_PACKAGES": true,
	"PIP_NO_INPUT": true, "PIP_DISABLE_PIP_VERSION_CHECK": true,
	"UV_CONFIG_FILE": true, "UV_NO_CONFIG": true, "UV_CACHE_DIR": true, "UV_NO_CACHE": true, "UV_PYTHON": true,
	"UV_SYSTEM_PYTHON": true, "UV_PROJECT_ENVIRONMENT": true, "UV_LINK_MODE": true, "UV_BREAK_SYSTEM_PACKAGES": true,
	"UV_PYTHON_DOWNLOADS": true, "UV_PYTHON_INSTALL_DIR": true, "UV_TOOL_DIR": true, "UV_TARGET": true, "UV_PREFIX": true,
}

// installerConfig is what the user set for the installers, read on the
// host: variables and configuration files.
type installerConfig struct {
	vars    []string // KEY=VALUE, sorted
	pipConf []byte   // the user's pip configuration file; nil: none
	pipNull bool     // PIP_CONFIG_FILE=/dev/null: no file at all
	pipFrom string   // where pipConf came from
	uvConf  []byte   // the user's (else the system's) uv.toml; nil: none
	uvFrom  string
}

// userConfig reads the user's installer settings. The installers cannot
// find them themselves: the sandbox masks the home directory.
//   - pip: PIP_CONFIG_FILE, else $XDG_CONFIG_HOME/pip/pip.conf (default
//     ~/.config/pip/pip.conf), else ~/.pip/pip.conf; the global files
//     (/etc/pip.conf, /etc/xdg/pip/pip.conf) are visible in the sandbox
//     and read by pip there.
//   - uv: UV_CONFIG_FILE, else $XDG_CONFIG_HOME/uv/uv.toml (default
//     ~/.config/uv/uv.toml), else /etc/uv/uv.toml; UV_NO_CONFIG: none.
func (b *Builder) userConfig() installerConfig {
	getenv := b.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var c installerConfig
	environ := b.Environ
	if environ == nil {
		environ = os.Environ()
	}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		pass := (strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "UV_")) && !ownVars[k]
		for _, v := range passVars {
			pass = pass || k == v
		}
		if pass {
			c.vars = append(c.vars, kv)
		}
	}
	sort.Strings(c.vars)
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	xdg := getenv("XDG_CONFIG_HOME")
	if xdg == "" && home != "" {
		xdg = filepath.Join(home, ".config")
	}
	read := func(paths ...string) ([]byte, string) {
		for _, p := range paths {
			if p == "" {
				continue
			}
			if data, err := readSmall(p); err == nil {
				return data, p
			}
		}
		return nil, ""
	}
	switch f := getenv("PIP_CONFIG_FILE"); {
	case f == os.DevNull:
		c.pipNull = true
	case f != "":
		c.pipConf, c.pipFrom = read(f)
	default:
		var legacy string
		if home != "" {
			legacy = filepath.Join(home, ".pip", "pip.conf")
		}
		c.pipConf, c.pipFrom = read(filepath.Join(xdg, "pip", "pip.conf"), legacy)
	}
	switch f := getenv("UV_CONFIG_FILE"); {
	case getenv("UV_NO_CONFIG") != "":
	case f != "":
		c.uvConf, c.uvFrom = read(f)
	default:
		system := "/etc/uv/uv.toml"
		if dirs := getenv("XDG_CONFIG_DIRS"); dirs != "" {
			system = filepath.Join(strings.Split(dirs, ":")[0], "uv", "uv.toml")
		}
		c.uvConf, c.uvFrom = read(filepath.Join(xdg, "uv", "uv.toml"), system)
	}
	return c
}

// readSmall reads a configuration file, refusing one over 1 MiB.
func readSmall(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err == nil && len(data) > 1<<20 {
		err = fmt.Errorf("%s: over 1 MiB", p)
	}
	return data, err
}

// key is the part of an environment's cache key that the settings make.
func (c installerConfig) key() string {
	h := sha256.New()
	for _, kv := range c.vars {
		fmt.Fprintln(h, kv)
	}
	fmt.Fprintf(h, "pip %v %x\nuv %x\n", c.pipNull, sha256.Sum256(c.pipConf), sha256.Sum256(c.uvConf))
	return fmt.Sprintf("%x", h.Sum(nil))
}

// env is the installer's environment inside the sandbox and the files it
// names. Its caches are on the run's tmpfs: downloads are not shared
// between environments (and with build the cache is the job's own by
// construction).
func (c installerConfig) env(build bool) ([]string, []sandbox.File) {
	env := append([]string{}, c.vars...)
	env = append(env,
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_CACHE_DIR=$WORK/.cache/pip",
		"UV_CACHE_DIR=$WORK/.cache/uv", "UV_LINK_MODE=copy", "UV_PYTHON_DOWNLOADS=never", "UV_NO_PROGRESS=1")
	var files []sandbox.File
	switch {
	case c.pipNull || c.pipConf == nil:
		// No user file: nothing at all (the global files, visible in
		// the sandbox, would still be read by pip with any other value;
		// os.devnull turns every file off, so give it only when the
		// user did).
		if c.pipNull {
			env = append(env, "PIP_CONFIG_FILE="+os.DevNull)
		}
	default:
		files = append(files, sandbox.File{Name: "pip.conf", Data: c.pipConf})
		env = append(env, "PIP_CONFIG_FILE=$REPROKIT_FILES/pip.conf")
	}
	if c.uvConf != nil {
		files = append(files, sandbox.File{Name: "uv.toml", Data: c.uvConf})
		env = append(env, "UV_CONFIG_FILE=$REPROKIT_FILES/uv.toml")
	} else {
		env = append(env, "UV_NO_CONFIG=1")
	}
	return env, files
}

package scriptdeps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/reprokit/reprokit/internal/sandbox"
)

// Installer is the program that builds environments: a closed set.
type Installer string

const (
	Auto Installer = ""    // uv when it is on PATH, else pip
	UV   Installer = "uv"  // `uv venv` and `uv pip install`
	Pip  Installer = "pip" // `python -m venv` and pip
)

// ParseInstaller reads --installer.
func ParseInstaller(s string) (Installer, error) {
	switch s {
	case "", "auto":
		return Auto, nil
	case "uv":
		return UV, nil
	case "pip":
		return Pip, nil
	}
	return Auto, fmt.Errorf("--installer %q: want auto, uv or pip", s)
}

// Builder builds and caches virtual environments. Every installer runs
// inside a sandbox of its own (Sandboxed): no code of a repro's
// dependencies, and no installer, runs on the host.
type Builder struct {
	// Root holds one directory per environment; default
	// $XDG_CACHE_HOME/reprokit/venvs.
	Root string
	// Installer picks uv or pip; Auto: uv when it is on PATH.
	Installer Installer
	// Uv is the uv executable; "": uv on PATH.
	Uv string
	// IndexURL and FindLinks point the installer at another package index
	// (a PEP 503 simple index) or at a directory or page of archives, for
	// offline use. The installers' own variables (PIP_INDEX_URL,
	// UV_INDEX_URL …) and the user's configuration files are honoured too
	// (userConfig), and part of the cache key. Never the archive's.
	IndexURL, FindLinks string
	// AllowBuild lets sdists, source trees, URLs and repositories be
	// built (inside the installer's sandbox). Default: wheels from the
	// index only.
	AllowBuild bool
	// Isolation is the installer's sandbox: Namespaces (also when empty)
	// or, when asked for, ProcessGroup (refused with AllowBuild).
	Isolation sandbox.Isolation
	// Timeout bounds one installer job; default DefaultTimeout.
	Timeout time.Duration
	Log     io.Writer // says when an environment is built, and warnings; nil: nowhere
	// Getenv and Environ read reprokit's environment (the user's
	// installer settings); nil: the process's.
	Getenv  func(string) string
	Environ []string

	warned sync.Map // warnings said once per archive
}

// Interpreter is the Python an environment is built on.
type Interpreter struct {
	Path     string   // the executable
	Identity string   // what makes it this interpreter (path, size, mtime, ABI)
	Name     string   // for messages: cpython-3.12.1
	Roots    []string // directories it needs visible (its installation), for the sandbox
}

// Env is a ready environment.
type Env struct {
	Dir    string // the environment's root: mount it
	Python string // its interpreter: put it on PATH as python3
	Built  bool   // built now, rather than found in the cache
}

// Request is an environment a repro asks for.
type Request struct {
	Interp Interpreter
	Reqs   []string // requirements: the script's, overridden by --with
	// From is the archive asking, for messages; Dir is its directory:
	// with AllowBuild, the one place its local paths may point into.
	From, Dir string
	// Tree, when set, is a source tree of one of the requirements (a
	// commit of a library being bisected) installed over the
	// environment last, with no dependencies of its own: `pip install
	// --no-deps TREE` or uv's equivalent, built inside the installer's
	// sandbox. The user named it (bisect --src --install), never an
	// archive, so it needs no --allow-build; the other requirements stay
	// wheels only.
	Tree *Tree
}

// Tree is a library's source tree at one commit.
type Tree struct {
	Name string // the project, PEP 503-normalized: the release it replaces
	Dir  string // the tree on the host (a worktree of the build cache); only read
	// ID names the tree's contents for the cache key: the commit hash.
	ID string
	// Version is what a build backend that reads it from version
	// control (setuptools-scm, hatch-vcs, pdm) is told the version is:
	// the copy the sandbox builds has no repository.
	Version string
}

// InstallError is a dependency that could not be installed: the cell is
// an error naming it, never a verdict about the bug.
type InstallError struct {
	Interp, Installer string
	Reqs              []string
	Msg               string
	Tree              bool // the source tree (Request.Tree) is what failed to install
}

func (e *InstallError) Error() string {
	return fmt.Sprintf("installing %s on %s with %s failed: %s", strings.Join(e.Reqs, " "), e.Interp, e.Installer, e.Msg)
}

// NoBuildError is a dependency that would have to be built (an sdist,
// a source tree, a URL or a repository) without --allow-build: an error
// cell that names it and the way out.
type NoBuildError struct {
	What   string // "pkg 1.0", or the requirement as written
	Interp string // cpython-3.12.1
	Why    string // "has no wheel for cpython-3.12.1 (sdist only)", "is a direct reference (a local path)"
}

func (e *NoBuildError) Error() string {
	return fmt.Sprintf("%s %s: reprokit does not build packages outside the sandbox; pass --allow-build to build it inside", e.What, e.Why)
}

// RefusedError is a dependency no flag lets in: an installer option in
// the archive, an editable install, a path the build may not see.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

func (b *Builder) getenv(k string) string {
	if b.Getenv != nil {
		return b.Getenv(k)
	}
	return os.Getenv(k)
}

// installer resolves Auto and finds uv.
func (b *Builder) installer() (Installer, string, error) {
	uv := b.Uv
	if uv == "" && b.Installer != Pip {
		uv, _ = exec.LookPath("uv")
	}
	switch {
	case b.Installer == Pip, b.Installer == Auto && uv == "":
		return Pip, "", nil
	case uv == "":
		return UV, "", fmt.Errorf("--installer uv: uv is not on PATH (install it: pip install uv), or use --installer pip")
	}
	// The sandbox shows the resolved file (uv under a masked home
	// directory is mounted back read-only).
	if real, err := filepath.EvalSymlinks(uv); err == nil {
		uv = real
	}
	return UV, uv, nil
}

// prepared is a request checked against the policy: what the installer
// gets, what the sandbox shows, and what the cache key needs.
type prepared struct {
	args    []string // requirements as the installer gets them
	sources []string // source trees to build (Job.Sources)
	stamps  []string // their contents, for the key
	build   bool     // something needs a build (allowed)
}

// check applies the policy to the requirements: installer options never,
// editable installs never, and direct references and local paths only
// with AllowBuild — a local path then only inside the archive's
// directory, a source tree (pyproject.toml or setup.py) the build sees
// read-only. A wheel-only install from the index is always allowed.
func (b *Builder) check(req Request) (prepared, error) {
	var p prepared
	for _, text := range req.Reqs {
		r, err := Classify(text)
		if err != nil {
			return p, &RefusedError{fmt.Sprintf("%s: %v", req.From, err)}
		}
		switch r.Source {
		case FromIndex:
			p.args = append(p.args, text)
			continue
		case Option:
			return p, &RefusedError{fmt.Sprintf("%s: dependency %q is an installer option, not a requirement: the index and the installer's settings are yours (--index-url, --find-links, your pip.conf or uv.toml, PIP_*/UV_* variables), never the archive's", req.From, r.What())}
		case Editable:
			return p, &RefusedError{fmt.Sprintf("%s: dependency %q is an editable install, which an environment shared between runs cannot hold: name the directory as \"pkg @ file:///…\" and pass --allow-build", req.From, r.What())}
		}
		if !b.AllowBuild {
			return p, &NoBuildError{What: r.What(), Interp: req.Interp.Name, Why: "is " + r.Source.String()}
		}
		p.build = true
		if r.Source != FromPath {
			p.args = append(p.args, text)
			continue
		}
		dir, err := b.visibleTree(r, req.Dir)
		if err != nil {
			return p, &RefusedError{fmt.Sprintf("%s: dependency %q: %v", req.From, r.What(), err)}
		}
		stamp, err := treeStamp(dir)
		if err != nil {
			return p, &RefusedError{fmt.Sprintf("%s: dependency %q: %v", req.From, r.What(), err)}
		}
		name := r.Name
		if name == "" {
			return p, &RefusedError{fmt.Sprintf("%s: dependency %q: name the project, as \"NAME @ file://%s\"", req.From, r.What(), dir)}
		}
		p.args = append(p.args, name+" @ file://"+SourcePath(len(p.sources)))
		p.sources = append(p.sources, dir)
		p.stamps = append(p.stamps, dir+" "+stamp)
	}
	return p, nil
}

// visibleTree is the directory a local-path requirement may be built
// from: absolute, resolved through links, inside the archive's own
// directory (an archive must not make a build read the user's other
// projects, a home directory or anything else it names), and a source
// tree. The sandbox shows it read-only at its resolved path.
func (b *Builder) visibleTree(r Requirement, archiveDir string) (string, error) {
	if !r.absolute() {
		return "", fmt.Errorf("a relative path: name it as an absolute file:// URL")
	}
	dir, err := filepath.EvalSymlinks(r.Path)
	if err != nil {
		return "", fmt.Errorf("%v", err)
	}
	base := ""
	if archiveDir != "" {
		if abs, err := filepath.Abs(archiveDir); err == nil {
			base, _ = filepath.EvalSymlinks(abs)
		}
	}
	if base == "" || !within(dir, base) {
		return "", fmt.Errorf("%s is outside the archive's directory (%s): a build may read only source trees beside the archive", dir, orNone(base))
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s is not a directory (a source tree with a pyproject.toml or setup.py)", dir)
	}
	for _, f := range []string{"pyproject.toml", "setup.py"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%s has no pyproject.toml or setup.py: not a source tree", dir)
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// treeStamp names a source tree's contents for the cache key: each
// file's path, size and modification time (as uv keys its cache), up to
// 20,000 entries.
func treeStamp(dir string) (string, error) {
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n++; n > 20000 {
			return fmt.Errorf("%s holds over 20,000 files: too large a source tree", dir)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %d %d %v\n", rel, fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// key is the cache key of an environment: the interpreter's identity, the
// normalized requirements and the contents of local source trees
// (stamps), the installer, whether builds were allowed, and where it
// installs from (flags, the user's variables and configuration files).
func (b *Builder) key(in Interpreter, reqs []string, inst Installer, stamps []string) string {
	h := sha256.New()
	fmt.Fprintln(h, "v2", in.Identity, in.Path)
	for _, r := range Normalize(reqs) {
		fmt.Fprintln(h, "req", r)
	}
	for _, s := range stamps {
		fmt.Fprintln(h, "tree", s)
	}
	fmt.Fprintln(h, "installer", inst, "build", b.AllowBuild, "index", b.IndexURL, "find-links", b.FindLinks)
	fmt.Fprintln(h, "config", b.userConfig().key())
	return hex.EncodeToString(h.Sum(nil))[:20]
}

func (b *Builder) root() string {
	if b.Root != "" {
		return b.Root
	}
	dir := b.getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "reprokit", "venvs")
}

// doneSuffix marks a finished environment: a file beside its directory,
// which the installer's sandbox cannot write (only the directory itself).
const doneSuffix = ".done"

// Ensure returns the environment for req, building it when the cache has
// none. Concurrent cells wait for one build (a lock per key); a failed
// build leaves nothing behind.
func (b *Builder) Ensure(ctx context.Context, req Request) (Env, error) {
	p, err := b.check(req)
	if err != nil {
		return Env{}, err
	}
	inst, uv, err := b.installer()
	if err != nil {
		return Env{}, err
	}
	stamps := p.stamps
	if req.Tree != nil {
		stamps = append(stamps, "over "+req.Tree.Name+" "+req.Tree.ID+" "+req.Tree.Version)
		if b.Isolation.Resolved() != sandbox.Namespaces {
			return Env{}, &RefusedError{fmt.Sprintf("installing %s from a source tree needs the sandbox's namespaces (its build would run uncontained with --isolation %s)", req.Tree.Name, b.Isolation.Resolved())}
		}
	}
	key := b.key(req.Interp, req.Reqs, inst, stamps)
	dir := filepath.Join(b.root(), key)
	env := Env{Dir: dir, Python: filepath.Join(dir, "bin", "python3")}
	if _, err := os.Lstat(dir + doneSuffix); err == nil {
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
	if _, err := os.Lstat(dir + doneSuffix); err == nil {
		return env, nil // another cell built it while we waited
	}
	removeTree(dir) // a build that died half-way
	if err := os.Mkdir(dir, 0o755); err != nil {
		return env, err
	}
	began := time.Now()
	if err := b.build(ctx, req, p, inst, uv, dir); err != nil {
		removeTree(dir)
		return env, err
	}
	if err := os.WriteFile(dir+doneSuffix, []byte(strings.Join(Normalize(req.Reqs), "\n")+"\n"), 0o644); err != nil {
		return env, err
	}
	if b.Log != nil {
		how := "wheels only"
		switch {
		case b.AllowBuild:
			how = "builds allowed, inside the installer's sandbox"
		case req.Tree != nil:
			how = "wheels only but the tree, built inside the installer's sandbox"
		}
		what := strings.Join(Normalize(req.Reqs), " ")
		if t := req.Tree; t != nil {
			what += fmt.Sprintf(", %s from its tree at %s", t.Name, short(t.ID))
		}
		fmt.Fprintf(b.Log, "reprokit: built the environment for %s on %s with %s in %.1fs (%s; cached: %s)\n", what, req.Interp.Name, inst, time.Since(began).Seconds(), how, dir)
	}
	env.Built = true
	return env, nil
}

// removeTree removes an environment, read-only directories included
// (never following a link).
func removeTree(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}

// build runs the installer in its sandbox: wheels only (pip's
// --only-binary :all:, uv's --no-build) unless builds are allowed.
func (b *Builder) build(ctx context.Context, req Request, p prepared, inst Installer, uv, dir string) error {
	in := req.Interp
	var from []string
	if b.IndexURL != "" {
		from = append(from, "--index-url", b.IndexURL)
	}
	if b.FindLinks != "" {
		from = append(from, "--find-links", b.FindLinks)
	}
	py := filepath.Join(dir, "bin", "python3")
	show := append([]string{}, in.Roots...)
	sources := p.sources
	var vars []string
	var over []string // the tree's install, last
	if t := req.Tree; t != nil {
		tree := SourcePath(len(sources))
		sources = append(sources, t.Dir)
		if inst == UV {
			over = []string{uv, "pip", "install", "--quiet", "--python", py, "--no-deps", "--reinstall-package", t.Name}
		} else {
			over = []string{py, "-m", "pip", "install", "--no-input", "--quiet", "--no-deps", "--force-reinstall"}
		}
		over = append(append(append(over, from...), "--"), tree)
		if t.Version != "" {
			vars = append(vars, "SETUPTOOLS_SCM_PRETEND_VERSION="+t.Version, "PDM_BUILD_SCM_VERSION="+t.Version)
		}
	}
	var cmds [][]string
	switch inst {
	case UV:
		show = append(show, filepath.Dir(uv))
		cmds = append(cmds, []string{uv, "venv", "--quiet", "--allow-existing", "--python", in.Path, dir})
		if len(p.args) > 0 {
			args := []string{uv, "pip", "install", "--quiet", "--python", py}
			if !b.AllowBuild {
				args = append(args, "--no-build")
			}
			cmds = append(cmds, append(append(append(args, from...), "--"), p.args...))
		}
	default:
		cmds = append(cmds, []string{in.Path, "-m", "venv", dir})
		if len(p.args) > 0 {
			args := []string{py, "-m", "pip", "install", "--no-input", "--quiet"}
			if !b.AllowBuild {
				args = append(args, "--only-binary", ":all:")
			}
			cmds = append(cmds, append(append(append(args, from...), "--"), p.args...))
		}
	}
	if over != nil {
		cmds = append(cmds, over)
	}
	_, err := b.Sandboxed(ctx, Job{Title: "reprokit: build the environment for " + strings.Join(Normalize(req.Reqs), " "), Commands: cmds, Env: dir, Show: show, Sources: sources, Build: b.AllowBuild || req.Tree != nil, Vars: vars})
	var je *jobError
	if !errors.As(err, &je) {
		if err != nil {
			return &InstallError{Interp: in.Name, Installer: string(inst), Reqs: Normalize(req.Reqs), Msg: err.Error()}
		}
		return nil
	}
	if t := req.Tree; t != nil && strings.Contains(je.last, "--no-deps") && strings.HasSuffix(je.last, "'"+SourcePath(len(sources)-1)+"'") {
		return &InstallError{Interp: in.Name, Installer: string(inst), Reqs: []string{t.Name + " @ " + short(t.ID)}, Msg: je.Error(), Tree: true}
	}
	if !b.AllowBuild {
		if nb := b.noWheel(ctx, req, inst, from, dir, show, outputOf(je.log)); nb != nil {
			return nb
		}
	}
	return &InstallError{Interp: in.Name, Installer: string(inst), Reqs: Normalize(req.Reqs), Msg: je.Error()}
}

var (
	// uv says which release it could not use: "Because sdonly==1.0 has
	// no usable wheels".
	uvNoWheelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(` + namePat + `)==(\S+) has no usable wheels`) })
	// pip says which requirement it found nothing for.
	pipNoMatchRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`No matching distribution found for (` + namePat + `)(\S*)`)
	})
	// `pip index versions` lists what the index has for this interpreter,
	// sdists included.
	pipVersionsRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^Available versions: (.+)$`) })
)

// noWheel tells, after a wheels-only install failed, whether it failed
// because a release has only an sdist: uv says so; pip says only that it
// found nothing, so the index is asked (`pip index versions`, which
// lists sdists too, in the same sandbox) — a project the index does not
// have at all stays the installer's own error.
func (b *Builder) noWheel(ctx context.Context, req Request, inst Installer, from []string, dir string, show []string, out string) error {
	why := "has no wheel for " + req.Interp.Name + " (sdist only)"
	if inst == UV {
		if m := uvNoWheelRE().FindStringSubmatch(out); m != nil {
			return &NoBuildError{What: m[1] + " " + m[2], Interp: req.Interp.Name, Why: why}
		}
		return nil
	}
	m := pipNoMatchRE().FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	name, spec := m[1], m[2]
	py := filepath.Join(dir, "bin", "python3")
	cmd := append(append([]string{py, "-m", "pip", "index", "versions"}, from...), "--", name)
	log, err := b.Sandboxed(ctx, Job{Title: "reprokit: which releases of " + name + " are there", Commands: [][]string{cmd}, Env: dir, Show: show})
	if err != nil {
		return nil // an old pip without `index`, or nothing there
	}
	vm := pipVersionsRE().FindStringSubmatch(outputOf(log))
	if vm == nil {
		return nil
	}
	return &NoBuildError{What: strings.TrimSpace(name + " " + pickVersion(strings.Split(vm[1], ", "), spec)), Interp: req.Interp.Name, Why: why}
}

// pickVersion is the release a specifier would have taken from versions
// (newest first, as pip lists them): the pinned one, else the newest the
// specifier allows, else "" (then the message names the project alone).
func pickVersion(versions []string, spec string) string {
	if v, ok := strings.CutPrefix(spec, "=="); ok && !strings.ContainsAny(v, ",*;") {
		return v
	}
	for _, v := range versions {
		v = strings.TrimSpace(v)
		if spec == "" {
			return v
		}
		if ok, err := Allows(spec, v); err == nil && ok {
			return v
		}
	}
	return ""
}

// installerMessage keeps what the installer said about the failure: its
// ERROR lines (pip) or error lines (uv), else its last lines.
func installerMessage(out string, reason string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "ERROR:") || strings.HasPrefix(t, "error:") || strings.HasPrefix(t, "×") || strings.HasPrefix(t, "╰─▶") || strings.HasPrefix(t, "Error:") || strings.HasPrefix(t, "cause:") {
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
			keep = []string{reason}
		}
	}
	return strings.Join(keep, " ")
}

// Warn says msg about an archive once per builder (a check runs an
// archive on many cells).
func (b *Builder) Warn(archive, msg string) {
	if b.Log == nil {
		return
	}
	if _, seen := b.warned.LoadOrStore(archive+"\x00"+msg, true); !seen {
		fmt.Fprintf(b.Log, "reprokit: warning: %s: %s\n", archive, msg)
	}
}

// WarnIgnored says which installer settings of an archive are ignored:
// `[tool.uv]` keys of its inline metadata, and members such as pip.conf.
// The index and the installer's settings are the user's alone.
func (b *Builder) WarnIgnored(archive string, md *Metadata, files []File) {
	const whose = "the index and the installer's settings are yours (--index-url, --find-links, your pip.conf or uv.toml, PIP_*/UV_* variables), never the archive's"
	if md != nil {
		if ign := md.Ignored(); len(ign) > 0 {
			b.Warn(archive, fmt.Sprintf("%s:%d: ignored %s: %s", md.File, md.Line, strings.Join(ign, ", "), whose))
		}
	}
	if members := ConfigMembers(files); len(members) > 0 {
		b.Warn(archive, fmt.Sprintf("member %s not used to install dependencies (the installer never sees the archive's files): %s", strings.Join(members, ", "), whose))
	}
}

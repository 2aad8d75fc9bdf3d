package pyindex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mirror is a Python downloads mirror on loopback, the way uv reads one:
// a downloads JSON (UV_PYTHON_DOWNLOADS_JSON_URL) naming CPython builds in
// python-build-standalone's install_only layout (python/bin/python3,
// python/lib/python3.X/ …, as a .tar.gz) with their sha256, and the
// archives themselves. The builds are interpreters already on this machine
// (a pyenv build, say), packaged under the version they are.
type Mirror struct {
	*httptest.Server
	mu       sync.Mutex
	builds   map[string]*build // by version, "3.12.1"
	requests []string
}

type build struct {
	version, key, file string
	data               []byte
	sha256             string // what the list says; a wrong one makes the archive corrupt
}

// NewMirror starts an empty mirror.
func NewMirror() *Mirror {
	m := &Mirror{builds: map[string]*build{}}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	return m
}

// JSONURL is the downloads list's URL, for UV_PYTHON_DOWNLOADS_JSON_URL.
func (m *Mirror) JSONURL() string { return m.URL + "/downloads.json" }

// Add packages the interpreter installed at dir (a prefix: dir/bin/python3)
// as CPython version ("3.12.1", or "3.13.0t" for a free-threaded build)
// and lists it.
func (m *Mirror) Add(version, dir string) error {
	data, err := InstallOnly(dir)
	if err != nil {
		return err
	}
	num, variant := strings.TrimRight(version, "td"), ""
	switch strings.TrimPrefix(version, num) {
	case "t":
		variant = "freethreaded"
	case "d":
		variant = "debug"
	case "":
	default:
		return fmt.Errorf("version %q: want e.g. 3.12.1 or 3.13.0t", version)
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	key := fmt.Sprintf("cpython-%s-linux-%s-gnu", num, arch)
	flavour := "install_only"
	if variant != "" {
		key = fmt.Sprintf("cpython-%s+%s-linux-%s-gnu", num, variant, arch)
		flavour = variant + "-install_only"
	}
	sum := sha256.Sum256(data)
	b := &build{version: version, key: key, data: data, sha256: hex.EncodeToString(sum[:]),
		file: fmt.Sprintf("cpython-%s+20240101-%s-unknown-linux-gnu-%s.tar.gz", num, arch, flavour)}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.builds[version] = b
	return nil
}

// Corrupt makes the list give version (or every release of a minor,
// "3.10") a sha256 its archive does not have.
func (m *Mirror) Corrupt(version string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for v, b := range m.builds {
		if v == version || strings.HasPrefix(v, version+".") {
			b.sha256 = strings.Repeat("0", 64)
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no %s in the mirror", version)
	}
	return nil
}

// Requests are the paths asked for so far, in order.
func (m *Mirror) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string{}, m.requests...)
}

func (m *Mirror) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, r.URL.Path)
	m.mu.Unlock()
	if r.URL.Path == "/downloads.json" {
		w.Header().Set("Content-Type", "application/json")
		w.Write(m.list())
		return
	}
	name, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/"))
	m.mu.Lock()
	var found *build
	for _, b := range m.builds {
		if b.file == name {
			found = b
		}
	}
	m.mu.Unlock()
	if found == nil {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(found.data))
}

// list is the downloads JSON, in the shape of uv's download-metadata.json.
func (m *Mirror) list() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	type arch struct {
		Family  string  `json:"family"`
		Variant *string `json:"variant"`
	}
	type entry struct {
		Name       string  `json:"name"`
		Arch       arch    `json:"arch"`
		OS         string  `json:"os"`
		Libc       string  `json:"libc"`
		Major      int     `json:"major"`
		Minor      int     `json:"minor"`
		Patch      int     `json:"patch"`
		Prerelease string  `json:"prerelease"`
		URL        string  `json:"url"`
		SHA256     string  `json:"sha256"`
		Variant    *string `json:"variant"`
		Build      string  `json:"build"`
	}
	out := map[string]entry{}
	for _, b := range m.builds {
		num := strings.TrimRight(b.version, "td")
		parts := strings.Split(num, ".")
		var n [3]int
		for i := 0; i < 3 && i < len(parts); i++ {
			n[i], _ = strconv.Atoi(parts[i])
		}
		e := entry{Name: "cpython", Arch: arch{Family: map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]},
			OS: "linux", Libc: "gnu", Major: n[0], Minor: n[1], Patch: n[2],
			URL: m.URL + "/" + url.PathEscape(b.file), SHA256: b.sha256, Build: "20240101"}
		if v := strings.TrimPrefix(b.version, num); v != "" {
			variant := map[string]string{"t": "freethreaded", "d": "debug"}[v]
			e.Variant = &variant
		}
		out[b.key] = e
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	return data
}

var (
	packedMu sync.Mutex
	packed   = map[string][]byte{} // by real prefix: packing takes seconds, specs share it
)

// InstallOnly packs the interpreter installed at prefix as
// python-build-standalone's install_only archive: its tree under python/,
// gzipped. What a run never needs is left out (the test suite, caches,
// static libraries, site-packages). A build whose binaries find their
// shared libraries by an absolute RUNPATH into prefix (a pyenv build's
// libpython) gets $ORIGIN-relative ones instead, as python-build-standalone
// builds have, so that the unpacked copy runs on its own files wherever it
// lands.
func InstallOnly(prefix string) ([]byte, error) {
	real, err := filepath.EvalSymlinks(prefix)
	if err != nil {
		return nil, err
	}
	packedMu.Lock()
	defer packedMu.Unlock()
	if data, ok := packed[real]; ok {
		return data, nil
	}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(real, p)
		if skipInPack(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join("python", rel))
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uname, hdr.Gname, hdr.Uid, hdr.Gid = "", "", 0, 0
		if !fi.Mode().IsRegular() {
			return tw.WriteHeader(hdr)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if data, err = relocate(data, real, filepath.Dir(p)); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		hdr.Size = int64(len(data))
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	packed[real] = buf.Bytes()
	return buf.Bytes(), nil
}

func skipInPack(rel string, d fs.DirEntry) bool {
	base := d.Name()
	parts := strings.Split(filepath.ToSlash(rel), "/")
	switch {
	case base == "__pycache__" || strings.HasSuffix(base, ".a"):
		return true
	case len(parts) == 3 && parts[0] == "lib" && (base == "test" || base == "idlelib" || strings.HasPrefix(base, "config-")):
		return true // lib/python3.X/test …
	case len(parts) == 4 && parts[0] == "lib" && parts[2] == "site-packages":
		return true // what pip installed: not the interpreter
	}
	return false
}

// relocate rewrites an ELF file's absolute RUNPATH/RPATH entries that
// point into prefix as $ORIGIN-relative ones, in place in its string
// table (the new string is never longer: the rest is NUL-padded). Other
// files come back as they are.
func relocate(data []byte, prefix, dir string) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		return data, nil
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return data, nil // not an ELF file after all
	}
	dynstr := f.Section(".dynstr")
	if dynstr == nil {
		return data, nil
	}
	out, copied := data, false
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		offs, err := f.DynValue(tag)
		if err != nil {
			return nil, err
		}
		for _, off := range offs {
			at := int(dynstr.Offset) + int(off)
			end := bytes.IndexByte(out[at:], 0)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %v", tag)
			}
			old := string(out[at : at+end])
			var entries []string
			for _, e := range strings.Split(old, ":") {
				if e == prefix || strings.HasPrefix(e, prefix+"/") {
					r, err := filepath.Rel(dir, e)
					if err != nil {
						return nil, err
					}
					e = "$ORIGIN/" + filepath.ToSlash(r)
				}
				entries = append(entries, e)
			}
			neu := strings.Join(entries, ":")
			if neu == old {
				continue
			}
			if len(neu) > len(old) {
				return nil, fmt.Errorf("%v %q: the relative form %q is longer", tag, old, neu)
			}
			if !copied {
				out, copied = append([]byte{}, data...), true
			}
			copy(out[at:], neu)
			for i := at + len(neu); i < at+end; i++ {
				out[i] = 0
			}
		}
	}
	return out, nil
}

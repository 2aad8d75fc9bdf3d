// Package pyindex is a package index on loopback for tests: it builds
// pure-Python wheels and source distributions from sources given in the
// test and serves them, with any distribution file added as it is, as a
// PEP 503 "simple" repository, so that pip and uv install from it exactly
// as from the public index, with no network.
package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Project is one release of a package: its name, version and files
// (paths inside the wheel, e.g. "tinydep/__init__.py"; with Sdist, paths
// inside the source tree, e.g. "setup.py").
type Project struct {
	Name, Version string
	Files         map[string]string
	// Sdist publishes the release as a source distribution only (no
	// wheel): NAME-VERSION.tar.gz with the files and a PKG-INFO.
	Sdist bool
}

// SdistFile builds p as a source distribution (.tar.gz): the files under
// NAME-VERSION/, with a PKG-INFO, as `python -m build --sdist` lays it out.
func SdistFile(p Project) (filename string, data []byte, err error) {
	dist := sepRE.ReplaceAllString(p.Name, "_")
	root := fmt.Sprintf("%s-%s", dist, p.Version)
	files := map[string]string{"PKG-INFO": fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", p.Name, p.Version)}
	for k, v := range p.Files {
		files[k] = v
	}
	var names []string
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		mode := int64(0o644)
		if err := tw.WriteHeader(&tar.Header{Name: root + "/" + n, Mode: mode, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			return "", nil, err
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			return "", nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, err
	}
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	return root + ".tar.gz", buf.Bytes(), nil
}

var sepRE = regexp.MustCompile(`[-_.]+`)

// normalize is PEP 503's name normalization.
func normalize(name string) string { return strings.ToLower(sepRE.ReplaceAllString(name, "-")) }

// Wheel builds p as a py3-none-any wheel (the binary distribution format:
// the files, then METADATA, WHEEL and a RECORD of hashes in .dist-info).
func Wheel(p Project) (filename string, data []byte, err error) {
	dist := sepRE.ReplaceAllString(p.Name, "_")
	filename = fmt.Sprintf("%s-%s-py3-none-any.whl", dist, p.Version)
	info := fmt.Sprintf("%s-%s.dist-info", dist, p.Version)
	files := map[string]string{}
	for k, v := range p.Files {
		files[k] = v
	}
	files[info+"/METADATA"] = fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", p.Name, p.Version)
	files[info+"/WHEEL"] = "Wheel-Version: 1.0\nGenerator: reprokit-pyindex\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
	var names []string
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		sum := sha256.Sum256([]byte(files[n]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(sum[:]), len(files[n]))
		w, err := zw.Create(n)
		if err != nil {
			return "", nil, err
		}
		w.Write([]byte(files[n]))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	w, err := zw.Create(info + "/RECORD")
	if err != nil {
		return "", nil, err
	}
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	return filename, buf.Bytes(), nil
}

// Server is a PEP 503 simple index: /simple/ lists projects,
// /simple/NAME/ links each file with its sha256, /files/FILE serves it.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	projects map[string][]string // normalized name → distribution file names
	files    map[string][]byte
	Requests []string // paths asked for, in order
}

// New starts an index serving the given releases.
func New(projects ...Project) (*Server, error) {
	s := &Server{projects: map[string][]string{}, files: map[string][]byte{}}
	for _, p := range projects {
		if err := s.Add(p); err != nil {
			return nil, err
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Add builds and publishes one more release (a wheel, or an sdist).
func (s *Server) Add(p Project) error {
	build := Wheel
	if p.Sdist {
		build = SdistFile
	}
	name, data, err := build(p)
	if err != nil {
		return err
	}
	s.publish(p.Name, name, data)
	return nil
}

// AddFile publishes a distribution file as it is (a wheel or an sdist
// found on the machine, e.g. setuptools for builds): its project is the
// file name up to the first '-'.
func (s *Server) AddFile(filename string, data []byte) error {
	project, _, ok := strings.Cut(filename, "-")
	if !ok || filename != path.Base(filename) {
		return fmt.Errorf("%q is not a distribution file name (NAME-VERSION…)", filename)
	}
	s.publish(project, filename, data)
	return nil
}

func (s *Server) publish(project, filename string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := normalize(project)
	s.projects[n] = append(s.projects[n], filename)
	s.files[filename] = data
}

// Asked is how many requests the index has answered: an index that must
// not be used (one an archive names) is asserted at 0.
func (s *Server) Asked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Requests)
}

// IndexURL is the simple index's URL, for --index-url.
func (s *Server) IndexURL() string { return s.URL + "/simple/" }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Requests = append(s.Requests, r.URL.Path)
	path := r.URL.Path
	switch {
	case path == "/simple/" || path == "/simple":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintln(w, "<!DOCTYPE html><html><body>")
		var names []string
		for n := range s.projects {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "<a href=\"/simple/%s/\">%s</a>\n", n, html.EscapeString(n))
		}
		fmt.Fprintln(w, "</body></html>")
	case strings.HasPrefix(path, "/simple/"):
		n := normalize(strings.Trim(strings.TrimPrefix(path, "/simple/"), "/"))
		wheels, ok := s.projects[n]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><html><body><h1>Links for %s</h1>\n", html.EscapeString(n))
		for _, f := range wheels {
			sum := sha256.Sum256(s.files[f])
			fmt.Fprintf(w, "<a href=\"/files/%s#sha256=%s\">%s</a><br/>\n", f, hex.EncodeToString(sum[:]), html.EscapeString(f))
		}
		fmt.Fprintln(w, "</body></html>")
	case strings.HasPrefix(path, "/files/"):
		data, ok := s.files[strings.TrimPrefix(path, "/files/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
	default:
		http.NotFound(w, r)
	}
}

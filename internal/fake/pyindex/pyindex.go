// Package pyindex is a package index on loopback for tests: it builds
// pure-Python wheels from sources given in the test and serves them as a
// PEP 503 "simple" repository, so that pip and uv install from it exactly
// as from the public index, with no network.
package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Project is one release of a package: its name, version and files
// (paths inside the wheel, e.g. "tinydep/__init__.py").
type Project struct {
	Name, Version string
	Files         map[string]string
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
	projects map[string][]string // normalized name → wheel file names
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

// Add builds and publishes one more release.
func (s *Server) Add(p Project) error {
	name, data, err := Wheel(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := normalize(p.Name)
	s.projects[n] = append(s.projects[n], name)
	s.files[name] = data
	return nil
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

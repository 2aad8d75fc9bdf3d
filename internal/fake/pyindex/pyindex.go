// Package pyindex is a package index on loopback for tests: it builds
// pure-Python wheels and source distributions from sources given in the
// test and serves them, with any distribution file added as it is, as a
// PEP 503 "simple" repository (HTML) and, to a client that asks for it,
// a PEP 691 one (JSON), with yanked files marked as PEP 592 says, so that
// pip and uv install from it exactly as from the public index, with no
// network.
package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
	// Yanked marks the release's file yanked (PEP 592), with this reason.
	Yanked string
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
	mu        sync.Mutex
	projects  map[string][]string // normalized name → distribution file names
	files     map[string][]byte
	yanked    map[string]string // file name → why it was yanked
	Requests  []string          // paths asked for, in order
	htmlOnly  bool              // see HTMLOnly
	jsonAsked int
}

// New starts an index serving the given releases.
func New(projects ...Project) (*Server, error) {
	s := &Server{projects: map[string][]string{}, files: map[string][]byte{}, yanked: map[string]string{}}
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
	if p.Yanked != "" {
		s.mu.Lock()
		s.yanked[name] = p.Yanked
		s.mu.Unlock()
	}
	return nil
}

// HTMLOnly makes the index answer in HTML (PEP 503) whatever the client
// asks, as older indexes do.
func (s *Server) HTMLOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.htmlOnly = true
}

// JSONAsked is how many project pages were served as JSON (PEP 691).
func (s *Server) JSONAsked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jsonAsked
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

// jsonType is PEP 691's media type for the simple API in JSON.
const jsonType = "application/vnd.pypi.simple.v1+json"

// serveJSON is a PEP 691 project page: each file with its URL, sha256 and
// yanked (false, or the reason).
func (s *Server) serveJSON(w http.ResponseWriter, name string, files []string) {
	type file struct {
		Filename string            `json:"filename"`
		URL      string            `json:"url"`
		Hashes   map[string]string `json:"hashes"`
		Yanked   any               `json:"yanked"`
	}
	page := struct {
		Meta  map[string]string `json:"meta"`
		Name  string            `json:"name"`
		Files []file            `json:"files"`
	}{Meta: map[string]string{"api-version": "1.0"}, Name: name, Files: []file{}}
	for _, f := range files {
		sum := sha256.Sum256(s.files[f])
		var yanked any = false
		if why, ok := s.yanked[f]; ok {
			yanked = why
		}
		page.Files = append(page.Files, file{Filename: f, URL: "/files/" + f, Hashes: map[string]string{"sha256": hex.EncodeToString(sum[:])}, Yanked: yanked})
	}
	w.Header().Set("Content-Type", jsonType)
	json.NewEncoder(w).Encode(page)
}

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
		if !s.htmlOnly && strings.Contains(r.Header.Get("Accept"), jsonType) {
			s.jsonAsked++
			s.serveJSON(w, n, wheels)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><html><body><h1>Links for %s</h1>\n", html.EscapeString(n))
		for _, f := range wheels {
			sum := sha256.Sum256(s.files[f])
			yanked := ""
			if why, ok := s.yanked[f]; ok {
				yanked = fmt.Sprintf(" data-yanked=\"%s\"", html.EscapeString(why))
			}
			fmt.Fprintf(w, "<a href=\"/files/%s#sha256=%s\"%s>%s</a><br/>\n", f, hex.EncodeToString(sum[:]), yanked, html.EscapeString(f))
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

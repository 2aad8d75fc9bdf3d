package scriptdeps

// This file reads a project's releases from the user's package index,
// the way the installers do: the simple repository API, as JSON (PEP 691)
// when the index speaks it, else as HTML (PEP 503) — with each file's
// yanked mark (PEP 592). Only the list is read, on the host: no file is
// downloaded and nothing of the project runs. Versions are ordered by
// PEP 440, not by upload time, since backport branches interleave.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os/exec"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	pep440 "github.com/aquasecurity/go-pep440-version"
	"golang.org/x/net/html"
)

// DistFile is one distribution file of a release, as the index lists it.
type DistFile struct {
	Filename string
	Yanked   bool
	Wheel    bool // a .whl; else an sdist
	// Tags are a wheel's compatibility tags (python-abi-platform), e.g.
	// "py3-none-any"; empty for an sdist.
	Tags string
}

// Release is one version of a project with its files.
type Release struct {
	Version string
	Files   []DistFile
}

// Yanked reports whether every file of the release is yanked (PEP 592:
// an installer then takes it only when pinned exactly).
func (r Release) Yanked() bool {
	for _, f := range r.Files {
		if !f.Yanked {
			return false
		}
	}
	return len(r.Files) > 0
}

// HasWheel reports whether the release has a wheel (yanked or not: a
// yanked release is still installed when pinned exactly).
func (r Release) HasWheel() bool {
	for _, f := range r.Files {
		if f.Wheel {
			return true
		}
	}
	return false
}

// Pre reports whether the version is a pre-release or a development
// release (PEP 440: "2.0rc1", "2.0.dev3").
func (r Release) Pre() bool {
	v, err := pep440.Parse(r.Version)
	return err == nil && v.IsPreRelease()
}

// CompareVersions orders two PEP 440 versions; a version that does not
// parse sorts before every one that does, then by its text.
func CompareVersions(a, b string) int {
	va, ea := pep440.Parse(a)
	vb, eb := pep440.Parse(b)
	switch {
	case ea != nil && eb != nil:
		return strings.Compare(a, b)
	case ea != nil:
		return -1
	case eb != nil:
		return 1
	}
	return va.Compare(vb)
}

// ValidVersion reports whether s is a PEP 440 version.
func ValidVersion(s string) bool {
	_, err := pep440.Parse(s)
	return err == nil
}

// Index is the simple index the installers would use: --index-url,
// else the user's settings (PIP_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX_URL,
// the index-url of the user's pip.conf or uv.toml), else pip's own
// default, read from pip itself. Never the archive's.
func (b *Builder) Index(ctx context.Context) (string, error) {
	if b.IndexURL != "" {
		return b.IndexURL, nil
	}
	c := b.userConfig()
	for _, k := range []string{"PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL"} {
		for _, kv := range c.vars {
			if v, ok := strings.CutPrefix(kv, k+"="); ok && v != "" {
				return v, nil
			}
		}
	}
	if u := pipConfIndex(c.pipConf); u != "" {
		return u, nil
	}
	if u := uvConfIndex(c.uvConf); u != "" {
		return u, nil
	}
	return defaultIndex(ctx)
}

// pipConfIndex is the index-url of a pip.conf's [global] or [install]
// section (pip's configuration is INI: `key = value` lines under
// `[section]`).
func pipConfIndex(conf []byte) string {
	section, found := "", ""
	sc := bufio.NewScanner(strings.NewReader(string(conf)))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[] ")
		case section == "global" || section == "install":
			k, v, ok := strings.Cut(l, "=")
			if ok && strings.TrimSpace(k) == "index-url" && (found == "" || section == "install") {
				found = strings.TrimSpace(v)
			}
		}
	}
	return found
}

// uvConfIndex is a uv.toml's default index: the [[index]] marked
// default, else index-url.
func uvConfIndex(conf []byte) string {
	if conf == nil {
		return ""
	}
	var c struct {
		IndexURL string `toml:"index-url"`
		Index    []struct {
			URL     string `toml:"url"`
			Default bool   `toml:"default"`
		} `toml:"index"`
	}
	if _, err := toml.Decode(string(conf), &c); err != nil {
		return ""
	}
	for _, i := range c.Index {
		if i.Default {
			return i.URL
		}
	}
	return c.IndexURL
}

// defaultIndex asks pip for the index it uses when nothing is set. pip
// runs isolated (-I: no user site, no environment), and only reads a
// constant.
func defaultIndex(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "python3", "-I", "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)").Output()
	u := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(u, "http") {
		return "", fmt.Errorf("no package index set and pip's default could not be read (%v): pass --index-url", err)
	}
	return u, nil
}

// Releases lists the releases of project on the user's index, in PEP 440
// order (oldest first); versions that are not PEP 440 are left out.
func (b *Builder) Releases(ctx context.Context, project string) ([]Release, string, error) {
	index, err := b.Index(ctx)
	if err != nil {
		return nil, "", err
	}
	files, err := listFiles(ctx, index, project)
	if err != nil {
		return nil, index, err
	}
	byVersion := map[string]*Release{}
	var order []string
	for _, f := range files {
		v := fileVersion(f.Filename, project)
		if v == "" || !ValidVersion(v) {
			continue
		}
		if byVersion[v] == nil {
			byVersion[v] = &Release{Version: v}
			order = append(order, v)
		}
		byVersion[v].Files = append(byVersion[v].Files, f)
	}
	sort.SliceStable(order, func(i, j int) bool { return CompareVersions(order[i], order[j]) < 0 })
	out := make([]Release, len(order))
	for i, v := range order {
		out[i] = *byVersion[v]
	}
	return out, index, nil
}

// Accept asks for PEP 691 JSON first, then PEP 503 HTML.
const simpleAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

// listFiles reads the project page of a simple index.
func listFiles(ctx context.Context, index, project string) ([]DistFile, error) {
	base, err := url.Parse(strings.TrimSuffix(index, "/") + "/" + normName(project) + "/")
	if err != nil {
		return nil, fmt.Errorf("index %q: %v", index, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", simpleAccept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the releases of %s: %v", project, redactURL(err.Error(), base))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("the index %s has no project %q", redactURL(index, base), project)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the releases of %s from %s: %s", project, redactURL(index, base), resp.Status)
	}
	body := io.LimitReader(resp.Body, 64<<20)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "application/vnd.pypi.simple.v1+json" {
		return jsonFiles(body)
	}
	return htmlFiles(body)
}

// redactURL hides a password that a URL of the user's may carry.
func redactURL(s string, u *url.URL) string {
	if u != nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}

// jsonFiles reads a PEP 691 project page: "yanked" is false, true or a
// reason.
func jsonFiles(r io.Reader) ([]DistFile, error) {
	var page struct {
		Files []struct {
			Filename string          `json:"filename"`
			Yanked   json.RawMessage `json:"yanked"`
		} `json:"files"`
	}
	if err := json.NewDecoder(r).Decode(&page); err != nil {
		return nil, fmt.Errorf("the index's JSON page (PEP 691): %v", err)
	}
	var out []DistFile
	for _, f := range page.Files {
		y := strings.TrimSpace(string(f.Yanked))
		out = append(out, distFile(f.Filename, y != "" && y != "false" && y != "null"))
	}
	return out, nil
}

// htmlFiles reads a PEP 503 project page: one anchor per file, its text
// the file name, data-yanked present when yanked (PEP 592).
func htmlFiles(r io.Reader) ([]DistFile, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("the index's HTML page (PEP 503): %v", err)
	}
	var out []DistFile
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			var href string
			yanked := false
			for _, a := range n.Attr {
				switch a.Key {
				case "href":
					href = a.Val
				case "data-yanked":
					yanked = true
				}
			}
			if u, err := url.Parse(href); err == nil && href != "" {
				out = append(out, distFile(path.Base(u.Path), yanked))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out, nil
}

func distFile(name string, yanked bool) DistFile {
	f := DistFile{Filename: name, Yanked: yanked, Wheel: strings.HasSuffix(name, ".whl")}
	if f.Wheel {
		parts := strings.Split(strings.TrimSuffix(name, ".whl"), "-")
		if len(parts) >= 5 {
			f.Tags = strings.Join(parts[len(parts)-3:], "-")
		}
	}
	return f
}

// fileVersion is the version in a distribution file's name: a wheel's
// second field (the binary distribution format), an sdist's text after
// the project's name ("name-1.0.tar.gz"; the name compared normalized).
func fileVersion(filename, project string) string {
	if strings.HasSuffix(filename, ".whl") {
		parts := strings.Split(filename, "-")
		if len(parts) < 5 {
			return ""
		}
		return parts[1]
	}
	stem := ""
	for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"} {
		if s, ok := strings.CutSuffix(filename, ext); ok {
			stem = s
			break
		}
	}
	if stem == "" {
		return ""
	}
	// The name may hold dashes: cut where the normalized prefix is the project.
	want := normName(project)
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && normName(stem[:i]) == want {
			return stem[i+1:]
		}
	}
	return ""
}

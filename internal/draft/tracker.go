// This file holds tracker profiles: where an upstream's issues live,
// its labels, and the shape of its issue body as a text/template over the
// draft's blocks. Defaults (cpython, go, github) are embedded; a file
// reports/trackers/NAME.yaml adds a tracker or overrides one. Adding a
// tracker is adding a file.

package draft

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/reprokit/reprokit/internal/usage"
)

//go:embed profiles/*.yaml
var embedded embed.FS

// Profile describes one tracker.
type Profile struct {
	// Name of the tracker, as --tracker and the metadata's tracker say it.
	Name string `yaml:"name"`
	// Repo is OWNER/NAME upstream; empty for the generic profile, which
	// takes the repro metadata's repo.
	Repo string `yaml:"repo"`
	// Labels to apply: Crash for a crash signature (fatal error, signal),
	// Bug otherwise.
	Labels struct {
		Crash []string `yaml:"crash"`
		Bug   []string `yaml:"bug"`
	} `yaml:"labels"`
	// Versions are what the tracker's "versions tested on" field offers,
	// oldest first ("3.9" … "3.15", then a branch such as "CPython main
	// branch"): a draft ticks the ones run here and names the rest as not
	// tested, and tells versions older than the list in prose.
	Versions []string `yaml:"versions"`
	// Title and Body are text/templates over draft.Data.
	Title string `yaml:"title"`
	Body  string `yaml:"body"`

	Source    string             `yaml:"-"` // where it was loaded from
	TitleTmpl *template.Template `yaml:"-"`
	BodyTmpl  *template.Template `yaml:"-"`
}

// ProfileError is a profile error with its file and line.
type ProfileError = usage.At

// ProfileNames lists the known trackers: embedded and in dir.
func ProfileNames(dir string) []string {
	set := map[string]bool{}
	ents, _ := fs.ReadDir(embedded, "profiles")
	for _, e := range ents {
		set[strings.TrimSuffix(e.Name(), ".yaml")] = true
	}
	if dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			set[strings.TrimSuffix(filepath.Base(f), ".yaml")] = true
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LoadProfile finds a profile: dir/NAME.yaml first, then the embedded default.
func LoadProfile(name, dir string, funcs template.FuncMap) (*Profile, error) {
	if dir != "" {
		path := filepath.Join(dir, name+".yaml")
		if data, err := os.ReadFile(path); err == nil {
			return parse(path, data, funcs)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, &ProfileError{File: path, Msg: err.Error()}
		}
	}
	data, err := embedded.ReadFile("profiles/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown tracker %q (known: %s); add one as %s", name, strings.Join(ProfileNames(dir), ", "), filepath.Join(dir, name+".yaml"))
	}
	return parse("(built-in) "+name+".yaml", data, funcs)
}

var lineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })
var startedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`started at \w+:(\d+)`) })
var tmplLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^template: [^:]+:(\d+):\s*(.*)$`) })

func parse(source string, data []byte, funcs template.FuncMap) (*Profile, error) {
	var p Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := lineRE().FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimSpace(strings.Replace(msg, m[0], "", 1))
			msg = strings.TrimPrefix(msg, ": ")
		}
		return nil, &ProfileError{File: source, Line: line, Msg: "bad tracker profile: " + msg}
	}
	p.Source = source
	if p.Name == "" {
		return nil, &ProfileError{File: source, Msg: "bad tracker profile: no name"}
	}
	var root yaml.Node
	yaml.Unmarshal(data, &root)
	for _, t := range []struct {
		key  string
		text string
		dst  **template.Template
	}{{"title", p.Title, &p.TitleTmpl}, {"body", p.Body, &p.BodyTmpl}} {
		tmpl, err := template.New(t.key).Funcs(funcs).Option("missingkey=error").Parse(t.text)
		if err != nil {
			line := keyLine(&root, t.key)
			msg := err.Error()
			if m := tmplLineRE().FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				msg = m[2]
				// "unclosed action started at body:2" knows better than EOF.
				if s := startedRE().FindStringSubmatch(msg); s != nil {
					n, _ = strconv.Atoi(s[1])
				}
				line += n
			}
			return nil, &ProfileError{File: source, Line: line, Msg: fmt.Sprintf("bad %s template: %s", t.key, msg)}
		}
		*t.dst = tmpl
	}
	return &p, nil
}

// keyLine is the line of a top-level key (0 if absent).
func keyLine(root *yaml.Node, key string) int {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
	}
	return 0
}

// LabelsFor picks the labels for a crash or a plain bug.
func (p *Profile) LabelsFor(crash bool) []string {
	if crash {
		return p.Labels.Crash
	}
	return p.Labels.Bug
}

package scriptdeps

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Source is where a requirement's code comes from: a closed set, because
// each kind is allowed or refused on its own terms (Builder.check).
type Source int

const (
	// FromIndex is a named requirement (PEP 508 without a URL:
	// `name[extras] specifiers; markers`): the user's index provides it,
	// as a wheel unless --allow-build.
	FromIndex Source = iota
	// FromURL is a direct reference to an archive by URL
	// (`name @ https://…`): the archive chose where it comes from.
	FromURL
	// FromVCS is a direct reference to a repository (`name @ git+…`).
	FromVCS
	// FromPath is a local path (`name @ file:///…`, `./pkg`, `/src/pkg`,
	// `pkg-1.0.tar.gz`): a source tree or archive on this machine.
	FromPath
	// Editable is `-e …` / `--editable …`: a source tree linked into the
	// environment, never cacheable.
	Editable
	// Option is any other word starting with `-`: an installer option
	// (`--index-url`, `-r file`), never a requirement.
	Option
)

func (s Source) String() string {
	return [...]string{"a requirement from the index", "a direct reference (a URL)", "a direct reference (a repository)", "a local path", "an editable install", "an installer option"}[s]
}

// Requirement is one dependency as the archive (or --with) wrote it.
type Requirement struct {
	Text   string
	Name   string // PEP 503-normalized project name; "" when it has none (a bare path or URL)
	Source Source
	Path   string // FromPath: the path it names (absolute or relative, as written)
}

const namePat = `[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`

var (
	// plainRE is a named requirement: name, extras, version clauses made
	// of operators and version characters only (no URL, no path), and
	// markers after `;`.
	plainRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*(` + namePat + `)\s*(\[[A-Za-z0-9._,\s-]*\])?\s*(\(?\s*(?:(?:===|~=|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)+\)?)?\s*(;.*)?$`)
	})
	// directRE is PEP 508's `name[extras] @ URL [; markers]`.
	directRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*(` + namePat + `)\s*(\[[^\]]*\])?\s*@\s*(\S+)\s*(;.*)?$`)
	})
	// archiveRE is a file name pip takes as a path, not a project name.
	archiveRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\.(whl|zip|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar)$`)
	})
)

// Classify says what a requirement string is. Control characters are an
// error: no installer reads them, and they could end a line of the
// installer's script.
func Classify(req string) (Requirement, error) {
	r := Requirement{Text: req}
	if strings.ContainsFunc(req, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return r, fmt.Errorf("dependency %q holds a control character", req)
	}
	t := strings.TrimSpace(req)
	switch {
	case t == "":
		return r, fmt.Errorf("an empty dependency")
	case t == "-e" || strings.HasPrefix(t, "-e ") || strings.HasPrefix(t, "-e\t") || strings.HasPrefix(t, "--editable"):
		r.Source = Editable
		return r, nil
	case strings.HasPrefix(t, "-"):
		r.Source = Option
		return r, nil
	}
	if m := plainRE().FindStringSubmatch(t); m != nil && !archiveRE().MatchString(m[1]) {
		r.Name, r.Source = normName(m[1]), FromIndex
		return r, nil
	}
	if m := directRE().FindStringSubmatch(t); m != nil {
		r.Name = normName(m[1])
		return r, classifyURL(&r, m[3])
	}
	// pip also takes a bare path or URL.
	if strings.Contains(t, "://") || strings.HasPrefix(t, "git+") {
		return r, classifyURL(&r, strings.Fields(t)[0])
	}
	if strings.ContainsAny(t, `/\`) || strings.HasPrefix(t, ".") || strings.HasPrefix(t, "~") || archiveRE().MatchString(strings.Fields(t)[0]) {
		r.Source, r.Path = FromPath, strings.Fields(t)[0]
		return r, nil
	}
	return r, fmt.Errorf("dependency %q is not a PEP 508 requirement (want e.g. \"trio>=0.22\")", req)
}

func classifyURL(r *Requirement, raw string) error {
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "file:"):
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("dependency %q: %v", r.Text, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return fmt.Errorf("dependency %q: a file: URL on another host (%s)", r.Text, u.Host)
		}
		r.Source, r.Path = FromPath, u.Path
		if u.Opaque != "" { // file:relative/path
			r.Path = u.Opaque
		}
	case strings.HasPrefix(lower, "git+") || strings.HasPrefix(lower, "hg+") || strings.HasPrefix(lower, "svn+") || strings.HasPrefix(lower, "bzr+"):
		r.Source = FromVCS
	default:
		r.Source = FromURL
	}
	return nil
}

// What says a requirement for messages: "pkg @ file:///src/pkg".
func (r Requirement) What() string { return strings.Join(strings.Fields(r.Text), " ") }

// absolute reports whether a FromPath requirement names an absolute path.
func (r Requirement) absolute() bool { return filepath.IsAbs(r.Path) }

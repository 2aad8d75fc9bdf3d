package repro

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Meta is reprokit's metadata for a repro, stored as YAML in the archive
// member `.reprokit.yaml`. Every field is optional.
type Meta struct {
	// Title overrides the script's first comment line in drafts.
	Title string `yaml:"title,omitempty"`
	// Tracker names the tracker profile (cpython, go, github).
	Tracker string `yaml:"tracker,omitempty"`
	// Repo is the upstream OWNER/NAME when the tracker profile has none.
	Repo string `yaml:"repo,omitempty"`
	// Upstream is the URL of the upstream issue, once there is one.
	Upstream string `yaml:"upstream,omitempty"`
	// Toolchain is the kind of toolchain the repro runs on: python (the
	// default) or go.
	Toolchain toolchain.Kind `yaml:"toolchain,omitempty"`
	// Tiers are the two asks to upstream, each with an optional check script.
	Tiers Tiers `yaml:"tiers,omitempty"`
	// Signature is the recorded signature of the bug (see `run --record`).
	Signature *signature.Signature `yaml:"signature,omitempty"`
	// Hang says that not finishing is the bug: a script still running
	// after this duration ("5s") reproduces it (see HangAfter).
	Hang string `yaml:"hang,omitempty"`
	// Expect maps a toolchain version prefix ("3.12", "3.11.2") to the
	// verdict expected there; the most specific prefix wins.
	Expect map[string]Verdict `yaml:"expect,omitempty"`
	// Bisect holds the results of `reprokit bisect`, at most one per kind
	// of range (releases, commits); a new result replaces its kind's.
	Bisect []Bisection `yaml:"bisect,omitempty"`
	// Stated are the versions the upstream issue names, kept by `reprokit
	// import` to compare the matrix with what the issue says.
	Stated *Stated `yaml:"stated,omitempty"`
}

// Stated is what an upstream issue says about versions: where the bug
// happens and where it does not.
type Stated struct {
	Affected   []string `yaml:"affected,omitempty"`
	Unaffected []string `yaml:"unaffected,omitempty"`
}

// Bisection is one `reprokit bisect` result, as drafts quote it.
type Bisection struct {
	Direction Direction  `yaml:"direction"`
	Over      Candidates `yaml:"over"`
	By        string     `yaml:"by"`                 // the release, or the full commit hash
	Subject   string     `yaml:"subject,omitempty"`  // the commit's subject
	Before    string     `yaml:"before"`             // the last release or commit before it
	Suspects  []string   `yaml:"suspects,omitempty"` // when untestable commits hide which one it is
	Compare   string     `yaml:"compare,omitempty"`  // a compare URL, when the remote is on GitHub
	// Library is the dependency bisected ("trio", "example.com/mod"),
	// when a library's releases or commits were, not the toolchain's.
	Library string `yaml:"library,omitempty"`
	// Release is, for a library's commits, the release they lead to.
	Release string `yaml:"release,omitempty"`
}

// Direction is what the change a bisection found did to the bug.
type Direction string

// The directions, judged from the verdicts at the two ends of a bisection.
const (
	DirectionIntroduced Direction = "introduced" // the last end reproduces, the first does not
	DirectionFixed      Direction = "fixed"      // the first end reproduces, the last does not
	DirectionChanged    Direction = "changed"    // neither end reproduces: another verdict changed
)

// Candidates is what a bisection walks over.
type Candidates string

// The candidates of a bisection.
const (
	Releases Candidates = "releases" // interpreter releases
	Commits  Candidates = "commits"  // the commits of a git range, each built
)

// Bisected returns the most precise bisection of the given direction (a
// commit beats a release), or nil.
func (m Meta) Bisected(direction Direction) *Bisection {
	var best *Bisection
	for i, b := range m.Bisect {
		if b.Direction == direction && (best == nil || b.Over == Commits) {
			best = &m.Bisect[i]
		}
	}
	return best
}

// Tiers are the two-tier ask: ideally make it work, minimally fail cleanly.
type Tiers struct {
	MakeItWork  *Tier `yaml:"make-it-work,omitempty"`
	FailCleanly *Tier `yaml:"fail-cleanly,omitempty"`
}

// Tier is one ask. Check is a testscript script run against the archive's
// files; when it passes, the tier holds.
type Tier struct {
	Ask   string `yaml:"ask"`
	Check string `yaml:"check,omitempty"`

	checkLine int // line of the check script's first line within the YAML
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+):?`) })

// installerKeyRE is an unknown metadata key that looks like an installer
// setting: an archive cannot choose those, and the error says whose they are.
var installerKeyRE = regexp.MustCompile(`field (index|index-url|extra-index-url|find-links|trusted-host|pip|uv|installer|env|environment|dependencies|pip\.conf|uv\.toml|no-index)\b`)

type metaErr struct {
	line int // within the YAML, 1-based; 0 when unknown
	msg  string
}

func (e *metaErr) Error() string { return e.msg }

func parseMeta(data []byte) (Meta, error) {
	var m Meta
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) { // an empty metadata file
			return m, nil
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		line := 0
		if sm := yamlLineRE().FindStringSubmatch(msg); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			msg = strings.TrimSpace(strings.Replace(msg, sm[0], "", 1))
		}
		if strings.Contains(msg, "not found in type") {
			msg += " (known keys: " + strings.Join(metaKeys(), ", ") + ")"
			if installerKeyRE.MatchString(msg) {
				msg += "; the index and the installer's settings are the user's (--index-url, --find-links, pip.conf, uv.toml, PIP_*/UV_* variables), never an archive's"
			}
		}
		return m, &metaErr{line: line, msg: "malformed metadata: " + msg}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		locateChecks(&root, &m)
	}
	if m.Hang != "" {
		if d, err := time.ParseDuration(m.Hang); err != nil || d <= 0 {
			return m, &metaErr{line: findKeyLine(&root, "hang"), msg: fmt.Sprintf("malformed metadata: hang: %q is not a positive duration (write e.g. hang: 5s)", m.Hang)}
		}
	}
	for key, v := range m.Expect {
		if !v.Valid() {
			return m, &metaErr{line: findKeyLine(&root, key), msg: fmt.Sprintf("malformed metadata: expect[%q] = %q is not a verdict (one of %s)", key, v, verdictList())}
		}
	}
	for _, t := range []struct {
		name string
		tier *Tier
	}{{"make-it-work", m.Tiers.MakeItWork}, {"fail-cleanly", m.Tiers.FailCleanly}} {
		if t.tier != nil && strings.TrimSpace(t.tier.Ask) == "" {
			return m, &metaErr{line: findKeyLine(&root, t.name), msg: fmt.Sprintf("malformed metadata: tier %s has no ask: say in one sentence what upstream should do", t.name)}
		}
	}
	return m, nil
}

// locateChecks records where each tier's check script starts, for errors.
func locateChecks(root *yaml.Node, m *Meta) {
	tiers := mapValue(docMap(root), "tiers")
	for name, t := range map[string]*Tier{"make-it-work": m.Tiers.MakeItWork, "fail-cleanly": m.Tiers.FailCleanly} {
		if t == nil {
			continue
		}
		if chk := mapValue(mapValue(tiers, name), "check"); chk != nil {
			t.checkLine = chk.Line
			if chk.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				t.checkLine++ // the script starts on the line after `|`
			}
		}
	}
}

func docMap(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func findKeyLine(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	for _, c := range n.Content {
		if l := findKeyLine(c, key); l > 0 {
			return l
		}
	}
	return 0
}

func metaError(file string, markerLine int, err error) error {
	var me *metaErr
	if errors.As(err, &me) {
		line := markerLine
		if me.line > 0 {
			line = markerLine + me.line
		}
		return &Error{File: file, Line: line, Msg: me.msg}
	}
	return &Error{File: file, Line: markerLine, Msg: err.Error()}
}

// Verdict is the closed set of outcomes of a run: exactly one per
// (repro, toolchain), as docs/verdicts.md defines them.
type Verdict string

// The verdicts a run can end in.
const (
	Reproduces   Verdict = "reproduces"
	Fixed        Verdict = "fixed"
	FailsCleanly Verdict = "fails-cleanly"
	Changed      Verdict = "changed"
	Slipped      Verdict = "slipped"
	Flaky        Verdict = "flaky"
	Skipped      Verdict = "skipped"
	ErrorVerdict Verdict = "error"
)

// Verdicts lists every verdict, in the order of the design.
var Verdicts = []Verdict{Reproduces, Fixed, FailsCleanly, Changed, Slipped, Flaky, Skipped, ErrorVerdict}

func verdictList() string {
	var names []string
	for _, v := range Verdicts {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// Valid reports whether v is one of Verdicts.
func (v Verdict) Valid() bool {
	for _, k := range Verdicts {
		if v == k {
			return true
		}
	}
	return false
}

// Expected returns the verdict expected for a toolchain version, using the
// most specific matching prefix of Expect ("3.11.2" beats "3.11").
func (m Meta) Expected(version string) (Verdict, bool) {
	best, verdict := -1, Verdict("")
	for prefix, v := range m.Expect {
		if toolchain.HasVersionPrefix(version, prefix) && len(prefix) > best {
			best, verdict = len(prefix), v
		}
	}
	return verdict, best >= 0
}

// HangAfter is the hang deadline, or 0 when hanging is not the bug.
func (m Meta) HangAfter() time.Duration {
	d, _ := time.ParseDuration(m.Hang) // validated by parseMeta
	return d
}

// metaKeys lists the metadata's top-level keys from Meta's yaml tags, so
// the error that names them cannot fall behind a new key.
func metaKeys() []string {
	t := reflect.TypeOf(Meta{})
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

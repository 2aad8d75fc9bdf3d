package passes

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/repro"
)

// Rename gives the names a repro defines (classes, functions, parameters,
// variables, attributes) short conventional ones — classes A, B, C,
// everything else a, b, c, the most used first — the way a person shortens
// a repro by hand. A unit is one name, renamed at every whole-word
// occurrence in every member but the script and the metadata (strings and
// data files included, so a field named in a CSV header and in a
// namedtuple stays consistent). self and cls keep their names; names the
// script mentions, dunders and imported names are left alone. All names
// are tried at once first.
type Rename struct{}

func (Rename) Name() string            { return "rename" }
func (Rename) Traits() minimize.Traits { return minimize.Traits{AllFirst: true} }

var (
	classDefRE   = regexp.MustCompile(`^\s*class\s+([A-Za-z_]\w*)`)
	classBasesRE = regexp.MustCompile(`^\s*class\s+\w+\s*\(([^)]*)\)`)
	funcDefRE    = regexp.MustCompile(`^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(([^)]*)\)?`)
	// Assignment targets: `a = `, `a, b = `, `a: T = `, `self.a = `,
	// `for a, b in`, `with … as a`, `except E as a`.
	targetsRE = regexp.MustCompile(`^\s*((?:[A-Za-z_][\w.]*\s*,\s*)*[A-Za-z_][\w.]*)\s*(?::[^=]+)?=[^=]`)
	forRE     = regexp.MustCompile(`^\s*(?:async\s+)?for\s+(.+?)\s+in\s`)
	declRE    = regexp.MustCompile(`^\s*([A-Za-z_]\w*)\s*:\s*[^\s=]`) // a field: `name: T`
	asRE      = regexp.MustCompile(`\bas\s+([A-Za-z_]\w*)`)
)

// keep are never renamed: the receiver conventions readers expect.
var keepNames = map[string]bool{"self": true, "cls": true, "_": true}

type definedName struct {
	name  string
	class bool // takes a capital
}

// definitions lists the names the Python members define, in order of
// first definition.
func definitions(d *doc) []definedName {
	var out []definedName
	seen := map[string]bool{}
	add := func(name string, class bool) {
		if seen[name] || len(name) < 2 || keepNames[name] || isDunder(name) || reserved[name] {
			return
		}
		seen[name] = true
		out = append(out, definedName{name, class})
	}
	addTargets := func(list string) {
		for _, t := range strings.Split(list, ",") {
			t = strings.TrimSpace(strings.Trim(strings.TrimSpace(t), "()*"))
			if strings.HasPrefix(t, "self.") || strings.HasPrefix(t, "cls.") {
				t = t[strings.IndexByte(t, '.')+1:]
			}
			if identRE.MatchString(t) {
				add(t, false)
			}
		}
	}
	for _, f := range d.files {
		if f.meta || !isPython(f.name) {
			continue
		}
		// A method of a class with a base from elsewhere (threading.Thread)
		// may override one (run): its name stays. Renaming it would not
		// fail cleanly but change behaviour, and can turn a bug racy.
		ours := map[string]bool{"object": true}
		for _, l := range f.lines {
			if m := classDefRE.FindStringSubmatch(l); m != nil {
				ours[m[1]] = true
			}
		}
		foreignClass := -1 // indentation of the class header, while inside one
		for _, l := range f.lines {
			if w := indent(l); w >= 0 && w <= foreignClass {
				foreignClass = -1
			}
			if m := classDefRE.FindStringSubmatch(l); m != nil {
				add(m[1], true)
				if m := classBasesRE.FindStringSubmatch(l); m != nil {
					for _, b := range strings.Split(m[1], ",") {
						if b = strings.TrimSpace(b); b != "" && !ours[b] && !strings.Contains(b, "=") {
							foreignClass = indent(l)
						}
					}
				}
			}
			if m := funcDefRE.FindStringSubmatch(l); m != nil {
				if foreignClass < 0 {
					add(m[1], false)
				}
				for _, p := range strings.Split(m[2], ",") {
					p = strings.TrimLeft(strings.TrimSpace(p), "*")
					if i := strings.IndexAny(p, ":="); i >= 0 {
						p = strings.TrimSpace(p[:i])
					}
					if identRE.MatchString(p) {
						add(p, false)
					}
				}
			}
			if m := targetsRE.FindStringSubmatch(l); m != nil && !strings.HasPrefix(strings.TrimSpace(l), "def ") {
				addTargets(m[1])
			}
			if m := declRE.FindStringSubmatch(l); m != nil {
				add(m[1], false)
			}
			if m := forRE.FindStringSubmatch(l); m != nil {
				addTargets(m[1])
			}
			for _, m := range asRE.FindAllStringSubmatch(l, -1) {
				if !importRE.MatchString(l) {
					add(m[1], false)
				}
			}
		}
	}
	return out
}

var identRE = regexp.MustCompile(`^[A-Za-z_]\w*$`)

// reserved are Python's keywords and the builtins a repro most often
// shadows: never renamed, never taken.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type print len str int id input list dict set map zip min max sum any all abs open iter next hash repr`) {
		reserved[w] = true
	}
}

// freshNames hands out short names no member or the script uses.
type freshNames struct {
	used map[string]bool
	next map[bool]int // per pool: class names or the others
}

// Classes take capitals, everything else lower case letters (without l, o
// and i, which read as digits), in order; then the same with 1, 2, ….
const (
	classNames = "ABCDEFGHJKMNPQRSTUVWXYZ"
	otherNames = "abcdefghjkmnpqrstuvwxyz"
)

func (fn *freshNames) take(class bool) string {
	pool := otherNames
	if class {
		pool = classNames
	}
	for {
		i := fn.next[class]
		fn.next[class]++
		name := string(pool[i%len(pool)])
		if i >= len(pool) {
			name += strconv.Itoa(i / len(pool))
		}
		if !fn.used[name] && !reserved[name] {
			fn.used[name] = true
			return name
		}
	}
}

func (Rename) Split(cur []byte) (int, func([]bool) []byte) {
	d := parse(cur)
	inScript := scriptNames(d)
	uses := map[string]int{} // every word of the members, counted
	imported := map[string]bool{}
	for _, f := range d.files {
		if f.meta {
			continue
		}
		for _, l := range f.lines {
			words := wordRE.FindAllString(l, -1)
			for _, w := range words {
				uses[w]++
			}
			if importRE.MatchString(l) {
				for _, w := range words {
					imported[w] = true
				}
			}
		}
	}
	used := map[string]bool{}
	for w := range uses {
		used[w] = true
	}
	for _, l := range d.script {
		for _, w := range wordRE.FindAllString(l, -1) {
			used[w] = true
		}
	}
	var from []definedName
	for _, def := range definitions(d) {
		if !inScript[def.name] && !imported[def.name] {
			from = append(from, def)
		}
	}
	// The names used most get the shortest new names.
	sort.SliceStable(from, func(i, j int) bool { return uses[from[i].name] > uses[from[j].name] })
	fresh := &freshNames{used: used, next: map[bool]int{}}
	to := make([]string, len(from))
	for u, def := range from {
		to[u] = fresh.take(def.class)
	}
	return len(from), func(keep []bool) []byte {
		m := map[string]string{}
		for u := range from {
			if !keep[u] {
				m[from[u].name] = to[u]
			}
		}
		c := d.clone()
		for fi := range c.files {
			if c.files[fi].meta {
				continue
			}
			for li, l := range c.files[fi].lines {
				c.files[fi].lines[li] = replaceWords(l, m, imported)
			}
		}
		return c.format()
	}
}

// scriptNames are the names a rename must not touch because the script
// refers to them: every word of a command (but the stems of the archive's
// own files: `python3 pipeline.py` does not name a variable pipeline), and
// the identifier-like words of an assertion's pattern (refresh_cache,
// RuntimeWarning; not plain words like "main" in "not main interpreter").
func scriptNames(d *doc) map[string]bool {
	stems := map[string]bool{}
	for _, f := range d.files {
		stems[strings.TrimSuffix(path.Base(f.name), path.Ext(f.name))] = true
	}
	names := map[string]bool{}
	for _, l := range d.script {
		assertion := false
		if ls, err := repro.Lines(l); err == nil && len(ls) > 0 && len(ls[0].Words) > 0 {
			assertion = repro.Assertions[ls[0].Words[0]]
		}
		for _, w := range wordRE.FindAllString(l, -1) {
			switch {
			case assertion && !identifierLike(w):
			case !assertion && stems[w]:
			default:
				names[w] = true
			}
		}
	}
	return names
}

// identifierLike: a word with an underscore or a capital after its first
// letter reads as code, not prose.
func identifierLike(w string) bool {
	return strings.Contains(w, "_") || strings.ToLower(w[1:]) != w[1:]
}

// replaceWords replaces whole identifiers found in m: not parts of longer
// ones, not the tail of a number like 0x1f, and not a module's attribute
// (after `sys.`, argv is not ours).
func replaceWords(l string, m map[string]string, modules map[string]bool) string {
	if len(m) == 0 {
		return l
	}
	var b strings.Builder
	last := 0
	for _, loc := range wordRE.FindAllStringIndex(l, -1) {
		if loc[0] > 0 && isWordByte(l[loc[0]-1]) {
			continue
		}
		to, ok := m[l[loc[0]:loc[1]]]
		if !ok || loc[0] > 0 && l[loc[0]-1] == '.' && modules[lastWord(l[:loc[0]-1])] {
			continue
		}
		b.WriteString(l[last:loc[0]])
		b.WriteString(to)
		last = loc[1]
	}
	b.WriteString(l[last:])
	return b.String()
}

// lastWord is the identifier s ends with.
func lastWord(s string) string {
	i := len(s)
	for i > 0 && isWordByte(s[i-1]) {
		i--
	}
	return s[i:]
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

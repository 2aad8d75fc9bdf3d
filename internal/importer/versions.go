package importer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Stated is what an issue says about versions: where it happens, and
// where it does not (the sentence says "works", "fine", "fixed" …).
type Stated = repro.Stated

var (
	// "Python 3.12", "CPython 3.11.4", "python3.13", "3.12.0a1", "py3.10",
	// and bare 3.X.Y in a form's version field or a bpo label list.
	pyNamedRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(?:c?python|py)\s*v?((?:2\.7|3\.\d{1,2})(?:\.\d{1,2})?(?:(?:a|b|rc)\d+)?)\b`)
	})
	pyBareRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[\s,'"\[(])((?:2\.7|3\.\d{1,2})(?:\.\d{1,2})?)(?:$|[\s,'"\])+:;]|\.\s|\.$)`)
	})
	goNamedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\bgo\s*(1\.\d{1,2}(?:\.\d{1,2})?(?:rc\d+)?)\b`) })
	// A sentence that says a version is fine.
	fineRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(works?|working|fine|not affected|unaffected|doesn'?t (?:happen|crash|reproduce|occur)|does not (?:happen|crash|reproduce|occur)|no (?:error|crash|problem|issue)s?\b|fixed (?:in|on|since)|passes|correct(?:ly)?|as expected|expected behaviou?r|no longer)`)
	})
	// A line that names the versions the report was tested on.
	testedRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(versions? tested on|python versions?|labels = |versions = |affects|reproduc|happens|occurs?|fails|crash|error|bug|regression|broken|segfault)`)
	})
)

// StatedVersions reads the versions an issue's prose names. kind is
// python or go. Bare numbers (3.12) count only in lines about versions or
// the bug (a form field, a label list); named ones ("Python 3.12")
// anywhere.
func StatedVersions(prose string, kind string) Stated {
	var st Stated
	add := func(list *[]string, v string) {
		for _, x := range *list {
			if x == v {
				return
			}
		}
		*list = append(*list, v)
	}
	for _, sentence := range sentences(prose) {
		var found []string
		if kind == "go" {
			for _, m := range goNamedRE().FindAllStringSubmatch(sentence, -1) {
				found = append(found, m[1])
			}
		} else {
			for _, m := range pyNamedRE().FindAllStringSubmatch(sentence, -1) {
				found = append(found, m[1])
			}
			if testedRE().MatchString(sentence) || fineRE().MatchString(sentence) || onlyVersions(sentence) {
				for _, m := range pyBareRE().FindAllStringSubmatch(sentence, -1) {
					found = append(found, m[1])
				}
			}
		}
		fine := fineRE().MatchString(sentence)
		for _, v := range found {
			if fine {
				add(&st.Unaffected, v)
			} else {
				add(&st.Affected, v)
			}
		}
	}
	// A version named both ways stays affected: "fails on 3.12; 3.11 works;
	// 3.12.1 works too" names 3.12 as affected, 3.12.1 as not.
	var un []string
	for _, v := range st.Unaffected {
		if !contains(st.Affected, v) {
			un = append(un, v)
		}
	}
	st.Unaffected = un
	sortVersions(st.Affected)
	sortVersions(st.Unaffected)
	return st
}

var onlyVersionsRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[\s,]*(?:(?:2\.7|3\.\d{1,2})(?:\.\d+)?[\s,]*)+(?:,?\s*CPython main branch)?\s*$`)
})

// onlyVersions: a line that is a list of versions (a form's dropdown).
func onlyVersions(s string) bool { return onlyVersionsRE().MatchString(strings.TrimSpace(s)) }

// clauseRE splits prose into clauses that each say one thing: at sentence
// ends, and before "but", "while", "whereas" ("does not occur in 3.11,
// but does occur in 3.12").
var clauseRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[.!?;]\s+|,?\s+(?:but|while|whereas|however)\s+`) })

// sentences splits prose into clauses.
func sentences(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, part := range clauseRE().Split(expandRanges(line), -1) {
			if strings.TrimSpace(part) != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// rangeRE is a range of minor versions: "3.8-3.11", "3.9 to 3.12", "3.8–3.11".
var rangeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b3\.(\d{1,2})\s*(?:-|–|to|through)\s*3\.(\d{1,2})\b`)
})

// expandRanges writes each range out: "3.8-3.10" → "3.8, 3.9, 3.10".
func expandRanges(s string) string {
	return rangeRE().ReplaceAllStringFunc(s, func(m string) string {
		sm := rangeRE().FindStringSubmatch(m)
		var from, to int
		fmt.Sscan(sm[1], &from)
		fmt.Sscan(sm[2], &to)
		if to < from || to-from > 20 {
			return m
		}
		var parts []string
		for v := from; v <= to; v++ {
			parts = append(parts, fmt.Sprintf("3.%d", v))
		}
		return strings.Join(parts, ", ")
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func sortVersions(v []string) {
	sort.SliceStable(v, func(i, j int) bool { return toolchain.CompareVersions(v[i], v[j]) < 0 })
}

// Matches says whether a toolchain version falls under a stated one:
// "3.12" covers 3.12.1, "3.12.1" only itself.
func Matches(version, stated string) bool {
	return toolchain.HasVersionPrefix(version, stated)
}

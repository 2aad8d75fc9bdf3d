package scriptdeps

import (
	"fmt"
	"strconv"
	"strings"
)

// Allows reports whether a Python version ("3.11.2", "3.13.0t") satisfies
// a PEP 440 version specifier such as ">=3.9,<3.13" or "~=3.10" or
// "==3.12.*". Only release segments are compared: requires-python names
// interpreter versions, which have nothing else.
func Allows(spec, version string) (bool, error) {
	v := release(version)
	for _, clause := range strings.Split(spec, ",") {
		clause = strings.TrimSpace(clause)
		if clause == "" {
			continue
		}
		op := ""
		for _, o := range []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"} {
			if strings.HasPrefix(clause, o) {
				op = o
				break
			}
		}
		if op == "" {
			return false, fmt.Errorf("requires-python %q: %q has no operator (want e.g. >=3.9)", spec, clause)
		}
		operand := strings.TrimSpace(clause[len(op):])
		wild := strings.HasSuffix(operand, ".*")
		want := release(strings.TrimSuffix(operand, ".*"))
		if len(want) == 0 {
			return false, fmt.Errorf("requires-python %q: %q is not a version", spec, operand)
		}
		var ok bool
		switch op {
		case "==", "===":
			if wild {
				ok = prefixEqual(v, want)
			} else {
				ok = compare(v, want) == 0
			}
		case "!=":
			if wild {
				ok = !prefixEqual(v, want)
			} else {
				ok = compare(v, want) != 0
			}
		case ">=":
			ok = compare(v, want) >= 0
		case "<=":
			ok = compare(v, want) <= 0
		case ">":
			ok = compare(v, want) > 0
		case "<":
			ok = compare(v, want) < 0
		case "~=":
			if len(want) < 2 {
				return false, fmt.Errorf("requires-python %q: ~= needs at least two parts (e.g. ~=3.10)", spec)
			}
			ok = compare(v, want) >= 0 && prefixEqual(v, want[:len(want)-1])
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// release is the numeric release segment: "3.13.0t" → [3 13 0].
func release(v string) []int {
	var out []int
	for _, p := range strings.Split(strings.TrimSpace(v), ".") {
		i := 0
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			i++
		}
		if i == 0 {
			break
		}
		n, _ := strconv.Atoi(p[:i])
		out = append(out, n)
		if i < len(p) {
			break
		}
	}
	return out
}

func compare(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func prefixEqual(v, prefix []int) bool {
	for i, p := range prefix {
		x := 0
		if i < len(v) {
			x = v[i]
		}
		if x != p {
			return false
		}
	}
	return true
}

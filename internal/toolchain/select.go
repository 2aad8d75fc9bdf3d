package toolchain

import (
	"fmt"
	"strings"
)

// Select picks toolchains of a kind by a spec: "" (the default: the first
// discovered, i.e. python3 on PATH), "all", or a comma list of versions:
// "3.12" (every 3.12.x), "3.9,3.13", "3.11.2", "1.22.*" (every 1.22.x),
// "3.13t" (a free-threaded build; a plain "3.13" means the default build).
// Unknown versions are an error that lists what exists.
func Select(all []Toolchain, kind Kind, spec string) ([]Toolchain, error) {
	ofKind := OfKind(all, kind)
	if len(ofKind) == 0 {
		return nil, fmt.Errorf("no %s toolchain found (looked %s)", kind, where[kind])
	}
	switch spec {
	case "":
		return ofKind[:1], nil
	case "all":
		return SortByVersion(ofKind), nil
	}
	var out []Toolchain
	seen := map[string]bool{}
	for _, want := range strings.Split(spec, ",") {
		found := false
		for _, t := range ofKind {
			if Matches(t, want) {
				found = true
				if !seen[t.Name] {
					seen[t.Name] = true
					out = append(out, t)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no %s %q on this machine (have: %s); run `reprokit toolchains` to see where they come from", kind, strings.TrimSpace(want), strings.Join(Versions(ofKind), ", "))
		}
	}
	return SortByVersion(out), nil
}

var where = map[Kind]string{
	Python: "on PATH, in pyenv, uv, reprokit's fetched releases and /usr/bin",
	Go:     "on PATH (go and go1.X.Y), in the module cache and ~/sdk",
}

// OfKind keeps the toolchains of one kind, in discovery order.
func OfKind(all []Toolchain, kind Kind) []Toolchain {
	var out []Toolchain
	for _, t := range all {
		if t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

// Versions lists the versions of ts, oldest first.
func Versions(ts []Toolchain) []string {
	var out []string
	for _, t := range SortByVersion(ts) {
		out = append(out, t.Version)
	}
	return out
}

// Matches reports whether t answers one item of a selection spec.
func Matches(t Toolchain, want string) bool {
	want = strings.TrimSpace(want)
	if want == t.Name {
		return true
	}
	want = strings.TrimPrefix(strings.TrimPrefix(want, "python"), "go")
	want = strings.TrimSuffix(want, ".*")
	num, abi := splitABI(want)
	have := strings.TrimSuffix(t.Version, t.ABI)
	return abi == t.ABI && (have == num || strings.HasPrefix(have, num+"."))
}

// splitABI splits "3.13t" into "3.13" and "t".
func splitABI(v string) (string, string) {
	i := len(v)
	for i > 0 && (v[i-1] < '0' || v[i-1] > '9') && v[i-1] != '.' {
		i--
	}
	return v[:i], v[i:]
}

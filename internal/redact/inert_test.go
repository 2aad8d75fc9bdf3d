package redact

import (
	"strings"
	"testing"
)

func TestInert(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"@python/organization-owners please look: ValueError for @torvalds #1", "`@python/organization-owners` please look: ValueError for `@torvalds` `#1`"},
		{"see GH-12 and python/cpython#99, https://evil.example/x.", "see `GH-12` and `python/cpython#99`, `https://evil.example/x`."},
		{"<https://evil.example/> and www.example.com", "`<https://evil.example/>` and `www.example.com`"},
		{"already `@code` and\n\n```\n@block #3\n```\n", "already `@code` and\n\n```\n@block #3\n```\n"},
		{"mail me@example.com, &#35;1 and C# 3", "mail me@example.com, &#35;1 and C# 3"},
		{"| a | @b |\n|---|---|\n| #4 | x |\n", "| a | `@b` |\n|---|---|\n| `#4` | x |\n"},
		{"a [link @x](https://x.example) stays", "a [link @x](https://x.example) stays"},
		{"Linux 6.1.0-18-amd64 #1 SMP", "Linux 6.1.0-18-amd64 `#1` SMP"},
		{"<!-- reprokit-fingerprint: #1 @x -->\n", "<!-- reprokit-fingerprint: #1 @x -->\n"},
		{"odd ` tick @x", "odd ` tick ``@x``"},
		{"**@bold_name** and _@em_", "**`@bold`_name** and _`@em`_"},
	} {
		if got := Inert(tt.in); got != tt.want {
			t.Errorf("Inert(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := InertTitle("# @team: crash in #5"); got != "# `@team`: crash in `#5`" {
		t.Errorf("InertTitle = %q", got)
	}
}

// FuzzInert: what Inert returns is inert (converting it again changes
// nothing), and Inert never drops text: without its backticks, the output
// has the input's characters.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"@a #1 GH-2 https://x.y", "`@a` and @b", "| @a |\n|---|\n| #2 |\n", "**@x**_y_ <https://z>", "a ` b @c", "```\n@a\n```\n@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Inert(s)
		if twice := Inert(once); twice != once {
			t.Errorf("Inert is not idempotent on %q:\n once %q\ntwice %q", s, once, twice)
		}
		strip := func(x string) string {
			return strings.NewReplacer("`", "", " ", "").Replace(x)
		}
		if strip(once) != strip(s) {
			t.Errorf("Inert changed more than code spans: %q -> %q", s, once)
		}
	})
}

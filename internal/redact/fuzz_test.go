package redact

import (
	"strings"
	"testing"
)

// FuzzRedact: whatever surrounds a token, the token never survives, and
// redaction never panics.
func FuzzRedact(f *testing.F) {
	f.Add("token=", " end", "ghp_0123456789abcdefABCDEF0123456789abcd")
	f.Add("Authorization: Bearer ", "\n", "ghs_0123456789abcdefABCDEF0123456789abcd")
	f.Add("https://user:", "@example.com/x", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop")
	f.Add("-----BEGIN PRIVATE KEY-----\n", "\n-----END PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
	f.Add("\xff", "\x00", "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	r := &Redactor{Home: "/home/ann", User: "ann", Host: "box", TempDirs: []string{"/tmp"}, Secrets: map[string]string{"GH_TOKEN": "ghp_0123456789abcdefABCDEF0123456789abcd"}}
	f.Fuzz(func(t *testing.T, before, after, secret string) {
		out := r.String(before + "GH_TOKEN=" + secret + after)
		_ = r.String(before + after)
		// A token of GitHub's shapes is removed wherever it stands.
		if ghTokenRE().MatchString(secret) && ghTokenRE().FindString(secret) == secret && strings.Contains(out, secret) {
			t.Fatalf("token %q survived in %q", secret, out)
		}
		// The environment's secret never survives, whatever surrounds it.
		if strings.Contains(out, r.Secrets["GH_TOKEN"]) {
			t.Fatalf("the GH_TOKEN value survived in %q", out)
		}
	})
}

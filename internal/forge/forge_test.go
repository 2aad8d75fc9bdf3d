package forge

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	fakegithub "github.com/reprokit/reprokit/internal/fake/github"
)

const token = "ghp_LeakCheck0123456789abcdefABCDEF0123456"

// No request (but its Authorization header), log line or error ever
// contains the token, whatever GitHub answers.
func TestTokenNeverLeaks(t *testing.T) {
	faults := []struct{ endpoint, kind string }{
		{"", ""}, {"create", "502-after"}, {"create", "502"}, {"create", "ratelimit"}, {"create", "ratelimit429"},
		{"create", "secondary"}, {"create", "secondary-retry-after"}, {"create", "secondary429"},
		{"user", "401"}, {"create", "403-scope"}, {"list", "404"}, {"create", "410"}, {"create", "422"},
		{"search", "ratelimit"}, {"*", "401"},
	}
	for _, f := range faults {
		t.Run(f.endpoint+":"+f.kind, func(t *testing.T) {
			srv := fakegithub.New("bot", token)
			defer srv.Close()
			if f.kind != "" {
				srv.Fault(f.endpoint, f.kind, 1)
			}
			var log bytes.Buffer
			c, err := New(Options{Endpoint: Endpoint{APIURL: srv.URL}, Auth: Auth{Token: token, Source: "GH_TOKEN"}, SecondaryMin: 10 * time.Millisecond, WriteGap: time.Millisecond, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var errs []error
			if _, err := c.Search(ctx, "o/r", []string{"boom"}); err != nil {
				errs = append(errs, err)
			}
			if _, _, err := c.Create(ctx, "o/r", "t", "body "+token[:4], []string{"bug"}, "fp1"); err != nil {
				errs = append(errs, err)
			}
			if _, err := c.Comment(ctx, "o/r", 100, "c"); err != nil {
				errs = append(errs, err)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), token) {
					t.Errorf("error leaks the token: %v", err)
				}
			}
			if strings.Contains(log.String(), token) {
				t.Errorf("log leaks the token: %s", log.String())
			}
			for _, r := range srv.Requests() {
				if strings.Contains(r.Path+r.Query+r.Body, token) {
					t.Errorf("request leaks the token: %s %s %s", r.Method, r.Path, r.Body)
				}
				if r.Auth != "Bearer "+token {
					t.Errorf("request without the token in its Authorization header: %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

// A 502 after the issue was created, then a retry: exactly one issue.
func TestCreateAfter502LeavesOneIssue(t *testing.T) {
	srv := fakegithub.New("bot", token)
	defer srv.Close()
	srv.Fault("create", "502-after", 1)
	c, _ := New(Options{Endpoint: Endpoint{APIURL: srv.URL}, Auth: Auth{Token: token}, WriteGap: time.Millisecond})
	iss, created, err := c.Create(context.Background(), "o/r", "t", "b", nil, "fp")
	if err != nil {
		t.Fatal(err)
	}
	if created || iss.GetNumber() != 100 || len(srv.Issues()) != 1 {
		t.Errorf("created=%v number=%d issues=%d, want the first issue found again", created, iss.GetNumber(), len(srv.Issues()))
	}
}

func TestResolveAuth(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tt := range []struct {
		host     string
		explicit bool
		vars     map[string]string
		want     string
	}{
		{"", false, map[string]string{"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}, "GH_TOKEN"},
		{"github.com", false, map[string]string{"GITHUB_TOKEN": "b", "GH_ENTERPRISE_TOKEN": "c"}, "GITHUB_TOKEN"},
		{"ghe.example", false, map[string]string{"GH_TOKEN": "a", "GH_ENTERPRISE_TOKEN": "c"}, "GH_ENTERPRISE_TOKEN"},
		{"ghe.example", false, map[string]string{"GITHUB_ENTERPRISE_TOKEN": "d"}, "GITHUB_ENTERPRISE_TOKEN"},
		{"", true, map[string]string{"GITHUB_ENTERPRISE_TOKEN": "d"}, "GITHUB_ENTERPRISE_TOKEN"},
	} {
		a, err := ResolveAuth(tt.host, tt.explicit, env(tt.vars))
		if err != nil || a.Source != tt.want {
			t.Errorf("ResolveAuth(%q, %v, %v) = %s, %v; want %s", tt.host, tt.explicit, tt.vars, a.Source, err, tt.want)
		}
	}
	if _, err := ResolveAuth("ghe.example", false, env(map[string]string{"GH_TOKEN": "a", "PATH": ""})); err == nil {
		t.Error("GH_TOKEN must not be sent to an Enterprise host")
	}
}

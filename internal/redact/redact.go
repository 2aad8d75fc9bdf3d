// Package redact removes what must not leave the machine from text that
// goes into an upstream report: the user's home directory, user name and
// host name, temporary and work paths, and anything that looks like a
// secret (GitHub, AWS, Slack, Stripe and Google keys, values of
// secret-named environment variables and assignments, credentials in
// URLs, Authorization headers, PEM blocks even without their END line),
// e-mail addresses and other users' home directories.
package redact

import (
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redactor holds what to look for. Build one with New (this machine) or
// by hand (tests).
type Redactor struct {
	Home     string            // replaced by ~
	Homes    []string          // more home directories, replaced by ~ too
	User     string            // replaced by <user> (as a whole word)
	Host     string            // replaced by <host> (as a whole word)
	TempDirs []string          // replaced by $TMP
	Secrets  map[string]string // environment variable name -> value
}

// New describes this machine and process.
func New() *Redactor {
	r := &Redactor{Secrets: map[string]string{}}
	r.Home, _ = os.UserHomeDir()
	if u, err := user.Current(); err == nil {
		r.User = u.Username
		// $HOME and the password database may disagree (a test harness,
		// sudo): both are this user's.
		r.Homes = append(r.Homes, u.HomeDir)
	}
	r.Host, _ = os.Hostname()
	r.TempDirs = []string{os.TempDir(), "/tmp", "/var/tmp"}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if IsSecretName(name) {
			r.Secrets[name] = value
		}
	}
	return r
}

// IsSecretName reports whether an environment variable name says secret.
func IsSecretName(name string) bool {
	up := strings.ToUpper(name)
	for _, w := range []string{"TOKEN", "SECRET", "KEY", "PASSWORD", "PASSWD", "CREDENTIAL"} {
		if strings.Contains(up, w) {
			return true
		}
	}
	return false
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var (
	pemRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]+-----.*?-----END [A-Z0-9 ]+-----`)
	})
	// A block cut short (truncated output, a pasted fragment): everything
	// after BEGIN that still looks like its body (base64, headers) goes.
	pemOpenRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)-----BEGIN [A-Z0-9 ]+-----(?:\r?\n(?:[A-Za-z0-9+/=]*|[A-Za-z-]+: [^\r\n]*)\r?$)*`)
	})
	awsKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`) })
	slackRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`) })
	stripeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b`) })
	googleRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`) })
	emailRE  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b`)
	})
	otherHomeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|[^A-Za-z0-9_.~-])/(home|Users)/[^/\s'":]+`) })
	ghTokenRE   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b`)
	})
	urlCredsRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+(?::[^/\s@]*)?@`)
	})
	authRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b((?:proxy-)?authorization)("?\s*[:=]\s*)("?)[^\r\n"]+`)
	})
	assignRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b([A-Z0-9_]*(?:TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL)[A-Z0-9_]*)("?\s*[=:]\s*)("?)([^\s"',;]+)`)
	})
	workRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/[^\s'"]*?/reprokit-run-\d+(?:/work/[^/\s'"]+)?`) })
)

// String redacts s.
func (r *Redactor) String(s string) string {
	s = pemRE().ReplaceAllString(s, "[REDACTED PEM BLOCK]")
	s = pemOpenRE().ReplaceAllString(s, "[REDACTED PEM BLOCK]")
	for _, re := range []*regexp.Regexp{ghTokenRE(), awsKeyRE(), slackRE(), stripeRE(), googleRE()} {
		s = re.ReplaceAllString(s, "[REDACTED]")
	}
	s = urlCredsRE().ReplaceAllString(s, "${1}[REDACTED]@")
	s = authRE().ReplaceAllString(s, "${1}${2}${3}[REDACTED]")
	// Known secret values first (longest first), wherever they appear.
	var names []string
	for n, v := range r.Secrets {
		if len(v) >= 4 {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return len(r.Secrets[names[i]]) > len(r.Secrets[names[j]]) })
	for _, n := range names {
		s = strings.ReplaceAll(s, r.Secrets[n], "[REDACTED:"+n+"]")
	}
	s = assignRE().ReplaceAllStringFunc(s, func(m string) string {
		sm := assignRE().FindStringSubmatch(m)
		if strings.HasPrefix(sm[4], "[REDACTED") || prose(sm[1], sm[2], sm[4]) {
			return m
		}
		return sm[1] + sm[2] + sm[3] + "[REDACTED]"
	})
	s = urlCredsRE().ReplaceAllString(s, "${1}[REDACTED]@")
	s = emailRE().ReplaceAllString(s, "<email>")
	s = workRE().ReplaceAllLiteralString(s, "$WORK")
	for _, t := range r.TempDirs {
		if t = strings.TrimRight(t, "/"); t != "" {
			s = replacePathPrefix(s, t, "$TMP")
		}
	}
	for _, h := range append([]string{r.Home}, r.Homes...) {
		if h != "" && h != "/" {
			s = replacePathPrefix(s, filepath.Clean(h), "~")
		}
	}
	// Other users' home directories name them: /home/alice → /home/<user>.
	s = otherHomeRE().ReplaceAllString(s, "${1}/${2}/<user>")
	if r.Host != "" && r.Host != "localhost" {
		s = replaceWord(s, r.Host, "<host>")
	}
	// "root" names nobody; redacting the word would garble "root actor".
	if len(r.User) >= 3 && r.User != "root" {
		s = replaceWord(s, r.User, "<user>")
	}
	return s
}

// prose tells a sentence from an assignment: "secrets: will" in a title
// is English, "password: hunter2" and "API_KEY=x" are not. A plain word
// (no underscore, not all capitals) followed by a colon is prose unless
// the value looks like a secret (a digit or symbol in it, or 20 chars).
func prose(name, sep, value string) bool {
	if strings.Contains(sep, "=") || strings.ContainsAny(name, "_0123456789") || name == strings.ToUpper(name) {
		return false
	}
	if len(value) >= 20 {
		return false
	}
	for _, c := range value {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// replacePathPrefix replaces dir where it starts a path (dir, dir/…).
func replacePathPrefix(s, dir, with string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(dir) + `(/|\b|$)`)
	return re.ReplaceAllString(s, strings.ReplaceAll(with, "$", "$$")+"$1")
}

func replaceWord(s, word, with string) string {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(word) + `($|[^A-Za-z0-9_-])`)
	return re.ReplaceAllString(s, "${1}"+with+"${2}")
}

package forge

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Endpoint is the GitHub a command talks to. Its base URL is decided here
// only, so a dry run prints the URL that a real run sends to.
type Endpoint struct {
	APIURL string // explicit REST base URL (--api-url, else GITHUB_API_URL)
	Host   string // GH_HOST: github.com (default) or an Enterprise host
}

// EndpointFrom reads --api-url (apiURL; "" when not given) and the
// environment the way the GitHub CLI does.
func EndpointFrom(apiURL string, env func(string) string) Endpoint {
	if apiURL == "" {
		apiURL = env("GITHUB_API_URL")
	}
	return Endpoint{APIURL: apiURL, Host: env("GH_HOST")}
}

// Base is the REST base URL, ending in a slash: the explicit one, else an
// Enterprise host's /api/v3/, else github.com's API host.
func (e Endpoint) Base() string {
	switch {
	case e.APIURL != "":
		return strings.TrimSuffix(e.APIURL, "/") + "/"
	case e.Host != "" && e.Host != "github.com":
		return "https://" + e.Host + "/api/v3/"
	}
	return "https://api.github.com/"
}

// WebHost is the host of the web pages (new-issue URLs).
func (e Endpoint) WebHost() string {
	if e.Host == "" {
		return "github.com"
	}
	return e.Host
}

// Auth finds the token for this endpoint (see ResolveAuth).
func (e Endpoint) Auth(env func(string) string) (Auth, error) {
	return ResolveAuth(e.Host, e.APIURL != "", env)
}

func (e Endpoint) baseURL() (*url.URL, error) {
	u, err := url.Parse(e.Base())
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("API URL %q: want an absolute URL such as https://api.github.com/", e.APIURL)
	}
	return u, nil
}

// ParseIssueURL takes https://HOST/OWNER/NAME/issues/N (or OWNER/NAME#N)
// and returns OWNER/NAME and N.
func ParseIssueURL(s string) (string, int, error) {
	bad := fmt.Errorf("upstream %q: want an issue URL like https://github.com/OWNER/NAME/issues/N", s)
	if repo, num, ok := strings.Cut(s, "#"); ok && !strings.Contains(s, "://") {
		n, err := strconv.Atoi(num)
		if err != nil || strings.Count(repo, "/") != 1 {
			return "", 0, bad
		}
		return repo, n, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", 0, bad
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 4 || (parts[2] != "issues" && parts[2] != "pull") {
		return "", 0, bad
	}
	n, err := strconv.Atoi(parts[3])
	if err != nil {
		return "", 0, bad
	}
	return parts[0] + "/" + parts[1], n, nil
}

// Package github is a GitHub REST API on loopback for tests: the
// endpoints reprokit uses (the authenticated user, issue search, issues by
// creator, create and get an issue, create a comment), with GitHub's JSON
// shapes and rate-limit headers, mounted under a non-empty base path like
// an Enterprise server. It records every request and can inject each
// failure mode reprokit must survive.
package github

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BasePath is where the API is mounted.
const BasePath = "/fake/api/v3/"

// Issue is a stored issue.
type Issue struct {
	Number   int
	Title    string
	Body     string
	State    string
	Reason   string // state_reason of a closed issue: completed, not_planned
	Labels   []string
	User     string
	Comments []string
	// Repo is OWNER/NAME for an issue put there by Put; seeded and
	// created issues answer in any repository (one per server).
	Repo string
}

// Request is a recorded request (the Authorization header is kept apart).
type Request struct {
	Method, Path, Query, Body string
	Auth                      string
}

// Server is the fake.
type Server struct {
	srv *httptest.Server
	// URL is the API base, ending in BasePath.
	URL string
	// Login is the authenticated user; Token the only token accepted.
	Login, Token string
	// DropLabels makes creates ignore labels, as GitHub does for users
	// without push access.
	DropLabels bool
	// Delay is how long a "slow" fault sleeps.
	Delay time.Duration

	mu       sync.Mutex
	issues   []*Issue
	requests []Request
	faults   map[string][]string
}

// New starts a server accepting token for login.
func New(login, token string) *Server {
	s := &Server{Login: login, Token: token, Delay: 3 * time.Second, faults: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc(BasePath, s.handle)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + BasePath
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Fault queues n failures of kind for an endpoint: user, search, list,
// create, get, comment, or * for any. Kinds: ratelimit, ratelimit429,
// secondary, secondary-retry-after, secondary429, 401, 403-scope, 404, 410,
// 422, 502, 502-after (creates, then fails), slow.
func (s *Server) Fault(endpoint, kind string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.faults[endpoint] = append(s.faults[endpoint], kind)
	}
}

// Seed adds an issue opened by someone else. state is open, closed, or
// closed:REASON (closed:completed, closed:not_planned).
func (s *Server) Seed(state, title, body string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	state, reason, _ := strings.Cut(state, ":")
	iss := &Issue{Number: len(s.issues) + 100, Title: title, Body: body, State: state, Reason: reason, User: "someone-else"}
	s.issues = append(s.issues, iss)
	return iss.Number
}

// Put serves an issue at repo#number, as a tracker would show one that
// someone filed: what `reprokit import` reads.
func (s *Server) Put(repo string, number int, state, title, body string, labels []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	state, reason, _ := strings.Cut(state, ":")
	s.issues = append(s.issues, &Issue{Number: number, Repo: repo, Title: title, Body: body, State: state, Reason: reason, Labels: labels, User: "someone-else"})
}

// Issues returns a copy of the stored issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, i := range s.issues {
		out = append(out, *i)
	}
	return out
}

// Requests returns the recorded requests.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request{}, s.requests...)
}

var (
	issuesRE   = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues$`)
	issueRE    = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/(\d+)$`)
	commentsRE = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/(\d+)/comments$`)
	phraseRE   = regexp.MustCompile(`"([^"]*)"`)
)

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, BasePath)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Auth: r.Header.Get("Authorization")})
	s.mu.Unlock()

	endpoint := ""
	switch {
	case r.Method == "GET" && path == "user":
		endpoint = "user"
	case r.Method == "GET" && path == "search/issues":
		endpoint = "search"
	case r.Method == "GET" && issuesRE.MatchString(path):
		endpoint = "list"
	case r.Method == "POST" && issuesRE.MatchString(path):
		endpoint = "create"
	case r.Method == "GET" && issueRE.MatchString(path):
		endpoint = "get"
	case r.Method == "POST" && commentsRE.MatchString(path):
		endpoint = "comment"
	default:
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	rateHeaders(w, 4999, time.Now().Add(time.Hour))
	// As on github.com, a public issue can be read without a token; a token
	// that is sent must be the right one.
	auth := r.Header.Get("Authorization")
	anonymousRead := auth == "" && endpoint == "get"
	if auth != "Bearer "+s.Token && !anonymousRead {
		writeError(w, http.StatusUnauthorized, "Bad credentials", nil)
		return
	}
	after := ""
	if kind := s.nextFault(endpoint); kind != "" {
		if kind == "502-after" {
			after = kind
		} else if s.fail(w, kind) {
			return
		}
	}
	switch endpoint {
	case "user":
		writeJSON(w, http.StatusOK, map[string]any{"login": s.Login, "id": 1, "type": "User"})
	case "search":
		s.search(w, r.URL.Query().Get("q"))
	case "list":
		s.list(w, r)
	case "create":
		s.create(w, body, after)
	case "get":
		m := issueRE.FindStringSubmatch(path)
		n, _ := strconv.Atoi(m[3])
		s.get(w, m[1]+"/"+m[2], n)
	case "comment":
		m := commentsRE.FindStringSubmatch(path)
		n, _ := strconv.Atoi(m[3])
		s.comment(w, m[1]+"/"+m[2], n, body)
	}
}

func (s *Server) nextFault(endpoint string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{endpoint, "*"} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0]
		}
	}
	return ""
}

// fail writes the failure; false means "go on normally" (slow, or
// slow-DURATION such as slow-200ms).
func (s *Server) fail(w http.ResponseWriter, kind string) bool {
	if d, err := time.ParseDuration(strings.TrimPrefix(kind, "slow-")); strings.HasPrefix(kind, "slow-") && err == nil {
		time.Sleep(d)
		return false
	}
	switch kind {
	case "slow":
		time.Sleep(s.Delay)
		return false
	case "ratelimit", "ratelimit429":
		rateHeaders(w, 0, time.Now().Add(2*time.Second))
		code := http.StatusForbidden
		if kind == "ratelimit429" {
			code = http.StatusTooManyRequests
		}
		writeError(w, code, "API rate limit exceeded for user ID 1.", nil, "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
	case "secondary", "secondary-retry-after":
		if kind == "secondary-retry-after" {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", nil, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	case "secondary429":
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "You have exceeded a secondary rate limit.", nil)
	case "401":
		writeError(w, http.StatusUnauthorized, "Bad credentials", nil)
	case "403-scope":
		writeError(w, http.StatusForbidden, "Resource not accessible by personal access token", nil)
	case "404":
		writeError(w, http.StatusNotFound, "Not Found", nil)
	case "410":
		writeError(w, http.StatusGone, "Issues are disabled for this repo", nil)
	case "422":
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", []map[string]string{{"resource": "Issue", "field": "title", "code": "missing_field"}})
	case "502":
		writeError(w, http.StatusBadGateway, "Server Error", nil)
	default:
		writeError(w, http.StatusInternalServerError, "unknown fault "+kind, nil)
	}
	return true
}

func (s *Server) search(w http.ResponseWriter, q string) {
	repo := ""
	for _, f := range strings.Fields(q) {
		if strings.HasPrefix(f, "repo:") {
			repo = strings.TrimPrefix(f, "repo:")
		}
	}
	_ = repo // one repository per server
	phrases := phraseRE.FindAllStringSubmatch(q, -1)
	s.mu.Lock()
	var items []map[string]any
	for _, iss := range s.issues {
		text := strings.ToLower(iss.Title + "\n" + iss.Body)
		all := len(phrases) > 0
		for _, p := range phrases {
			if !strings.Contains(text, strings.ToLower(p[1])) {
				all = false
			}
		}
		if all {
			items = append(items, s.issueJSON(iss))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(items), "incomplete_results": false, "items": orEmpty(items)})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	creator, state := q.Get("creator"), q.Get("state")
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	s.mu.Lock()
	var match []*Issue
	for _, iss := range s.issues {
		if (creator == "" || iss.User == creator) && (state == "all" || state == "" && iss.State == "open" || iss.State == state) {
			match = append(match, iss)
		}
	}
	sort.Slice(match, func(i, j int) bool { return match[i].Number > match[j].Number })
	var items []map[string]any
	for i := (page - 1) * per; i < len(match) && i < page*per; i++ {
		items = append(items, s.issueJSON(match[i]))
	}
	s.mu.Unlock()
	if page*per < len(match) {
		next := *r.URL
		qq := next.Query()
		qq.Set("page", strconv.Itoa(page+1))
		next.RawQuery = qq.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.RequestURI()))
	}
	writeJSON(w, http.StatusOK, orEmpty(items))
}

func (s *Server) create(w http.ResponseWriter, body []byte, after string) {
	var req struct {
		Title  string   `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
		return
	}
	if strings.TrimSpace(req.Title) == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", []map[string]string{{"resource": "Issue", "field": "title", "code": "missing_field"}})
		return
	}
	if n := len([]rune(req.Body)); n > 65536 {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", []map[string]string{{"resource": "Issue", "field": "body", "code": "custom", "message": "body is too long (maximum is 65536 characters)"}})
		return
	}
	s.mu.Lock()
	iss := &Issue{Number: len(s.issues) + 100, Title: req.Title, Body: req.Body, State: "open", User: s.Login}
	if !s.DropLabels {
		iss.Labels = req.Labels
	}
	s.issues = append(s.issues, iss)
	out := s.issueJSON(iss)
	s.mu.Unlock()
	if after == "502-after" {
		writeError(w, http.StatusBadGateway, "Server Error", nil)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) get(w http.ResponseWriter, repo string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, iss := range s.issues {
		if iss.Number == n && (iss.Repo == "" || iss.Repo == repo) {
			writeJSON(w, http.StatusOK, s.issueJSON(iss))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", nil)
}

func (s *Server) comment(w http.ResponseWriter, repo string, n int, body []byte) {
	var req struct {
		Body string `json:"body"`
	}
	json.Unmarshal(body, &req)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, iss := range s.issues {
		if iss.Number == n {
			iss.Comments = append(iss.Comments, req.Body)
			writeJSON(w, http.StatusCreated, map[string]any{"id": len(iss.Comments), "body": req.Body, "html_url": fmt.Sprintf("https://github.example/%s/issues/%d#issuecomment-%d", repo, n, len(iss.Comments))})
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", nil)
}

func (s *Server) issueJSON(iss *Issue) map[string]any {
	var labels []map[string]any
	for _, l := range iss.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	repo := "owner/repo"
	if iss.Repo != "" {
		repo = iss.Repo
	}
	out := map[string]any{
		"number": iss.Number, "title": iss.Title, "body": iss.Body, "state": iss.State,
		"html_url": fmt.Sprintf("https://github.example/%s/issues/%d", repo, iss.Number),
		"user":     map[string]any{"login": iss.User}, "labels": orEmpty(labels),
	}
	if iss.State == "closed" {
		out["closed_at"] = "2026-03-01T12:00:00Z"
		if iss.Reason != "" {
			out["state_reason"] = iss.Reason
		}
	}
	return out
}

func rateHeaders(w http.ResponseWriter, remaining int, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	w.Header().Set("X-RateLimit-Used", strconv.Itoa(5000-remaining))
}

func writeError(w http.ResponseWriter, code int, msg string, errs []map[string]string, docURL ...string) {
	body := map[string]any{"message": msg}
	if errs != nil {
		body["errors"] = errs
	}
	if len(docURL) > 0 {
		body["documentation_url"] = docURL[0]
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

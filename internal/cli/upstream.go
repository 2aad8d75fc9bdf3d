package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/reprokit/reprokit/internal/checkreport"
	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/suite"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// lookupUpstream reads each linked upstream issue (read-only) and flags
// the contradictions between its state and the matrix.
func lookupUpstream(ctx context.Context, opts *CheckOptions, rep *checkreport.Report, byPath map[string]*repro.Repro) {
	host := opts.Env("GH_HOST")
	apiURL := opts.APIURL
	if apiURL == "" {
		apiURL = opts.Env("GITHUB_API_URL")
	}
	// Reading public issues needs no token; with one, the rate limit is higher.
	auth, _ := forge.ResolveAuth(host, apiURL != "", opts.Env)
	client, err := forge.New(forge.Options{APIURL: apiURL, Host: host, Auth: auth, NoWait: true, Log: opts.IO.ErrOut})
	_, groups := suite.ByFile(rep.Cells)
	for _, f := range rep.Files {
		r := byPath[f]
		if r == nil {
			continue
		}
		if r.Meta.Upstream == "" {
			rep.Upstream[f] = checkreport.Upstream{}
			continue
		}
		repo, number, perr := parseIssueURL(r.Meta.Upstream)
		u := checkreport.Upstream{Ref: r.Meta.Upstream}
		switch {
		case perr != nil:
			u.Error = perr.Error()
		case err != nil:
			u.Error = err.Error()
		default:
			u.Ref = fmt.Sprintf("%s#%d", repo, number)
			iss, err := client.Issue(ctx, repo, number)
			if err != nil {
				u.Error = err.Error()
				break
			}
			u.State = iss.GetState()
			u.Reason = iss.GetStateReason()
			if iss.ClosedAt != nil {
				u.Closed = iss.GetClosedAt().Format("2006-01-02")
			}
			u.Contradiction = contradiction(u, groups[f])
		}
		rep.Upstream[f] = u
	}
}

// contradiction compares the issue's state with the matrix: closed as
// completed but reproducing on the newest toolchain; open but reproducing
// nowhere.
func contradiction(u checkreport.Upstream, cells []suite.Cell) string {
	var newest *suite.Cell
	reproducing := 0
	for i := range cells {
		c := &cells[i]
		if c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky {
			reproducing++
		}
		if c.Verdict != repro.Skipped && c.Verdict != repro.ErrorVerdict &&
			(newest == nil || toolchain.CompareVersions(c.Toolchain.Version, newest.Toolchain.Version) > 0) {
			newest = c
		}
	}
	switch {
	case u.State == "closed" && u.Reason == "completed" && newest != nil && newest.Verdict == repro.Reproduces:
		return fmt.Sprintf("closed as completed, but still reproduces on %s, the newest toolchain here", newest.Toolchain.Version)
	case u.State == "open" && reproducing == 0 && len(cells) > 0:
		return "open, but reproduces on none of the toolchains here: tell upstream (see the comment draft) or check the repro"
	}
	return ""
}

// parseIssueURL takes https://HOST/OWNER/NAME/issues/N (or OWNER/NAME#N).
func parseIssueURL(s string) (string, int, error) {
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

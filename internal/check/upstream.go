package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/forge"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Upstream is what the linked upstream issue says, and whether it agrees.
type Upstream struct {
	Ref           string // python/cpython#123
	State         IssueState
	Reason        StateReason
	Closed        string // closing date, 2006-01-02
	Contradiction string // empty when the issue agrees with the matrix
	Error         string // the lookup failed
}

// IssueState is an upstream issue's state, as GitHub's API says it.
type IssueState string

// The states of an issue.
const (
	IssueOpen   IssueState = "open"
	IssueClosed IssueState = "closed"
)

// StateReason is why an issue is in its state, as GitHub's API says it
// (it may add reasons: an unknown one is shown as it is).
type StateReason string

// The reasons the check tells apart.
const (
	Completed  StateReason = "completed"
	NotPlanned StateReason = "not_planned"
	Reopened   StateReason = "reopened"
)

// Summary is the upstream state in a few words.
func (u Upstream) Summary() string {
	switch {
	case u.Error != "":
		return u.Ref + ": " + u.Error
	case u.Ref == "":
		return "no upstream issue linked"
	}
	s := u.Ref + " " + string(u.State)
	if u.Reason != "" && u.State == IssueClosed {
		s += " (" + strings.ReplaceAll(string(u.Reason), "_", " ") + ")"
	}
	if u.Closed != "" {
		s += " on " + u.Closed
	}
	return s
}

// Lookup reads linked upstream issues, read-only.
type Lookup struct {
	client *forge.Client
	err    error // the client could not be built: every lookup says so
}

// NewLookup reads issues from base's endpoint, through its transport.
// Reading public issues needs no token; with one, the rate limit is
// higher. A rate limit is not waited out.
func NewLookup(base forge.Options, env func(string) string) *Lookup {
	base.Auth, _ = base.Endpoint.Auth(env)
	base.NoWait = true
	client, err := forge.New(base)
	return &Lookup{client, err}
}

// lookup reads each linked issue and flags the contradictions between its
// state and the matrix.
func (l *Lookup) lookup(ctx context.Context, rep *Report) {
	_, groups := ByFile(rep.Cells)
	for _, f := range rep.Files {
		r := rep.Repros[f]
		if r == nil {
			continue
		}
		if r.Meta.Upstream == "" {
			rep.Upstream[f] = Upstream{}
			continue
		}
		u := l.one(ctx, r.Meta.Upstream)
		if u.Error == "" {
			u.Contradiction = contradiction(u, groups[f])
		}
		rep.Upstream[f] = u
	}
}

func (l *Lookup) one(ctx context.Context, link string) Upstream {
	u := Upstream{Ref: link}
	repo, number, err := forge.ParseIssueURL(link)
	if err == nil {
		err = l.err
	}
	if err != nil {
		u.Error = err.Error()
		return u
	}
	u.Ref = fmt.Sprintf("%s#%d", repo, number)
	iss, err := l.client.Issue(ctx, repo, number)
	if err != nil {
		u.Error = err.Error()
		return u
	}
	u.State, u.Reason = IssueState(iss.GetState()), StateReason(iss.GetStateReason())
	if iss.ClosedAt != nil {
		u.Closed = iss.GetClosedAt().Format("2006-01-02")
	}
	return u
}

// contradiction compares the issue's state with the matrix: closed as
// completed but reproducing on the newest toolchain; open but reproducing
// nowhere.
func contradiction(u Upstream, cells []Cell) string {
	var newest *Cell
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
	case u.State == IssueClosed && u.Reason == Completed && newest != nil && newest.Verdict == repro.Reproduces:
		return fmt.Sprintf("closed as completed, but still reproduces on %s, the newest toolchain here", newest.Toolchain.Version)
	case u.State == IssueOpen && reproducing == 0 && len(cells) > 0:
		return "open, but reproduces on none of the toolchains here: tell upstream (see the comment draft) or check the repro"
	}
	return ""
}

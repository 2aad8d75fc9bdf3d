package draft

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// MakeConfirmation runs r on its toolchains and renders the confirmation
// comment for its upstream issue (see Confirmation). A repro that
// reproduces nowhere still gets one: "could not reproduce here" is news
// for a triager too.
func MakeConfirmation(ctx context.Context, req Request, r *repro.Repro, all []toolchain.Toolchain, red *redact.Redactor) (*Made, error) {
	if req.Log == nil {
		req.Log = io.Discard
	}
	repo, number, err := upstreamOf(r)
	if err != nil {
		return nil, err
	}
	cells, tcs, _, _, err := runMatrix(ctx, req, r, all)
	if err != nil {
		return nil, err
	}
	d := Confirmation(Input{Repro: r, Cells: cells, Env: Probe(ctx, tcs)}, red)
	d.Repo, d.CommentOn = repo, number
	reproducing := 0
	for _, c := range cells {
		if c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky {
			reproducing++
		}
	}
	return &Made{Draft: d, Tracker: "comment", Reproducing: reproducing, Total: len(cells)}, nil
}

// upstreamOf is the issue a confirmation comment goes to.
func upstreamOf(r *repro.Repro) (string, int, error) {
	u := r.Meta.Upstream
	if u == "" {
		return "", 0, usage.Errorf("%s: no `upstream:` issue URL in the metadata: a confirmation comment needs the issue it answers (`reprokit import URL` writes it)", r.Path)
	}
	// https://HOST/OWNER/NAME/issues/N
	parts := strings.Split(strings.TrimRight(u[strings.Index(u, "://")+3:], "/"), "/")
	if !strings.Contains(u, "://") || len(parts) != 5 || parts[3] != "issues" {
		return "", 0, usage.Errorf("%s: upstream %q: want an issue URL like https://github.com/OWNER/NAME/issues/N", r.Path, u)
	}
	var n int
	if _, err := fmt.Sscanf(parts[4], "%d", &n); err != nil || n <= 0 {
		return "", 0, usage.Errorf("%s: upstream %q: no issue number", r.Path, u)
	}
	return parts[1] + "/" + parts[2], n, nil
}

// Confirmation renders a Bugmon-style comment for the upstream issue: what
// was run and where, the matrix with its boundary next to the versions
// the issue states, the bisection if there is one (or says there is
// none), and the archive. It is posted only by `reprokit file --comment`,
// once; everything in it from the repro or the issue is made inert.
func Confirmation(in Input, red *redact.Redactor) *Draft {
	r := in.Repro
	cells := append([]Cell{}, in.Cells...)
	sort.SliceStable(cells, func(i, j int) bool { return toolchain.CompareVersions(cells[i].Version, cells[j].Version) < 0 })
	reproducing := 0
	for _, c := range cells {
		if c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky {
			reproducing++
		}
	}
	var b strings.Builder
	switch {
	case len(cells) == 0:
		b.WriteString("**Could not run here:** no interpreter of the kind this repro needs.\n")
	case reproducing == 0:
		fmt.Fprintf(&b, "**Could not reproduce** on any of the %d toolchains run here.\n", len(cells))
	default:
		fmt.Fprintf(&b, "**Confirmed:** the reproducer from this issue reproduces on %d of the %d toolchains run here.\n", reproducing, len(cells))
	}
	b.WriteString("\n" + Boundary(cells) + "\n")
	if st := r.Meta.Stated; st != nil {
		cmp := Compare(*st, cells)
		switch {
		case !cmp.Comparable:
			fmt.Fprintf(&b, "\nThe issue names %s; none of those versions ran here, so this says nothing about them.\n", StatedWords(*st))
		case cmp.Agrees:
			fmt.Fprintf(&b, "\nThe issue names %s: this agrees.\n", StatedWords(*st))
		default:
			fmt.Fprintf(&b, "\nThe issue names %s, but here %s.\n", StatedWords(*st), strings.Join(cmp.Conflicts, "; "))
		}
	}
	if bis := Bisected(r); bis != "" {
		b.WriteString("\n" + bis + "\n")
	} else {
		b.WriteString("\nNot bisected (`reprokit bisect` can narrow the boundary to a release or a commit).\n")
	}
	b.WriteString("\n#### What was run\n\n" + reproducer(r) + "\n")
	b.WriteString("\n#### Matrix\n\n" + matrix(cells, "") + "\n")
	if m := machine(in.Env); m != "" {
		b.WriteString("\n" + m + " Each run in a fresh sandbox (no network, a private file system).\n")
	}
	b.WriteString("\n" + details("The repro as a testscript archive (run it with `reprokit run FILE`, or the stock `testscript` command)", fence("txtar", string(r.Raw))) + "\n")
	b.WriteString("\n<sub>Drafted by reprokit and posted by a person who read it; reprokit never comments on its own.</sub>\n")
	body := b.String()
	if red != nil {
		body = red.String(body)
	}
	return &Draft{
		Title:       redact.InertTitle("Confirmation: " + r.Title()),
		Body:        redact.Inert(body),
		Fingerprint: Fingerprint("confirmation\x00"+r.Meta.Upstream, r.Raw),
		Source:      r.Path,
		Archive:     ArchiveHash(r.Raw),
	}
}

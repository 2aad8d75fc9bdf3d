package forge

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/reprokit/reprokit/internal/draft"
)

// RelatedSearch returns the search a draft uses to list likely related
// upstream issues: by the draft's signature and title, as File does before
// filing, at most five, without waiting out rate limits. A failed search is
// a warning on base.Log: the draft then lists none. base gives the
// endpoint and the transport.
func RelatedSearch(base Options, env func(string) string) func(context.Context, *draft.Draft) []draft.Related {
	log := base.Log
	return func(ctx context.Context, d *draft.Draft) []draft.Related {
		opts := base
		opts.Auth, _ = base.Endpoint.Auth(env) // a public search needs none
		opts.NoWait, opts.MaxTries, opts.Timeout = true, 1, 15*time.Second
		client, err := New(opts)
		var found []*github.Issue
		if err == nil {
			found, err = client.Search(ctx, d.Repo, []string{d.Search, d.Title})
		}
		if err != nil {
			fmt.Fprintf(log, "reprokit: warning: related-issue search in %s failed (%v); the draft lists none (--offline skips the search)\n", d.Repo, err)
			return nil
		}
		var out []draft.Related
		for _, iss := range found[:min(len(found), 5)] {
			out = append(out, draft.Related{Number: iss.GetNumber(), Title: iss.GetTitle(), URL: iss.GetHTMLURL(), State: iss.GetState()})
		}
		return out
	}
}

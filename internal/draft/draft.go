// Package draft renders an upstream issue draft for a repro: the title,
// what happens (signature and trimmed output), the reproducer in the
// upstream's own terms (the standalone files and the command), the version
// matrix with its boundary in words, the flakiness, the two-tier ask, the
// environment, and related issues. The tracker profile (tracker.go) decides
// the shape; everything is redacted before it is written.
//
// By concern: render.go builds the blocks and runs the profile's templates,
// matrix.go and cell.go the version matrix, reproducer.go the reproducer,
// file.go the draft file `reprokit file` reads back, make.go runs the
// matrix for a draft.
package draft

import "github.com/reprokit/reprokit/internal/repro"

// Environment is what the probes found; empty fields are left out.
type Environment struct {
	OS, Kernel, Arch, Libc string
	VV                     map[string]string // toolchain version -> `python -VV`
	GoVersion, GoEnv       string
}

// Related is an upstream issue found by a duplicate search.
type Related struct {
	Number     int
	Title, URL string
	State      string
}

// Input is everything a draft is made from.
type Input struct {
	Repro   *repro.Repro
	Cells   []Cell
	Env     Environment
	Related []Related
	// Offered are the versions the tracker's form offers (the profile's
	// versions); Render fills it from the profile.
	Offered []string
}

// MaxTitle is the longest title a draft gets: a triager reads titles in a
// list, and the fatal line goes in the body anyway.
const MaxTitle = 100

// Draft is a rendered draft.
type Draft struct {
	Title  string
	Body   string
	Labels []string
	Repo   string
	// Missing names the tiers the repro does not state.
	Missing []string
	// Fingerprint identifies the repro and its bug (a hash of the signature
	// and the archive): filing hides it in the issue body, so that a retry
	// finds the issue it may already have created.
	Fingerprint string
	// Search is the phrase a duplicate search looks for: the fatal line or
	// the exception.
	Search string
	// Source is the archive's path and Archive its hash (ArchiveHash).
	Source, Archive string
	// CommentOn, for a comment draft (the confirmation comment), is the
	// issue of Repo it answers; 0 for an issue draft.
	CommentOn int
}

package draft

import (
	"fmt"
	"strings"
)

// The <details> block that details writes; fit finds the blocks by the
// same strings, so the two cannot drift apart.
const (
	detailsOpen  = "<details><summary>"
	summaryClose = "</summary>\n\n"
	detailsClose = "\n\n</details>"
)

// Summaries of the blocks trimmed first when a body is too long: the long
// output, then the archive (readers can run the repro to see either).
const (
	fullOutputSummary = "Full output"
	archiveSummary    = "The repro as a testscript archive"
)

// block is one <details> block of a body: [start, end) is the whole block,
// [inner, innerEnd) its contents.
type block struct {
	summary                     string
	start, inner, innerEnd, end int
}

// blocks finds the <details> blocks of body, in order.
func blocks(body string) []block {
	var out []block
	for off := 0; ; {
		i := strings.Index(body[off:], detailsOpen)
		if i < 0 {
			return out
		}
		b := block{start: off + i}
		s := b.start + len(detailsOpen)
		j := strings.Index(body[s:], summaryClose)
		if j < 0 || strings.Contains(body[s:s+j], "<") {
			off = s
			continue
		}
		b.summary, b.inner = body[s:s+j], s+j+len(summaryClose)
		k := strings.Index(body[b.inner:], detailsClose)
		if k < 0 {
			return out
		}
		b.innerEnd, b.end = b.inner+k, b.inner+k+len(detailsClose)
		out = append(out, b)
		off = b.end
	}
}

// Fit appends marker (the forge's hidden fingerprint line) to the body and
// trims it under limit characters: the long output goes first, then the
// archive, then the tail. The note says what was trimmed ("" if nothing).
func (d *Draft) Fit(marker string, limit int) (body, note string) {
	marker = "\n\n" + marker + "\n"
	full := strings.TrimRight(d.Body, "\n") + marker
	if runes(full) <= limit {
		return full, ""
	}
	var notes []string
	for _, want := range []string{fullOutputSummary, archiveSummary} {
		for _, b := range blocks(full) {
			if !strings.HasPrefix(b.summary, want) {
				continue
			}
			removed := runes(full[b.inner:b.innerEnd])
			repl := details(b.summary, fmt.Sprintf("_Trimmed by reprokit: %d characters did not fit GitHub's 65,536-character limit; run the repro to see them._", removed))
			full = full[:b.start] + repl + full[b.end:]
			notes = append(notes, fmt.Sprintf("%q (%d characters)", b.summary, removed))
			break
		}
		if runes(full) <= limit {
			return full, "the body was over GitHub's limit; trimmed " + strings.Join(notes, ", ")
		}
	}
	cut := "\n\n_Trimmed by reprokit: the rest did not fit GitHub's 65,536-character limit._" + marker
	r := []rune(full)
	keep := limit - runes(cut)
	return string(r[:keep]) + cut, fmt.Sprintf("the body was over GitHub's limit; trimmed %s and cut %d characters at the end", strings.Join(notes, ", "), len(r)-keep)
}

// WithoutDetails is body with the contents of every <details> block
// replaced by a pointer to the repro file: what fits in a URL.
func WithoutDetails(body string) string {
	var b strings.Builder
	last := 0
	for _, blk := range blocks(body) {
		b.WriteString(body[last:blk.start])
		b.WriteString(details(blk.summary, "_Trimmed for the URL: attach the repro file._"))
		last = blk.end
	}
	b.WriteString(body[last:])
	return b.String()
}

func runes(s string) int { return len([]rune(s)) }

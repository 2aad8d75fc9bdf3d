// The draft file: what `reprokit draft` writes and `reprokit file` reads
// back (the header, the title, the body), and the hashes that identify it.

package draft

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/reprokit/reprokit/internal/signature"
)

// ArchiveHash names the exact archive a draft was made from: a committed
// report whose archive has changed since is stale (a test says so).
func ArchiveHash(archive []byte) string {
	sum := sha256.Sum256(archive)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Fingerprint hashes a signature's key and an archive.
func Fingerprint(key string, archive []byte) string {
	h := sha256.New()
	h.Write([]byte(signature.Normalize(key)))
	h.Write([]byte{0})
	h.Write(archive)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// Write writes the draft as Markdown, with a header that `reprokit file`
// reads back (repo, labels, fingerprint, search) in an HTML comment, then
// the title as a heading, then the body.
func (d *Draft) Write(w io.Writer) error {
	src := ""
	if d.Source != "" {
		src = fmt.Sprintf("source: %s\narchive: %s\n", d.Source, d.Archive)
	}
	if d.CommentOn > 0 {
		src += fmt.Sprintf("comment-on: %d\n", d.CommentOn)
	}
	_, err := fmt.Fprintf(w, "<!-- reprokit draft\nrepo: %s\nlabels: %s\nfingerprint: %s\nsearch: %s\n%s-->\n# %s\n\n%s",
		d.Repo, strings.Join(d.Labels, ", "), d.Fingerprint, d.Search, src, d.Title, d.Body)
	return err
}

// Read parses a draft written by Write (possibly edited by hand since).
func Read(name string, data []byte) (*Draft, error) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasPrefix(s, "<!-- reprokit draft\n") {
		return nil, fmt.Errorf("%s:1: not a reprokit draft (it starts with the `<!-- reprokit draft` header that `reprokit draft` writes)", name)
	}
	end := strings.Index(s, "\n-->\n")
	if end < 0 {
		return nil, fmt.Errorf("%s:1: the draft header is not closed with -->", name)
	}
	d := &Draft{}
	for i, l := range strings.Split(s[len("<!-- reprokit draft\n"):end], "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want `key: value` in the draft header, got %q", name, i+2, l)
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "repo":
			d.Repo = v
		case "labels":
			for _, lab := range strings.Split(v, ",") {
				if lab = strings.TrimSpace(lab); lab != "" {
					d.Labels = append(d.Labels, lab)
				}
			}
		case "fingerprint":
			d.Fingerprint = v
		case "search":
			d.Search = v
		case "source":
			d.Source = v
		case "archive":
			d.Archive = v
		case "comment-on":
			if _, err := fmt.Sscanf(v, "%d", &d.CommentOn); err != nil || d.CommentOn <= 0 {
				return nil, fmt.Errorf("%s:%d: comment-on: %q is not an issue number", name, i+2, v)
			}
		}
	}
	rest := s[end+len("\n-->\n"):]
	titleLine, body, _ := strings.Cut(rest, "\n")
	if !strings.HasPrefix(titleLine, "# ") {
		return nil, fmt.Errorf("%s: the line after the header must be the title, as `# Title`", name)
	}
	d.Title = strings.TrimSpace(strings.TrimPrefix(titleLine, "# "))
	d.Body = strings.TrimLeft(body, "\n")
	if d.Fingerprint == "" {
		d.Fingerprint = Fingerprint(d.Title, []byte(d.Body))
	}
	return d, nil
}

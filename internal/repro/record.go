package repro

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// WithSignature returns the archive with sig recorded in its metadata. Only
// the metadata's `signature:` block changes (or is added); every other byte
// of the archive stays as it was.
func (r *Repro) WithSignature(sig signature.Signature) ([]byte, error) {
	return r.withKey("signature", sig)
}

// WithExpect returns the archive with its `expect:` block replaced by
// expect, keys in version order; nothing else changes.
func (r *Repro) WithExpect(expect map[string]Verdict) ([]byte, error) {
	keys := make([]string, 0, len(expect))
	for k := range expect {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return toolchain.CompareVersions(keys[i], keys[j]) < 0 })
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		// Quoted, so that 3.10 stays a string and does not become 3.1.
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: k, Style: yaml.DoubleQuotedStyle},
			&yaml.Node{Kind: yaml.ScalarNode, Value: string(expect[k])})
	}
	return r.withKey("expect", m)
}

// WithBisection returns the archive with b recorded in its `bisect:` list,
// replacing an earlier result over the same kind of range (of the same
// library); nothing else changes.
func (r *Repro) WithBisection(b Bisection) ([]byte, error) {
	list := []Bisection{}
	for _, old := range r.Meta.Bisect {
		if old.Over != b.Over || old.Library != b.Library {
			list = append(list, old)
		}
	}
	return r.withKey("bisect", append(list, b))
}

// withKey replaces (or appends) one top-level key of the metadata.
func (r *Repro) withKey(key string, value any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{key: value}); err != nil {
		return nil, err
	}
	block := buf.Bytes()
	raw := r.Raw
	start, end, ok := r.memberData(MetaFile)
	if !ok {
		var b bytes.Buffer
		b.Write(raw)
		if len(raw) > 0 && raw[len(raw)-1] != '\n' {
			b.WriteByte('\n')
		}
		b.WriteString("-- " + MetaFile + " --\n")
		b.Write(block)
		return r.reparse(key, b.Bytes())
	}
	meta := string(raw[start:end])
	lines := strings.SplitAfter(meta, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	from, to := -1, len(lines) // the key's block line range, 0-based
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(meta), &root); err == nil {
		if m := docMap(&root); m != nil && m.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(m.Content); i += 2 {
				if from >= 0 {
					to = m.Content[i].Line - 1
					break
				}
				if m.Content[i].Value == key {
					from = m.Content[i].Line - 1
				}
			}
		}
	}
	var nb strings.Builder
	if from < 0 {
		nb.WriteString(meta)
		if meta != "" && !strings.HasSuffix(meta, "\n") {
			nb.WriteByte('\n')
		}
		nb.Write(block)
	} else {
		// Keep comment lines that belong to the next key.
		for to > from+1 && strings.HasPrefix(strings.TrimSpace(lines[to-1]), "#") {
			to--
		}
		nb.WriteString(strings.Join(lines[:from], ""))
		nb.Write(block)
		nb.WriteString(strings.Join(lines[to:], ""))
	}
	out := append(append(append([]byte{}, raw[:start]...), nb.String()...), raw[end:]...)
	return r.reparse(key, out)
}

func (r *Repro) reparse(key string, data []byte) ([]byte, error) {
	if _, err := Parse(r.Path, data); err != nil {
		return nil, fmt.Errorf("recording the %s would break the archive: %w", key, err)
	}
	return data, nil
}

// memberData returns the byte range of a member's data in Raw.
func (r *Repro) memberData(name string) (start, end int, ok bool) {
	off := 0
	found := false
	for _, l := range strings.SplitAfter(string(r.Raw), "\n") {
		if isMarker(l) {
			if found {
				return start, off, true
			}
			n := strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
			if strings.TrimSpace(n[3:len(n)-3]) == name {
				found, start = true, off+len(l)
			}
		}
		off += len(l)
	}
	if found {
		return start, len(r.Raw), true
	}
	return 0, 0, false
}

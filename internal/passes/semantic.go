package passes

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/repro"
)

// unit is one semantic edit: byte spans of a source and their
// replacements, applied all together or not at all.
type unit struct {
	Kind  string   `json:"kind"`
	Edits []splice `json:"edits"`
	// Fold lists the edits whose text is an expression to compute (with
	// the modules in Env, see FoldExpr): its value's literal replaces it,
	// and without one the unit is not offered. A unit of kind "fold" is
	// one such edit.
	Fold []int             `json:"fold"`
	Env  map[string]string `json:"env"`
}

type splice struct {
	From, To int
	Text     string
}

func (s *splice) UnmarshalJSON(b []byte) error {
	var raw [3]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	from, ok1 := raw[0].(float64)
	to, ok2 := raw[1].(float64)
	text, ok3 := raw[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("malformed splice %s", b)
	}
	s.From, s.To, s.Text = int(from), int(to), text
	return nil
}

// Semantic is a pass of edits computed on the Python tree, one kind of
// edit per pass (see pyanalyze.py): each unit is one edit, "removing" a
// unit applies it. Edits that overlap one already applied are skipped, so
// any mask builds a candidate; the compile check rejects the few that do
// not parse before any sandboxed run.
type Semantic struct {
	Kinds []string // edit kinds, e.g. "inline-func"
	Label string
	An    *Helper // nil or not analysing: the pass has no units
	// Eval computes the folds (kind "fold"); nil: no folds.
	Eval  Evaluator
	Start bool // start at the finest granularity (edits mostly needed)
	Small bool // small in-line edits: rerun only while they shrink
	// Late marks the second look after the in-line passes: when it edits,
	// another round follows, so the in-line passes see what it exposed.
	Late bool
	// Keyed: a unit found needed is not retried in a later round while
	// the code it edits is unchanged (see minimize.Traits.Keys).
	Keyed bool
}

// semanticPasses are the tree edits, ordered by what one test can save:
// sys.exit and the argparse/config plumbing take many lines in one or two
// units; a namespace class or an inlined function a block each; hoisting
// and hollowing a few lines per unit. The expression edits, a few bytes
// per unit, run with the in-line passes (per-pass savings are in
// `minimize --json`'s "passes").
func semanticPasses() []minimize.Pass {
	return []minimize.Pass{
		Semantic{Label: "sys-exit", Kinds: []string{"sys-exit"}},
		Semantic{Label: "plumbing", Kinds: []string{"plumbing"}},
		Semantic{Label: "namespace-class", Kinds: []string{"namespace-class"}},
		Semantic{Label: "inline-func", Kinds: []string{"inline-func", "holder", "self-attr", "flatten-class"}},
		Semantic{Label: "hoist", Kinds: []string{"hoist-main", "hoist", "hoist-def"}},
		Semantic{Label: "unwrap-calls", Kinds: []string{"wrapper", "de-async"}},
		Semantic{Label: "hollow-defs", Kinds: []string{"hollow"}},
	}
}

// lateSemantic are the tree edits run again after the in-line passes
// (plumbing too: inlining a wrapper can expose `p.parse_args().x`).
func lateSemantic() []minimize.Pass {
	var out []minimize.Pass
	for _, p := range semanticPasses() {
		if s := p.(Semantic); s.Label != "sys-exit" {
			s.Late, s.Label = true, s.Label+"-late"
			out = append(out, s)
		}
	}
	late := InlineVar
	late.Late, late.Label = true, late.Label+"-late"
	return append(out, late)
}

// FoldLate folds once more at the end of each round, after the in-line
// passes: they and the late edits make constants of what the expression
// edits saw as names (a loop variable bound to its first value, say).
var FoldLate = Semantic{Label: "fold-late", Kinds: []string{"fold"}, Late: true, Keyed: true}

// InlineVar and Expressions run after the block passes, on what is left.
var (
	InlineVar   = Semantic{Label: "inline-var", Kinds: []string{"inline-var"}}
	Expressions = Semantic{Label: "expressions", Kinds: []string{"expressions", "unused-param", "loop", "fold"}, Small: true, Start: true, Keyed: true}
)

func (s Semantic) Name() string { return s.Label }

// Traits: small edits rerun only while they shrink, the others repeat
// (an edit exposes the next: a function inlined makes its caller
// inlinable). A late tree edit closes a round and exposes code where the
// in-line passes have not looked; they run again next round.
func (s Semantic) Traits() minimize.Traits {
	t := minimize.Traits{Fine: s.Small, Repeat: !s.Small, Closing: s.Late, Exposes: s.Late}
	if s.Start {
		t.Start = minimize.StartUnits
	}
	if s.Keyed {
		t.Keys = s.unitKeys
	}
	return t
}

// Bind returns the pass with its analyst.
func (s Semantic) Bind(a *Helper, eval Evaluator) minimize.Pass {
	s.An, s.Eval = a, eval
	return s
}

// semanticRef is one unit of a semantic pass: an edit of one file.
type semanticRef struct {
	file int
	u    unit
}

// units are the pass's units over cur, file by file.
func (s Semantic) units(cur []byte) (*txtar.Archive, []semanticRef) {
	ar := txtar.Parse(cur)
	if s.An == nil {
		return ar, nil
	}
	argv := ScriptArgs(ar.Comment)
	var refs []semanticRef
	for fi, f := range ar.Files {
		if !strings.HasSuffix(f.Name, ".py") {
			continue
		}
		var units []unit
		for _, u := range s.An.editsOf(f.Data, argv[f.Name]) {
			if slices.Contains(s.Kinds, u.Kind) {
				units = append(units, u)
			}
		}
		for _, u := range s.computeFolds(units) {
			refs = append(refs, semanticRef{fi, u})
		}
	}
	return ar, refs
}

func (s Semantic) Split(cur []byte) (int, func([]bool) []byte) {
	ar, refs := s.units(cur)
	return len(refs), func(keep []bool) []byte {
		out := &txtar.Archive{Comment: ar.Comment, Files: append([]txtar.File{}, ar.Files...)}
		byFile := map[int][]splice{}
		for i, r := range refs {
			if keep[i] || overlaps(byFile[r.file], r.u.Edits) {
				continue
			}
			byFile[r.file] = append(byFile[r.file], r.u.Edits...)
		}
		for fi, sp := range byFile {
			out.Files[fi].Data = applySplices(ar.Files[fi].Data, sp)
		}
		return txtar.Format(out)
	}
}

// unitKeys names each unit by its file, its kind, and the text each of
// its edits replaces and puts: the same edit of unchanged code in a later
// round.
func (s Semantic) unitKeys(cur []byte) []string {
	ar, refs := s.units(cur)
	keys := make([]string, len(refs))
	for i, r := range refs {
		data := ar.Files[r.file].Data
		var b strings.Builder
		b.WriteString(ar.Files[r.file].Name + "\x00" + r.u.Kind)
		for _, e := range r.u.Edits {
			if e.From >= 0 && e.From <= e.To && e.To <= len(data) {
				fmt.Fprintf(&b, "\x00%s\x00%s", data[e.From:e.To], e.Text)
			}
		}
		keys[i] = b.String()
	}
	return keys
}

// computeFolds replaces the text of each folded edit by its value's
// literal, computed by Eval, and drops the units with a fold that has
// none. A unit of kind "fold" is also dropped when its literal is not
// shorter than the expression, or when it lies inside another fold that
// has one (the outer one says it all). Units without folds pass as they
// are.
func (s Semantic) computeFolds(units []unit) []unit {
	var exprs []FoldExpr
	for _, u := range units {
		for _, i := range u.Fold {
			if i >= 0 && i < len(u.Edits) {
				exprs = append(exprs, FoldExpr{Expr: u.Edits[i].Text, Env: u.Env})
			}
		}
	}
	var values []string
	if len(exprs) > 0 && s.Eval != nil {
		values = s.Eval(exprs)
	}
	var out, folded []unit
	k := 0
	for _, u := range units {
		if len(u.Fold) == 0 {
			out = append(out, u)
			continue
		}
		edits := append([]splice{}, u.Edits...)
		ok := s.Eval != nil
		for _, i := range u.Fold {
			if i < 0 || i >= len(edits) {
				ok = false
				continue
			}
			lit := ""
			if k < len(values) {
				lit = values[k]
			}
			k++
			if lit == "" {
				ok = false
			}
			edits[i].Text = lit
		}
		if !ok {
			continue
		}
		if u.Kind == "fold" {
			if e := edits[0]; len(e.Text) >= e.To-e.From {
				continue
			}
			u.Edits = edits
			folded = append(folded, u)
			continue
		}
		u.Edits = edits
		out = append(out, u)
	}
	for _, u := range folded {
		e := u.Edits[0]
		inside := false
		for _, o := range folded {
			f := o.Edits[0]
			if f.From <= e.From && e.To <= f.To && (f.From != e.From || f.To != e.To) {
				inside = true
			}
		}
		if !inside {
			out = append(out, u)
		}
	}
	return out
}

func overlaps(have, add []splice) bool {
	for _, a := range add {
		for _, h := range have {
			if a.From < h.To && h.From < a.To || a.From == h.From && a.To == h.To {
				return true
			}
		}
	}
	for i, a := range add {
		for _, b := range add[i+1:] {
			if a.From < b.To && b.From < a.To {
				return true
			}
		}
	}
	return false
}

// applySplices applies non-overlapping splices, last first so earlier
// offsets stay valid.
func applySplices(data []byte, sp []splice) []byte {
	sp = append([]splice{}, sp...)
	sort.Slice(sp, func(i, j int) bool { return sp[i].From > sp[j].From })
	out := append([]byte{}, data...)
	for _, s := range sp {
		if s.From < 0 || s.To > len(out) || s.From > s.To {
			continue
		}
		out = append(out[:s.From:s.From], append([]byte(s.Text), out[s.To:]...)...)
	}
	return out
}

// Bind gives every semantic pass of plan the analyst and the evaluator
// of folds.
func Bind(plan []minimize.Pass, a *Helper, eval Evaluator) []minimize.Pass {
	out := make([]minimize.Pass, len(plan))
	for i, p := range plan {
		if s, ok := p.(Semantic); ok {
			out[i] = s.Bind(a, eval)
		} else {
			out[i] = p
		}
	}
	return out
}

// ScriptArgs maps each .py file a script runs with `exec python… FILE`
// to the arguments after it, when they are plain words (a $VAR, a quote
// or a redirection makes them unknown: left out).
func ScriptArgs(script []byte) map[string][]string {
	out := map[string][]string{}
	lines, _ := repro.Lines(string(script))
	for _, l := range lines {
		w := l.Words
		if len(w) < 3 || w[0] != "exec" || !strings.HasPrefix(path.Base(w[1]), "python") {
			continue
		}
		i := 2
		for i < len(w) && strings.HasPrefix(w[i], "-") { // interpreter options
			if w[i] == "-W" || w[i] == "-X" {
				i++
			}
			i++
		}
		if i >= len(w) || !strings.HasSuffix(w[i], ".py") {
			continue
		}
		if _, seen := out[w[i]]; seen {
			continue
		}
		args := w[i+1:]
		plain := true
		for _, a := range args {
			if strings.ContainsAny(a, "$<>&|'\"") {
				plain = false
			}
		}
		if plain {
			out[w[i]] = append([]string{}, args...)
		}
	}
	return out
}

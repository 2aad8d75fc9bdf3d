package importer

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// promptPrefixRE is a shell prompt before a command: `$ `, `% `,
// `user@host:~/x$ `, `(venv) $ `, `C:\> ` is not supported (no Windows
// paths in the sandbox).
var promptPrefixRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(?:\([\w.-]+\)\s*)?(?:[\w.-]+@[\w.-]+(?::[^$#%]*)?)?(?:PS )?[$%>]\s+`)
})

// shellCommand returns the command of a prompt line.
func shellCommand(line string) (string, bool) {
	m := promptPrefixRE().FindString(line)
	if m == "" {
		return "", false
	}
	return strings.TrimSpace(line[len(m):]), true
}

var pythonNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:.*/)?(?:python(?:[23](?:\.\d+)?t?)?(?:\.exe)?(?:-dbg)?|py)$`)
})

// words splits a shell command into words: single and double quotes and
// backslashes as a POSIX shell reads them (no expansions).
func words(cmd string) []string {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case c == '\'':
			in = true
			j := strings.IndexByte(cmd[i+1:], '\'')
			if j < 0 {
				cur.WriteString(cmd[i+1:])
				i = len(cmd)
				break
			}
			cur.WriteString(cmd[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			in = true
			for i++; i < len(cmd) && cmd[i] != '"'; i++ {
				if cmd[i] == '\\' && i+1 < len(cmd) && strings.IndexByte(`"\$`+"`", cmd[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(cmd[i])
			}
		case c == '\\' && i+1 < len(cmd):
			i++
			cur.WriteByte(cmd[i])
			in = true
		case c == ' ' || c == '\t':
			if in || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		case c == '#' && cur.Len() == 0 && !in:
			return out // a comment
		case c == '|' || c == ';' || c == '&' || c == '>' || c == '<':
			// A pipe, a list or a redirection: the command ends here.
			if in || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			return out
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// Command is a command the issue runs: its environment assignments, the
// program (python3 or go) and its arguments.
type Command struct {
	Env  []string // NAME=value
	Prog string   // python3 or go
	Args []string
}

var envWordRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`) })

// parseCommand reads a command that runs Python or Go.
func parseCommand(cmd string) (Command, bool) {
	w := words(cmd)
	var c Command
	for len(w) > 0 && (envWordRE().MatchString(w[0]) || w[0] == "env" || w[0] == "time" || w[0] == "sudo") {
		if envWordRE().MatchString(w[0]) {
			c.Env = append(c.Env, w[0])
		}
		w = w[1:]
	}
	if len(w) >= 2 && w[0] == "uv" && w[1] == "run" {
		w = append([]string{"python3"}, w[2:]...)
	}
	if len(w) == 0 {
		return c, false
	}
	switch {
	case pythonNameRE().MatchString(w[0]):
		c.Prog = "python3"
		c.Args = w[1:]
		// `py -3.12 x.py`: the launcher's version flag goes.
		if len(c.Args) > 0 && regexp.MustCompile(`^-[23](\.\d+)?$`).MatchString(c.Args[0]) {
			c.Args = c.Args[1:]
		}
	case path.Base(w[0]) == "go" && len(w) > 1 && (w[1] == "run" || w[1] == "build" || w[1] == "test" || w[1] == "vet"):
		c.Prog = "go"
		c.Args = w[1:]
	default:
		return c, false
	}
	return c, true
}

func pythonCommand(cmd string) bool { c, ok := parseCommand(cmd); return ok && c.Prog == "python3" }
func goCommand(cmd string) bool     { c, ok := parseCommand(cmd); return ok && c.Prog == "go" }

// Transcript is a shell block read as commands and the output after each.
type Transcript struct {
	Steps []Step
}

// Step is one command of a transcript and what it printed.
type Step struct {
	Command Command
	Output  string
}

func parseTranscript(s string) Transcript {
	var t Transcript
	bare := !shellRE().MatchString(s) // a script: every line is a command
	for _, l := range strings.Split(s, "\n") {
		cmd, ok := shellCommand(l)
		if bare {
			cmd, ok = strings.TrimSpace(l), strings.TrimSpace(l) != ""
		}
		if ok {
			if c, ok := parseCommand(cmd); ok {
				t.Steps = append(t.Steps, Step{Command: c})
				continue
			}
			if len(t.Steps) > 0 {
				// Another command (cd, pip install): its output is not the bug's.
				t.Steps = append(t.Steps, Step{})
			}
			continue
		}
		if n := len(t.Steps); n > 0 {
			t.Steps[n-1].Output += l + "\n"
		}
	}
	var out Transcript
	for _, st := range t.Steps {
		if st.Command.Prog != "" {
			out.Steps = append(out.Steps, st)
		}
	}
	return out
}

// Chunk is one statement of a `>>>` session and what the session printed
// after it.
type Chunk struct {
	Src    string
	Output string
	// Expr says the statement is a single expression (the analysis
	// decides): the REPL printed its repr, a script must print it.
	Expr bool
}

// parseSession reads a `>>>` session: prompts, continuations, output.
func parseSession(s string) []Chunk {
	var out []Chunk
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		// Prose sessions come quoted (`> >>> x`, `>>> x` read as a quote).
		raw := l
		switch {
		case strings.HasPrefix(raw, ">>> ") || raw == ">>>":
			out = append(out, Chunk{Src: strings.TrimPrefix(strings.TrimPrefix(raw, ">>>"), " ") + "\n"})
		case (strings.HasPrefix(raw, "... ") || raw == "...") && len(out) > 0 && out[len(out)-1].Output == "":
			out[len(out)-1].Src += strings.TrimPrefix(strings.TrimPrefix(raw, "..."), " ") + "\n"
		case len(out) > 0:
			out[len(out)-1].Output += raw + "\n"
		}
	}
	for i := range out {
		out[i].Src = strings.TrimRight(out[i].Src, "\n") + "\n"
		if strings.TrimSpace(out[i].Output) == "" {
			out[i].Output = ""
		}
	}
	return out
}

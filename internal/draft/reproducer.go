// The reproducer block: the repro's files and its script as shell commands
// a maintainer runs without reprokit.

package draft

import (
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
)

// reproducer shows the files and the command, as a maintainer would run
// them without reprokit.
func reproducer(r *repro.Repro) string {
	var b strings.Builder
	for _, f := range r.Files() {
		fmt.Fprintf(&b, "`%s`:\n\n%s\n\n", f.Name, fence(lang(f.Name), string(f.Data)))
	}
	cmds, checks := commands(r.Script())
	if len(cmds) > 0 {
		b.WriteString("Run it with:\n\n")
		b.WriteString(fence("sh", strings.Join(cmds, "\n")+"\n"))
	}
	if len(checks) > 0 {
		b.WriteString("\n\nThe bug is present when " + strings.Join(checks, ", and ") + ".")
	}
	for _, f := range r.Files() {
		if md, err := scriptdeps.Parse(f.Name, f.Data); err == nil && md != nil && len(md.Dependencies) > 0 {
			fmt.Fprintf(&b, "\n\n`%s` declares its dependencies inline (PEP 723: %s): `uv run %s` installs them and runs it.", f.Name, "`"+strings.Join(md.Dependencies, "`, `")+"`", f.Name)
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// commands turns the script into shell commands and prose checks.
func commands(script string) (cmds, checks []string) {
	lines, _ := repro.Lines(script)
	for _, l := range lines {
		if len(l.Words) == 0 {
			continue
		}
		args := l.Words[1:]
		if l.Words[0] == "go" { // the go built-in is exec go
			args = l.Words
		}
		switch l.Words[0] {
		case "exec", "go":
			var q []string
			bg := ""
			for _, a := range args {
				if m := bgRE().FindStringSubmatch(a); m != nil {
					bg = m[1] // `exec … &v&`: a background process named v
					continue
				}
				q = append(q, sandbox.ShellQuote(a))
			}
			cmd := strings.Join(q, " ")
			if bg != "" {
				cmd += " & " + bg + "=$!"
			}
			if l.Neg {
				cmd += "   # exits non-zero"
			}
			cmds = append(cmds, cmd)
		case "kill", "wait":
			cmds = append(cmds, signalCommand(l.Words[0], args))
		case "stdout", "stderr":
			if len(args) == 0 {
				continue
			}
			verb := "matches"
			if l.Neg {
				verb = "does not match"
			}
			checks = append(checks, fmt.Sprintf("its %s %s `%s`", l.Words[0], verb, args[len(args)-1]))
		}
	}
	return cmds, checks
}

func lang(name string) string {
	switch {
	case strings.HasSuffix(name, ".py"):
		return "python"
	case strings.HasSuffix(name, ".go"):
		return "go"
	case strings.HasSuffix(name, ".sh"):
		return "sh"
	case strings.HasSuffix(name, ".json"):
		return "json"
	case strings.HasSuffix(name, ".toml"):
		return "toml"
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "yaml"
	}
	return ""
}

package check

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/reprokit/reprokit/internal/repro"
)

// The JUnit XML shape that CI systems read (Jenkins, GitLab, GitHub
// test reporters): one testsuite per archive, one testcase per toolchain.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Cases []junitCase `xml:"testcase"`
}

// junitCounts are the attributes a suite and the whole run both carry.
type junitCounts struct {
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
}

func (c *junitCounts) add(o junitCounts) {
	c.Tests += o.Tests
	c.Failures += o.Failures
	c.Errors += o.Errors
	c.Skipped += o.Skipped
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// WriteJUnit writes the report as JUnit XML: a transition is a failure
// carrying its meaning, an error is an error, a skipped cell is skipped.
func (r *View) WriteJUnit(w io.Writer) error {
	_, groups := ByFile(r.Cells)
	top := junitSuites{Name: "reprokit check"}
	var total int64
	for _, f := range r.Files {
		s := junitSuite{Name: f}
		var ms int64
		for _, c := range groups[f] {
			tc := junitCase{Name: c.Toolchain.Name, Classname: repro.NameOf(f), Time: seconds(c.DurationMS)}
			detail := string(c.Verdict)
			if c.Signature != nil {
				detail += " · " + c.Signature.String()
			}
			if c.Reason != "" {
				detail += "\n" + c.Reason
			}
			switch {
			case c.Verdict == repro.ErrorVerdict:
				tc.Error = &junitProblem{Message: "error: " + c.Error, Type: "error", Body: detail}
				s.Errors++
			case c.Attention:
				tc.Failure = &junitProblem{Message: fmt.Sprintf("%s: %s", c.Transition, c.Meaning), Type: "transition", Body: detail}
				s.Failures++
			case c.Verdict == repro.Skipped:
				tc.Skipped = &junitSkipped{Message: c.Reason}
				s.Skipped++
			default:
				tc.SystemOut = detail
			}
			s.Tests++
			ms += c.DurationMS
			s.Cases = append(s.Cases, tc)
		}
		s.Time = seconds(ms)
		total += ms
		top.add(s.junitCounts)
		top.Suites = append(top.Suites, s)
	}
	top.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(top); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(ms int64) string {
	return fmt.Sprintf("%.3f", float64(ms)/1000)
}

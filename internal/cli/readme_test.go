package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The README documents every command and every flag: the list cannot go
// stale without this test failing.
func TestREADMECoversCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	ios, _, _ := Test()
	for _, c := range NewRoot(ios).Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !strings.Contains(readme, "### reprokit "+c.Name()) {
			t.Errorf("README has no section \"### reprokit %s\"", c.Name())
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && !f.Hidden && !strings.Contains(readme, "`--"+f.Name) {
				t.Errorf("README does not document %s --%s", c.Name(), f.Name)
			}
		})
	}
}

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestExampleWorkflow keeps the shipped GitHub Actions example coherent:
// the matrix covers shards 1..N, each shard passes its number over N, and
// the merge job needs the shards and merges them. (Its commands run in
// txtar/check_shards_workflow.txtar; actionlint lints it in .ci/run.)
func TestExampleWorkflow(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", "reprokit-check.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Env  map[string]string
		Jobs map[string]struct {
			Needs    any
			Env      map[string]string
			Strategy struct {
				Matrix struct {
					Shard []int
				}
			}
			Steps []struct {
				Run string
			}
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("workflow is not valid YAML: %v", err)
	}
	n := len(wf.Jobs["shard"].Strategy.Matrix.Shard)
	if wf.Env["SHARDS"] != fmt.Sprint(n) {
		t.Fatalf("SHARDS=%s but the matrix has %d shards", wf.Env["SHARDS"], n)
	}
	for i, s := range wf.Jobs["shard"].Strategy.Matrix.Shard {
		if s != i+1 {
			t.Fatalf("matrix shards %v: want 1..%d", wf.Jobs["shard"].Strategy.Matrix.Shard, n)
		}
	}
	var runs, merges string
	for _, s := range wf.Jobs["shard"].Steps {
		runs += s.Run
	}
	for _, s := range wf.Jobs["merge"].Steps {
		merges += s.Run
	}
	if wf.Jobs["shard"].Env["SHARD"] != "${{ matrix.shard }}" || !strings.Contains(runs, `--shard "$SHARD/$SHARDS" --json`) {
		t.Errorf("shard job does not run its shard as JSON:\n%s", runs)
	}
	if fmt.Sprint(wf.Jobs["merge"].Needs) != "shard" || !strings.Contains(merges, "check --merge") {
		t.Errorf("merge job must need the shards and merge them")
	}
}

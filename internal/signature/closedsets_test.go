package signature

import (
	"encoding/json"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Process is typed, but an archive (YAML) and `run --json` spell it as
// before, and it reads back as the same value.
func TestProcessKeepsItsSpelling(t *testing.T) {
	for _, tc := range []struct {
		sig        Signature
		yaml, json string
	}{
		{Signature{Status: "SIGABRT", Process: Child}, "status: SIGABRT\nprocess: child\n", `{"status":"SIGABRT","process":"child"}`},
		{Signature{Status: "exit 1", Process: Background}, "status: exit 1\nprocess: background\n", `{"status":"exit 1","process":"background"}`},
		{Signature{Status: "exit 1"}, "status: exit 1\n", `{"status":"exit 1"}`},
	} {
		y, err := yaml.Marshal(tc.sig)
		if err != nil || string(y) != tc.yaml {
			t.Errorf("YAML of %+v = %q (%v), want %q", tc.sig, y, err, tc.yaml)
		}
		j, err := json.Marshal(tc.sig)
		if err != nil || string(j) != tc.json {
			t.Errorf("JSON of %+v = %s (%v), want %s", tc.sig, j, err, tc.json)
		}
		var fromYAML, fromJSON Signature
		if err := yaml.Unmarshal([]byte(tc.yaml), &fromYAML); err != nil || fromYAML.Process != tc.sig.Process {
			t.Errorf("YAML %q read back as %+v (%v)", tc.yaml, fromYAML, err)
		}
		if err := json.Unmarshal([]byte(tc.json), &fromJSON); err != nil || fromJSON.Process != tc.sig.Process {
			t.Errorf("JSON %s read back as %+v (%v)", tc.json, fromJSON, err)
		}
	}
}

package sandbox

import (
	"os"
	"reflect"
	"testing"
)

// The sandbox writes the sitecustomize for every run: a run under a small
// RLIMIT_FSIZE (txtar/faults_disk_full.txtar: 1000 bytes) must still start.
func TestSitecustomizeSmall(t *testing.T) {
	if n := len(sitecustomize); n >= 1000 {
		t.Errorf("sitecustomize is %d bytes; keep it under 1000", n)
	}
	if n := len(reapRecorder); n >= 1000 {
		t.Errorf("the reap recorder is %d bytes; keep it under 1000", n)
	}
}

func TestShimEnv(t *testing.T) {
	os.Setenv("REPROKIT_SITE", "/run/site")
	defer os.Unsetenv("REPROKIT_SITE")
	for _, tt := range []struct{ in, want []string }{
		{[]string{"A=1"}, []string{"A=1", "PYTHONPATH=/run/site"}},
		{[]string{"PYTHONPATH=/x"}, []string{"PYTHONPATH=/run/site:/x"}},
		{[]string{"PYTHONPATH=/run/site:/x"}, []string{"PYTHONPATH=/run/site:/x"}}, // a shim below a shim
	} {
		if got := shimEnv(append([]string{}, tt.in...)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shimEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

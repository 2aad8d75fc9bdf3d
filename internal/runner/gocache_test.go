package runner

import (
	"reflect"
	"testing"
)

func TestStdImports(t *testing.T) {
	files := []goSource{
		{"main.go", []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/dep\"\n\t\"os/exec\"\n)\n")},
		{"x_test.go", []byte("package main\n\nimport \"C\"\n")},
		{"README", []byte("import \"net/http\"")},
	}
	want := []string{"fmt", "os/exec", "runtime", "testing"}
	if got := goStdImports(files); !reflect.DeepEqual(got, want) {
		t.Errorf("StdImports = %q, want %q", got, want)
	}
}

func TestScriptEnvAndDir(t *testing.T) {
	got := goScriptEnv("env GOEXPERIMENT=loopvar HOME=/x\n[linux] env GODEBUG=panicnil=0\ngo run .\n")
	if !reflect.DeepEqual(got, []string{"GOEXPERIMENT=loopvar"}) {
		t.Errorf("ScriptEnv = %q", got) // a conditioned line is not read: the cache key stays conservative
	}
	if goCacheDir("/c", "go1.22.0|x", nil) == goCacheDir("/c", "go1.22.0|x", []string{"GOEXPERIMENT=loopvar"}) {
		t.Error("GOEXPERIMENT must change the cache directory")
	}
}

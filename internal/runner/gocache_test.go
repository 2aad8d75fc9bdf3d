package runner

import (
	"reflect"
	"strings"
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

// Import paths become arguments of a go command outside the sandbox: an
// archive importing "-toolexec" and then a program's path must not hand
// the go command a flag and its value.
func TestStdImportsAreNeverFlags(t *testing.T) {
	src := "package main\nimport (\n\t\"-toolexec\"\n\t\"/usr/bin/touch\"\n\t\"-a\"\n\t\"fmt\"\n\t\"net/http\"\n\t\"example.com/x\"\n\t\"Upper/case\"\n)\n"
	got := goStdImports([]goSource{{Name: "main.go", Data: []byte(src)}})
	want := []string{"fmt", "net/http", "runtime"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("StdImports = %q, want %q", got, want)
	}
}

package sandbox

import (
	"strings"
	"testing"
)

func TestReleaseTags(t *testing.T) {
	tags := releaseTags("1.22.12")
	if len(tags) != 22 || tags[0] != "go1.1" || tags[21] != "go1.22" {
		t.Errorf("releaseTags(1.22.12) = %s", strings.Join(tags, " "))
	}
}

package sandbox

// Isolation is how a script is contained: a closed set.
type Isolation string

// The isolation modes. Run takes the zero value as Namespaces; the weaker
// ProcessGroup is only ever used when asked for.
const (
	Namespaces   Isolation = "namespaces"    // PID+mount+net+IPC+UTS namespaces, read-only host
	ProcessGroup Isolation = "process-group" // degraded: process group and subreaper only
)

// Resolved is the mode a run uses: the zero value means Namespaces.
func (i Isolation) Resolved() Isolation {
	if i == "" {
		return Namespaces
	}
	return i
}

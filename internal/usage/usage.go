// Package usage marks the errors that are the user's to fix — a bad flag,
// a bad input file, a refusal that names the flag to pass — so that the
// command line maps them to exit status 2 in one place, whichever package
// found them.
package usage

import "fmt"

// Error is an error the user fixes by changing the command or its input.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf is fmt.Errorf marked as a usage error.
func Errorf(format string, args ...any) error { return &Error{fmt.Errorf(format, args...)} }

// Wrap marks err as a usage error; nil stays nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{err}
}

// At is a bad-input error that points at a line of a file (an archive, a
// tracker profile): "file:line: message". It is a usage error too.
type At struct {
	File string
	Line int // 1-based; 0 when the error is about the whole file
	Msg  string
}

func (e *At) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

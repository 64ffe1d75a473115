// Package lazylog defers a logger's key/value pairs until a line is written.
//
// controller-runtime gives every reconcile a logger with its controller,
// object and reconcile ID (two WithValues calls), and zap, behind logr,
// encodes such pairs at once: each call clones the JSON encoder with a
// fresh 1 KiB buffer and encodes the object reference by reflection, even
// when no line is ever written at that level, as for a reconcile that finds
// everything in sync. At 10,000 objects that was a fifth of everything the
// manager allocated (docs/benchmarks.md, "Scale", third session of
// 2026-12-02), and so a fifth of its garbage collections. Here the pairs
// are kept as they were given and handed to the underlying sink only when
// a line passes its level.
package lazylog

import (
	"slices"

	"github.com/go-logr/logr"
)

// New returns l with its WithValues deferred. Lines, levels, names and
// call sites are l's.
//
// A value is encoded when a line is written, not when WithValues is called:
// it must not change in between (a pointer to an object being edited would
// log its later state, and reading it could race with the edit). Every pair
// the manager and controller-runtime give are names, UIDs, object
// references and IDs, which never change. A value also lives as long as the
// logger that holds it (the reconcile's).
func New(l logr.Logger) logr.Logger {
	base := l.GetSink()
	if base == nil {
		return l
	}
	// Lines go through one more frame (sink.Info or sink.Error) before the
	// base writes them: the base skips it to report the caller's line.
	if cd, ok := base.(logr.CallDepthLogSink); ok {
		base = cd.WithCallDepth(1)
	}
	// l's own verbosity (l.V(n)) stays with the Logger value, which logr
	// applies before it calls the sink.
	return logr.New(&sink{base: base}).V(l.GetV())
}

// sink holds the pairs given to WithValues, not yet given to base, one
// group per call: base then sees them call by call, as it would have, and
// checks each alone (zapr reports an odd count or a key that is not a
// string, and drops that call's pairs only).
type sink struct {
	base   logr.LogSink
	groups [][]any
}

var (
	_ logr.LogSink          = (*sink)(nil)
	_ logr.CallDepthLogSink = (*sink)(nil)
)

// Init does nothing: base was initialised by the Logger it came from, and
// New has already made it skip this package's frame.
func (s *sink) Init(logr.RuntimeInfo) {}

func (s *sink) Enabled(level int) bool { return s.base.Enabled(level) }

func (s *sink) Info(level int, msg string, kv ...any) {
	s.withValues().Info(level, msg, kv...)
}

func (s *sink) Error(err error, msg string, kv ...any) {
	s.withValues().Error(err, msg, kv...)
}

// withValues is base with the deferred pairs, for one line (each line
// written encodes them again: lines are few beside reconciles).
func (s *sink) withValues() logr.LogSink {
	b := s.base
	for _, g := range s.groups {
		b = b.WithValues(g...)
	}
	return b
}

// WithValues keeps kv, copied (the caller may reuse its slice, which an
// eager logger would have encoded already), after the groups already held,
// in a slice of its own: loggers derived from one parent share no array
// they append to.
func (s *sink) WithValues(kv ...any) logr.LogSink {
	groups := make([][]any, 0, len(s.groups)+1)
	groups = append(append(groups, s.groups...), slices.Clone(kv))
	return &sink{base: s.base, groups: groups}
}

// WithName names base at once: a name is no encoding, zap only joins it to
// the logger's name.
func (s *sink) WithName(name string) logr.LogSink {
	return &sink{base: s.base.WithName(name), groups: s.groups}
}

func (s *sink) WithCallDepth(depth int) logr.LogSink {
	cd, ok := s.base.(logr.CallDepthLogSink)
	if !ok {
		return s
	}
	return &sink{base: cd.WithCallDepth(depth), groups: s.groups}
}

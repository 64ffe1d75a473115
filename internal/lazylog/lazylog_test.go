package lazylog

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"k8s.io/klog/v2"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"
)

// counted counts how often it is encoded.
type counted struct{ n *int }

func (c counted) String() string { *c.n++; return "counted" }

// entry is what a line shows: message, logger name, pairs in order, and the
// line of the call that wrote it, relative to the scenario's first line.
type entry struct {
	level   zapcore.Level
	name    string
	message string
	fields  string
	line    int
}

func observed(t *testing.T, lazy bool, scenario func(l logr.Logger) int) ([]entry, int) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	l := zapr.NewLogger(zap.New(core, zap.AddCaller()))
	if lazy {
		l = New(l)
	}
	first := scenario(l)
	var out []entry
	for _, e := range logs.AllUntimed() {
		var fields string
		for _, f := range e.Context {
			enc := zapcore.NewMapObjectEncoder()
			f.AddTo(enc)
			fields += fmt.Sprintf("%s=%v ", f.Key, enc.Fields[f.Key])
		}
		if !e.Caller.Defined || e.Caller.File == "" {
			t.Fatalf("line %q has no call site", e.Message)
		}
		_, file, _, _ := runtime.Caller(0)
		if e.Caller.File != file && e.Level != zapcore.DPanicLevel {
			t.Fatalf("line %q reported from %s, want %s", e.Message, e.Caller.File, file)
		}
		line := e.Caller.Line - first
		if e.Level == zapcore.DPanicLevel {
			// zapr reports a mistaken pair where it meets it: at
			// WithValues eagerly, at the line lazily.
			line = 0
		}
		out = append(out, entry{e.Level, e.LoggerName, e.Message, fields, line})
	}
	return out, first
}

// here is the caller's line.
func here() int { _, _, line, _ := runtime.Caller(1); return line }

// A lazy logger writes the very lines the eager one does: same messages,
// names, pairs in the same order, same call sites; and encodes nothing for
// a line that is not written.
func TestSameLinesAsEager(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scenario func(l logr.Logger, n *int) int
		lines    int
		encoded  int // how often the counted value is encoded by the lazy logger
	}{
		{"a reconcile's logger, nothing written", func(l logr.Logger, n *int) int {
			first := here()
			r := l.WithName("route").WithValues("controller", "route", "Route", klog.KRef("ns", "r1"), "value", counted{n}).
				WithValues("reconcileID", "abc")
			r.V(1).Info("reconcile did not complete", "reason", "x")
			return first
		}, 0, 0},
		{"info and error with pairs from both sides", func(l logr.Logger, n *int) int {
			first := here()
			r := l.WithName("route").WithValues("controller", "route", "value", counted{n}).WithName("sub").WithValues("reconcileID", "abc")
			r.Info("hello", "k", "v")
			r.Error(errors.New("boom"), "failed", "k2", 2)
			return first
		}, 2, 2},
		{"siblings from one parent keep their own pairs", func(l logr.Logger, n *int) int {
			first := here()
			p := l.WithValues("a", 1)
			c1 := p.WithValues("b", 2)
			c2 := p.WithValues("c", 3)
			c1.Info("one")
			c2.Info("two", "d", 4)
			p.Info("parent")
			return first
		}, 3, 0},
		{"a mistaken call loses its own pairs only, as before", func(l logr.Logger, n *int) int {
			first := here()
			l.WithValues("odd").WithValues("b", 1).Info("after an odd count")
			l.WithValues(3, "x").WithValues("c", 2).Info("after a key that is no string")
			return first
		}, 4, 0},
		{"call depth and a helper", func(l logr.Logger, n *int) int {
			first := here()
			helper := func(l logr.Logger) { l.WithCallDepth(1).Info("from the helper's caller", "value", counted{n}) }
			helper(l.WithValues("x", "y"))
			return first
		}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var eagerN, lazyN int
			want, _ := observed(t, false, func(l logr.Logger) int { return tc.scenario(l, &eagerN) })
			got, _ := observed(t, true, func(l logr.Logger) int { return tc.scenario(l, &lazyN) })
			if len(want) != tc.lines {
				t.Fatalf("the eager logger wrote %d lines, the scenario expects %d", len(want), tc.lines)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("lazy lines\n%v\nwant (eager)\n%v", got, want)
			}
			if lazyN != tc.encoded {
				t.Fatalf("the lazy logger encoded a value %d times, want %d (once per line written)", lazyN, tc.encoded)
			}
		})
	}
}

// A Logger already at a verbosity keeps it.
func TestKeepsVerbosity(t *testing.T) {
	core, logs := observer.New(zapcore.Level(-1)) // lines up to V(1)
	l := New(zapr.NewLogger(zap.New(core)).V(1))
	l.V(1).Info("at V(2)")
	if e := logs.AllUntimed(); len(e) != 0 {
		t.Fatalf("a line at V(2) was written: %v", e)
	}
	l.Info("at V(1)")
	if e := logs.AllUntimed(); len(e) != 1 || e[0].Level != zapcore.Level(-1) {
		t.Fatalf("got %v, want one line at V(1)", e)
	}
}

// Behind controller-runtime's logger (ctrl.SetLogger, as the manager does),
// lines still report their caller and carry their pairs.
func TestBehindControllerRuntime(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	crlog.SetLogger(New(zapr.NewLogger(zap.New(core, zap.AddCaller()))))
	n := 0
	l := crlog.Log.WithName("ctl").WithValues("value", counted{&n})
	l.V(1).Info("not written")
	line := here() + 1
	l.Info("written", "k", "v")
	e := logs.AllUntimed()
	if len(e) != 1 {
		t.Fatalf("got %d lines, want 1", len(e))
	}
	_, file, _, _ := runtime.Caller(0)
	if e[0].Caller.File != file || e[0].Caller.Line != line {
		t.Fatalf("line reported from %s:%d, want %s:%d", e[0].Caller.File, e[0].Caller.Line, file, line)
	}
	if got := e[0].ContextMap(); got["value"] != "counted" || got["k"] != "v" || e[0].LoggerName != "ctl" {
		t.Fatalf("line %q %v, want logger ctl with value and k", e[0].LoggerName, got)
	}
	if n != 1 {
		t.Fatalf("the value was encoded %d times, want once (for the one line written)", n)
	}
}

package harness

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Shared is one control plane for a whole test binary, started on first use
// and stopped by Main. Without KUBEBUILDER_ASSETS a test using it fails
// rather than skips: a skip would hide that nothing was applied.
type Shared struct {
	once sync.Once
	cp   *ControlPlane
	err  error
}

// Get returns the control plane, starting it on first use, or fails t.
func (s *Shared) Get(t testing.TB) *ControlPlane {
	t.Helper()
	s.once.Do(func() {
		var root, assets string
		if root, s.err = Root(); s.err != nil {
			return
		}
		if assets, s.err = Assets(); s.err != nil {
			return
		}
		s.cp, s.err = StartControlPlane(root, assets)
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.cp
}

// Kubectl runs kubectl against the control plane and fails t on error.
func (s *Shared) Kubectl(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := s.Get(t).Kubectl(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Main runs the tests and stops the control plane; call it from TestMain
// as os.Exit(shared.Main(m)).
func (s *Shared) Main(m *testing.M) int {
	code := m.Run()
	if s.cp != nil {
		if err := s.cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "cannot stop the control plane:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

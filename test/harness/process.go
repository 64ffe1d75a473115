// Package harness runs the operator as users do, for the end-to-end tests
// and `make demo`: a real kube-apiserver and etcd (the envtest binaries), the
// Mailgun emulator and the manager as separate processes, and the real
// kubectl.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is a child process whose output is kept for inspection.
type Process struct {
	Name string
	cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{}
	err  error
}

// Start runs bin with args; the output goes to a buffer and, if echo is not
// nil, there too.
func Start(name, bin string, args, env []string, echo io.Writer) (*Process, error) {
	p := &Process{Name: name, out: &SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	var w io.Writer = p.out
	if echo != nil {
		w = io.MultiWriter(p.out, echo)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	// Its own process group, so that a Ctrl-C meant for the demo reaches
	// the children only through Stop, in order.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Stop asks the process to end (SIGTERM) and kills it if it has not within
// the grace period.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.exitError()
	case <-time.After(grace):
		_ = p.Kill()
		return fmt.Errorf("%s did not stop within %s after SIGTERM; killed", p.Name, grace)
	}
}

// Kill ends the process at once (SIGKILL), as a node failure would.
func (p *Process) Kill() error {
	if p.Exited() {
		return nil
	}
	// It may end on its own between Exited and Kill: that is not an error.
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("cannot kill %s: %w", p.Name, err)
	}
	<-p.done
	return nil
}

// Signal sends sig to the process: SIGSTOP, for example, freezes it with
// its connections open, and SIGCONT lets it go on.
func (p *Process) Signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("cannot signal %s: %w", p.Name, err)
	}
	return nil
}

// Exited says whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *Process) exitError() error {
	var exit *exec.ExitError
	if errors.As(p.err, &exit) && exit.ExitCode() == 0 {
		return nil
	}
	return p.err
}

// Pid is the process id, for readings of /proc/<pid> (the scale benchmark
// reads the manager's memory and sockets there).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output is everything the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// WaitForOutput waits until the output contains s.
func (p *Process) WaitForOutput(ctx context.Context, s string) error {
	for {
		if bytes.Contains(p.out.Bytes(), []byte(s)) {
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited before printing %q: %v\n%s", p.Name, s, p.err, p.Output())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not print %q: %w\n%s", p.Name, s, ctx.Err(), p.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SyncBuffer is a bytes.Buffer safe for one writer and many readers (a
// process's output, a manager's log).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *SyncBuffer) String() string { return string(s.Bytes()) }

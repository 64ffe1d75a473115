package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Where the benchmarks send their requests.
//
// testing.B's B/op and allocs/op are process-wide counters, so a server in
// the benchmark's process adds its own work (parsing each request, its
// header map, its response writer: 21 to 27 allocations and 2.3 to 2.5 KiB
// per request, the difference between BenchmarkFloor in the two modes) to
// both clients' figures. In production the operator's process never pays
// that: Mailgun is remote. So by default the canned server runs in a child
// process (this test binary, re-executed with childServerEnv=1), and the
// figures are what a call costs the caller's process: the client plus
// net/http's client side. BENCH_SERVER=inprocess runs it in this process
// instead, as the first published runs did; connection and request counts
// mean the same either way, and times are steadier (goroutine hand-offs
// instead of process wake-ups) but include the server's CPU time.
const (
	childServerEnv = "MAILGUN_BENCH_CHILD_SERVER"
	serverModeEnv  = "BENCH_SERVER"
)

// serverStats are a canned server's counters.
type serverStats struct {
	NewConns, Closed, Requests int64
}

// benchServer is a canned server, in this process or in a child.
type benchServer struct {
	URL   string
	stats func(tb testing.TB) serverStats
}

// newBenchServer starts the benchmarks' canned server where serverModeEnv
// says (default: a child process). It stops when tb ends.
func newBenchServer(tb testing.TB) *benchServer {
	tb.Helper()
	switch mode := os.Getenv(serverModeEnv); mode {
	case "", "child":
		return startChildServer(tb)
	case "inprocess":
		s := newCannedServer(tb)
		return &benchServer{URL: s.URL, stats: func(testing.TB) serverStats { return s.stats() }}
	default:
		tb.Fatalf("%s=%q: want child or inprocess", serverModeEnv, mode)
		return nil
	}
}

// TestMain turns the binary into a canned server when it is the child.
func TestMain(m *testing.M) {
	if os.Getenv(childServerEnv) == "1" {
		os.Exit(serveChild(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// serveChild runs a canned server until in ends (the parent closed the
// pipe or died). It prints the server's URL, then answers each "stats"
// line with "new closed requests".
func serveChild(in io.Reader, out io.Writer) int {
	s := startCannedServer()
	defer s.Close()
	if _, err := fmt.Fprintln(out, s.URL); err != nil {
		return 1
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if sc.Text() != "stats" {
			fmt.Fprintf(os.Stderr, "canned server: unknown command %q\n", sc.Text())
			return 2
		}
		st := s.stats()
		if _, err := fmt.Fprintf(out, "%d %d %d\n", st.NewConns, st.Closed, st.Requests); err != nil {
			return 1
		}
	}
	return 0
}

// startChildServer starts the canned server in a child process.
func startChildServer(tb testing.TB) *benchServer {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatalf("cannot find the test binary: %v", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childServerEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("cannot start the canned server: %v", err)
	}
	tb.Cleanup(func() {
		_ = in.Close() // the child exits at the end of its input
		if err := cmd.Wait(); err != nil {
			tb.Errorf("canned server: %v", err)
		}
	})
	out := bufio.NewReader(outPipe)
	url, err := out.ReadString('\n')
	if err != nil {
		tb.Fatalf("canned server did not start: %v", err)
	}

	var mu sync.Mutex // one question and answer at a time
	stats := func(tb testing.TB) serverStats {
		tb.Helper()
		mu.Lock()
		defer mu.Unlock()
		var st serverStats
		if _, err := io.WriteString(in, "stats\n"); err != nil {
			tb.Fatalf("cannot ask the canned server: %v", err)
		}
		line, err := out.ReadString('\n')
		if err == nil {
			_, err = fmt.Sscanf(line, "%d %d %d", &st.NewConns, &st.Closed, &st.Requests)
		}
		if err != nil {
			tb.Fatalf("cannot read the canned server's counters: %v", err)
		}
		return st
	}
	return &benchServer{URL: strings.TrimSpace(url), stats: stats}
}

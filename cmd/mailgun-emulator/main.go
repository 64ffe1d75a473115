// Command mailgun-emulator serves the in-memory Mailgun emulator
// (internal/mailgun/mailguntest) on a TCP address, for tests and demos that
// run the operator as a separate process. With --state-endpoint it also
// serves a small admin API under /_emulator/ to inspect state, mark DNS
// valid and inject faults from outside the process.
//
//	mailgun-emulator --api-key key-test --state-endpoint
//	listening on http://127.0.0.1:8025
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

const apiKeyEnv = "MAILGUN_EMULATOR_API_KEY"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "mailgun-emulator:", err)
		os.Exit(1)
	}
}

// run is main without the process: it serves until ctx ends, then shuts
// down and returns nil. It prints "listening on http://ADDR" to stdout once
// the listener is open, so a parent process (or a test) can wait for that
// line and read the real address when --addr asked for port 0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mailgun-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8025", "address to listen on (port 0 picks a free port)")
	apiKey := fs.String("api-key", "", "API key clients must send as basic auth password for user \"api\" (default $"+apiKeyEnv+")")
	stateEndpoint := fs.Bool("state-endpoint", false, "also serve the admin API under /_emulator/ (state dump, DNS validity, faults, call reset)")
	// The readings where the public sources disagree (docs/mailgun-api.md,
	// "The emulator's switches for the readings"); defaults are the
	// documented ones.
	deleteDelay := fs.Duration("domain-delete-delay", 0, "keep a deleted domain visible this long, as Mailgun's background deletion does")
	clickReading := fs.String("click-reading", "bool", `how html-only click tracking reads back: "bool" (documented: true) or "string" ("htmlonly")`)
	routeAnswer := fs.String("route-update-answer", "nested", `shape of the route update answer: "nested" (documented) or "flat"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	key := *apiKey
	if key == "" {
		key = getenv(apiKeyEnv)
	}
	if key == "" {
		return errors.New("an API key is required: pass --api-key or set " + apiKeyEnv)
	}

	emu := mailguntest.NewHandler(key)
	defer emu.Close()
	emu.SetDomainDeleteDelay(*deleteDelay)
	switch *clickReading {
	case "bool":
	case "string":
		emu.SetClickReading(mailguntest.ClickAsString)
	default:
		return fmt.Errorf(`--click-reading must be "bool" or "string", not %q`, *clickReading)
	}
	switch *routeAnswer {
	case "nested":
	case "flat":
		emu.SetRouteUpdateAnswer(mailguntest.RouteAnswerFlat)
	default:
		return fmt.Errorf(`--route-update-answer must be "nested" or "flat", not %q`, *routeAnswer)
	}
	var handler http.Handler = emu
	if *stateEndpoint {
		handler = withAdmin(emu)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	emu.URL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintln(stdout, "listening on "+emu.URL)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Release calls held by Delay faults first, or Shutdown would wait for them.
	emu.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

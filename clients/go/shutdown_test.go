package baton_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
)

// startOwnServer runs a `baton serve` of the test's own (test.sh passes the repository root),
// for tests that stop the server; it returns its URL and the process.
func startOwnServer(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	root := os.Getenv("BATON_ROOT")
	if root == "" {
		t.Skip("BATON_ROOT is not set: run clients/go/test.sh")
	}
	cmd := exec.Command("node", filepath.Join(root, "bin", "baton.js"), "serve", "--port", "0", "--store", "memory")
	cmd.Dir = root
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	serving := regexp.MustCompile(`serving on (http://\S+)`)
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if m := serving.FindStringSubmatch(lines.Text()); m != nil {
			go func() {
				for lines.Scan() {
				}
			}()
			return m[1], cmd
		}
	}
	t.Fatal("baton serve exited before serving")
	return "", nil
}

// A server shutting down ends open streams with unavailable (reason SHUTTING_DOWN); the sessions
// lose their leases, which the server released.
func TestServerShutdown(t *testing.T) {
	url, server := startOwnServer(t)
	ctx := testContext(t)
	c, err := baton.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession(ctx, baton.WithSessionTTL(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	lease, err := s.Lock(ctx, "go-test/shutdown")
	if err != nil {
		t.Fatal(err)
	}
	// A Wait through the raw API, which shows when the server has registered it.
	wait, err := rendezvousv1.NewRendezvousServiceClient(c.Conn()).Wait(ctx, &rendezvousv1.WaitRequest{Key: "go-test/shutdown"})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := wait.Recv(); err != nil || ev.GetWaiting() == nil {
		t.Fatalf("first event of a Wait: %v %v", ev, err)
	}
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ev, err := wait.Recv()
	if err == nil {
		t.Fatalf("the Wait went on during shutdown: %v", ev)
	}
	wantKind(t, "Wait during shutdown", baton.FromError(err), baton.ErrUnavailable, "SHUTTING_DOWN")
	select {
	case <-lease.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the lease was not lost after its server shut down")
	}
	if !errors.Is(lease.Err(), baton.ErrLeaseLost) || !errors.Is(s.Err(), baton.ErrSessionLost) {
		t.Fatalf("lease %v, session %v", lease.Err(), s.Err())
	}
}

package baton_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper())
	}
	if os.Getenv("BATON_URL") == "" {
		fmt.Fprintln(os.Stderr, "\n*** BATON_URL is not set: these tests need a server. Run clients/go/test.sh, which starts one. ***")
	}
	os.Exit(m.Run())
}

// serverURL is the server test.sh started; tests skip without one.
func serverURL(t testing.TB) string {
	url := os.Getenv("BATON_URL")
	if url == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	return url
}

// newClient connects to the test server and closes the client when the test ends.
func newClient(t testing.TB, opts ...baton.Option) *baton.Client {
	t.Helper()
	url := serverURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := baton.New(ctx, url, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newSession opens a session of c, closed when the test ends.
func newSession(t testing.TB, c *baton.Client, opts ...baton.SessionOption) *baton.Session {
	t.Helper()
	s, err := c.NewSession(testContext(t), opts...)
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testContext bounds a test's calls, so that a stuck call fails the test instead of hanging it.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._:/@-]`)

// uniqueName is a lock or key name no other test (or earlier run) uses.
func uniqueName(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "go-test/" + unsafeChars.ReplaceAllString(t.Name(), "_") + "/" + hex.EncodeToString(b)
}

// rawLocks calls LockService directly, as another program (another language's client, curl)
// would.
func rawLocks(c *baton.Client) lockv1.LockServiceClient {
	return lockv1.NewLockServiceClient(c.Conn())
}

// eventually polls cond until it holds, failing the test after timeout. It waits for the server
// to catch up with what the test did, never for a time to pass.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not true after %s: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describe fetches a lock's state or fails the test.
func describe(t testing.TB, c *baton.Client, name string) *baton.LockInfo {
	t.Helper()
	info, err := c.Describe(testContext(t), name)
	if err != nil {
		t.Fatalf("describe %s: %v", name, err)
	}
	return info
}

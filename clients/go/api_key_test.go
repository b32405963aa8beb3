package baton_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// newTestKey makes a key the way `baton key new` does, and the SHA-256 the config file wants.
func newTestKey(t *testing.T) (key, sha string) {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	key = "baton_" + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(key))
	return key, hex.EncodeToString(sum[:])
}

var servingLine = regexp.MustCompile(`^baton: serving on (http://\S+)`)

// startKeyedServer runs a `baton serve` of its own (test.sh's has no keys) with configYAML as its
// config file, and stops it when the test ends.
func startKeyedServer(t *testing.T, configYAML string) string {
	t.Helper()
	root := os.Getenv("BATON_ROOT")
	if root == "" || os.Getenv("BATON_URL") == "" {
		t.Skip("BATON_ROOT is not set: run clients/go/test.sh")
	}
	config := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(config, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(root, "bin", "baton.js"), "serve", "--config", config, "--port", "0", "--store", "memory")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "BATON_KEY=") // the server must not pick up a caller's key
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start baton serve: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		var log strings.Builder
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			if m := servingLine.FindStringSubmatch(scanner.Text()); m != nil {
				found <- m[1]
				_, _ = io.Copy(io.Discard, stderr) // keep the pipe drained
				return
			}
			log.WriteString(scanner.Text() + "\n")
		}
		found <- "exited: " + log.String()
	}()
	select {
	case url := <-found:
		if !strings.HasPrefix(url, "http://") {
			t.Fatalf("baton serve did not start: %s", url)
		}
		return url
	case <-time.After(60 * time.Second):
		t.Fatal("baton serve did not say it was serving within 60 s")
		return ""
	}
}

func connect(t *testing.T, url string, opts ...baton.Option) *baton.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := baton.New(ctx, url, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestAPIKey checks against a server with keys that a client without one is refused, that
// WithAPIKey and BATON_KEY let it in (unary calls and the Session stream), and that a key limited to
// a prefix is denied outside it.
func TestAPIKey(t *testing.T) {
	t.Setenv("BATON_KEY", "")
	full, fullSHA := newTestKey(t)
	narrow, narrowSHA := newTestKey(t)
	url := startKeyedServer(t, fmt.Sprintf(`keys:
  - name: go-full
    sha256: %s
    actions: [acquire, read, signal, arrive, probe, admin]
  - name: go-narrow
    sha256: %s
    actions: [acquire, read]
    locks: ["allowed/"]
`, fullSHA, narrowSHA))

	t.Run("no key", func(t *testing.T) {
		ctx := testContext(t)
		c := connect(t, url)
		_, err := rawLocks(c).Describe(ctx, &lockv1.DescribeRequest{Name: "any"})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("Describe without a key: want Unauthenticated, got %v", err)
		}
		_, err = c.TryLock(ctx, "any")
		if !errors.Is(err, baton.ErrUnauthenticated) {
			t.Fatalf("TryLock (Session stream) without a key: want ErrUnauthenticated, got %v", err)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		ctx := testContext(t)
		wrong, _ := newTestKey(t)
		c := connect(t, url, baton.WithAPIKey(wrong))
		_, err := c.Describe(ctx, "any")
		if !errors.Is(err, baton.ErrUnauthenticated) || status.Code(err) != codes.Unauthenticated {
			t.Fatalf("Describe with an unknown key: want Unauthenticated, got %v", err)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Fatal("the error shows the key")
		}
	})

	checkAcquireRelease := func(t *testing.T, c *baton.Client, name string) {
		t.Helper()
		ctx := testContext(t)
		lease, err := c.Lock(ctx, name)
		if err != nil {
			t.Fatalf("Lock %s: %v", name, err)
		}
		if info := describe(t, c, name); len(info.Holders) != 1 {
			t.Fatalf("after Lock, %s has %d holders, want 1", name, len(info.Holders))
		}
		if err := c.Unlock(ctx, lease); err != nil {
			t.Fatalf("Unlock %s: %v", name, err)
		}
		if info := describe(t, c, name); len(info.Holders) != 0 {
			t.Fatalf("after Unlock, %s has %d holders, want 0", name, len(info.Holders))
		}
	}

	t.Run("WithAPIKey", func(t *testing.T) {
		checkAcquireRelease(t, connect(t, url, baton.WithAPIKey(full)), uniqueName(t))
	})

	t.Run("BATON_KEY", func(t *testing.T) {
		t.Setenv("BATON_KEY", full)
		checkAcquireRelease(t, connect(t, url), uniqueName(t))
	})

	t.Run("WithAPIKey empty overrides BATON_KEY", func(t *testing.T) {
		t.Setenv("BATON_KEY", full)
		c := connect(t, url, baton.WithAPIKey(""))
		if _, err := c.Describe(testContext(t), "any"); !errors.Is(err, baton.ErrUnauthenticated) {
			t.Fatalf("want ErrUnauthenticated, got %v", err)
		}
	})

	t.Run("prefix scope", func(t *testing.T) {
		ctx := testContext(t)
		c := connect(t, url, baton.WithAPIKey(narrow))
		checkAcquireRelease(t, c, "allowed/"+uniqueName(t))
		_, err := c.TryLock(ctx, "elsewhere/x")
		if !errors.Is(err, baton.ErrPermissionDenied) || status.Code(err) != codes.PermissionDenied {
			t.Fatalf("TryLock outside the prefix: want PermissionDenied, got %v", err)
		}
		_, err = rawLocks(c).Describe(ctx, &lockv1.DescribeRequest{Name: "elsewhere/x"})
		if status.Code(err) != codes.PermissionDenied {
			t.Fatalf("Describe outside the prefix: want PermissionDenied, got %v", err)
		}
		if !strings.Contains(err.Error(), "allowed/") {
			t.Fatalf("the error should name the key's prefixes: %v", err)
		}
	})
}

// TestAPIKeyMalformed: a key with a newline (pasted from a file) is refused before dialling, and
// the error does not show it.
func TestAPIKeyMalformed(t *testing.T) {
	key := "baton_secretvalue\n"
	_, err := baton.New(context.Background(), "http://127.0.0.1:1", baton.WithAPIKey(key))
	if err == nil {
		t.Fatal("New accepted a key with a newline")
	}
	if strings.Contains(err.Error(), "secretvalue") {
		t.Fatalf("the error shows the key: %v", err)
	}
}

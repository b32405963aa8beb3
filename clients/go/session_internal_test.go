package baton

import (
	"context"
	"os"
	"testing"
	"time"
)

// A long-lived session keeps no trace of leases it no longer holds: its maps do not grow with
// the number of locks it has taken.
func TestSessionForgetsEndedLeases(t *testing.T) {
	url := os.Getenv("BATON_URL")
	if url == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		lease, err := s.Lock(ctx, "go-test/forget")
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := s.Refresh(ctx, lease, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Unlock(ctx, lease); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.leases) != 0 || len(s.cur.owners) != 0 || len(s.cur.calls) > 1 { // a ping may be in flight
		t.Fatalf("after 100 cycles: %d leases, %d owner ids, %d calls", len(s.leases), len(s.cur.owners), len(s.cur.calls))
	}
}

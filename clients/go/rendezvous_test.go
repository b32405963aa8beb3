package baton_test

import (
	"context"
	"errors"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
)

func TestSignalWakesWaiters(t *testing.T) {
	c := newClient(t, baton.WithOwner("signaller"))
	ctx := testContext(t)
	key := uniqueName(t)
	const waiters = 3
	got := make(chan *baton.Signal, waiters)
	var wg sync.WaitGroup
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Wait(ctx, key)
			if err != nil {
				t.Error(err)
				return
			}
			got <- s
		}()
	}
	// Signal once every waiter is registered, so that the signal wakes them (rather than being
	// found already set).
	var woken int
	eventually(t, 10*time.Second, "the signal wakes all three waiters", func() bool {
		if _, err := c.Reset(ctx, key); err != nil {
			t.Fatal(err)
		}
		_, n, err := c.Signal(ctx, key, "build 42 is out")
		if err != nil {
			t.Fatal(err)
		}
		woken += n
		return woken == waiters
	})
	wg.Wait()
	close(got)
	for s := range got {
		if s.Key != key || s.Payload != "build 42 is out" || s.Owner != "signaller" || s.SignaledAt.IsZero() {
			t.Fatalf("signal: %+v", s)
		}
	}
	// Set: a Wait answers at once. Reset: a bounded Wait times out.
	if s, err := c.Wait(ctx, key, baton.WithWait(0)); err != nil || s.Payload != "build 42 is out" {
		t.Fatalf("Wait on a set key: %+v %v", s, err)
	}
	if was, err := c.Reset(ctx, key); err != nil || !was {
		t.Fatalf("Reset: %v %v", was, err)
	}
	_, err := c.Wait(ctx, key, baton.WithWait(100*time.Millisecond))
	wantKind(t, "Wait that runs out", err, baton.ErrWaitTimeout, "WAIT_TIMEOUT")
}

func TestSignalTTLAndSubscribe(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	prefix := uniqueName(t) + "/"
	if _, _, err := c.Signal(ctx, prefix+"before", "x"); err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe(ctx, prefix, baton.WithPrefix(), baton.WithInitial())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func(want baton.KeyChangeKind, key string) *baton.KeyChange {
		t.Helper()
		ch, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ch.Kind != want || ch.Key != key {
			t.Fatalf("change %s %s, want %s %s", ch.Kind, ch.Key, want, key)
		}
		return ch
	}
	next(baton.KeyCurrent, prefix+"before")
	s, _, err := c.Signal(ctx, prefix+"short", "gone soon", baton.WithTTL(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if s.ExpiresAt.IsZero() {
		t.Fatal("a signal with a TTL has no expiry")
	}
	if ch := next(baton.KeySignaled, prefix+"short"); ch.Signal.Payload != "gone soon" {
		t.Fatalf("payload %q", ch.Signal.Payload)
	}
	next(baton.KeyExpired, prefix+"short")
	if _, err := c.Reset(ctx, prefix+"before"); err != nil {
		t.Fatal(err)
	}
	next(baton.KeyReset, prefix+"before")
	sub.Close()
	if _, err := sub.Recv(); !errors.Is(err, baton.ErrCancelled) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

func TestBarrier(t *testing.T) {
	const parties = 3
	c := newClient(t)
	ctx := testContext(t)
	key := uniqueName(t)
	arrivals := make(chan *baton.Arrival, parties)
	var wg sync.WaitGroup
	for i := 0; i < parties; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := c.Arrive(ctx, key, parties)
			if err != nil {
				t.Error(err)
				return
			}
			arrivals <- a
		}()
	}
	wg.Wait()
	close(arrivals)
	var indexes []int
	for a := range arrivals {
		if a.Generation != 1 || a.Parties != parties {
			t.Fatalf("arrival %+v", a)
		}
		indexes = append(indexes, a.Index)
	}
	sort.Ints(indexes)
	if len(indexes) != parties || indexes[0] != 1 || indexes[1] != 2 || indexes[2] != 3 {
		t.Fatalf("indexes %v, want 1 2 3", indexes)
	}

	// A party that names another number is refused while a generation gathers (the first
	// party joins through the raw API, which shows when it has arrived).
	lone, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := rendezvousv1.NewRendezvousServiceClient(c.Conn()).Arrive(lone, &rendezvousv1.ArriveRequest{Key: key, Parties: parties})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := stream.Recv(); err != nil || ev.GetProgress().GetArrived() != 1 || ev.GetProgress().GetGeneration() != 2 {
		t.Fatalf("first event of a new generation: %v %v", ev, err)
	}
	_, err = c.Arrive(ctx, key, parties+1)
	wantKind(t, "Arrive with other parties", err, baton.ErrPartiesMismatch, "PARTIES_MISMATCH")
	cancel()
	_, err = c.Arrive(ctx, key+"/alone", 2, baton.WithWait(50*time.Millisecond))
	wantKind(t, "Arrive alone", err, baton.ErrWaitTimeout, "WAIT_TIMEOUT")
}

// WaitReady against a port that opens while the server is probing it.
func TestWaitReadyTCP(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // closed: the first attempts fail
	var once sync.Once
	var failures int
	ready, err := c.WaitReady(ctx, baton.TCPProbe{Host: "127.0.0.1", Port: port},
		baton.WithInterval(50*time.Millisecond),
		baton.WithAttemptFailed(func(a baton.ProbeAttempt) {
			failures++
			if a.Error == "" || a.Attempt != failures {
				t.Errorf("attempt %+v", a)
			}
			once.Do(func() {
				ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
				if err != nil {
					t.Errorf("reopen port %d: %v", port, err)
					return
				}
				go func() {
					for {
						conn, err := ln.Accept()
						if err != nil {
							return
						}
						_ = conn.Close()
					}
				}()
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if failures < 1 || ready.Attempts != failures+1 || !strings.Contains(ready.Detail, strconv.Itoa(port)) {
		t.Fatalf("ready %+v after %d failures", ready, failures)
	}

	_, err = c.WaitReady(ctx, baton.TCPProbe{Host: "192.0.2.1", Port: 80})
	wantKind(t, "a probe off the allowlist", err, baton.ErrProbeNotAllowed, "PROBE_NOT_ALLOWED")
	if !errors.Is(err, baton.ErrPermissionDenied) {
		t.Fatal("PROBE_NOT_ALLOWED is not a permission error")
	}
	_, err = c.WaitReady(ctx, baton.TCPProbe{Host: "127.0.0.1", Port: port + 0}, baton.WithWait(0))
	if err != nil {
		t.Fatalf("one attempt at an open port: %v", err)
	}
}

func TestOversizedSignal(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	_, _, err := c.Signal(ctx, uniqueName(t), strings.Repeat("x", 65537))
	wantKind(t, "a payload over 64 KiB", err, baton.ErrInvalidArgument, "INVALID_ARGUMENT")
	_, _, err = c.Signal(ctx, uniqueName(t), strings.Repeat("x", 300*1024))
	wantKind(t, "a message over the server's limit", err, baton.ErrMessageTooLarge, "MESSAGE_TOO_LARGE")
}

package baton_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// N clients lock one lock M times each; a checker sees every critical section: no two overlap,
// and the fencing tokens strictly increase in the order the grants were held.
func TestConcurrentLockersExcludeEachOther(t *testing.T) {
	const workers, rounds = 8, 15
	name := uniqueName(t)
	ctx := testContext(t)
	var inside int32
	var mu sync.Mutex
	var fencings []uint64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := newClient(t) // one connection and session per worker, as separate programs would have
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				lease, err := c.Lock(ctx, name)
				if err != nil {
					t.Error(err)
					return
				}
				if n := atomic.AddInt32(&inside, 1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				mu.Lock()
				fencings = append(fencings, lease.Fencing())
				mu.Unlock()
				time.Sleep(time.Millisecond) // widen the window a second holder would show in
				atomic.AddInt32(&inside, -1)
				if err := c.Unlock(ctx, lease); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(fencings) != workers*rounds {
		t.Fatalf("%d grants, want %d", len(fencings), workers*rounds)
	}
	for i := 1; i < len(fencings); i++ {
		if fencings[i] <= fencings[i-1] {
			t.Fatalf("fencing went from %d to %d at grant %d", fencings[i-1], fencings[i], i)
		}
	}
}

// Many goroutines on one session: each Lock is its own lease, excluded from the others.
func TestConcurrentLocksOnOneSession(t *testing.T) {
	const workers, rounds = 6, 10
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	var inside, grants int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				err := c.WithLock(ctx, name, func(ctx context.Context) error {
					if n := atomic.AddInt32(&inside, 1); n != 1 {
						t.Errorf("%d holders at once", n)
					}
					atomic.AddInt32(&grants, 1)
					atomic.AddInt32(&inside, -1)
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if grants != workers*rounds {
		t.Fatalf("%d grants, want %d", grants, workers*rounds)
	}
}

// A semaphore of 3: three TryLocks succeed, the fourth is refused naming the three holders, and
// succeeds once one lets go. Concurrent lockers never exceed 3.
func TestSemaphore(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	var leases []*baton.Lease
	for i := 0; i < 3; i++ {
		l, err := c.TryLock(ctx, name, baton.WithLimit(3))
		if err != nil {
			t.Fatalf("permit %d: %v", i+1, err)
		}
		leases = append(leases, l)
	}
	_, err := c.TryLock(ctx, name, baton.WithLimit(3))
	var locked *baton.LockedError
	if !errors.Is(err, baton.ErrLocked) || !errors.As(err, &locked) {
		t.Fatalf("fourth permit: got %v, want ErrLocked", err)
	}
	if locked.Limit != 3 || len(locked.Holders) != 3 {
		t.Fatalf("LockedError: limit %d, %d holders; want 3 and 3", locked.Limit, len(locked.Holders))
	}
	if err := c.Unlock(ctx, leases[0]); err != nil {
		t.Fatal(err)
	}
	l, err := c.TryLock(ctx, name, baton.WithLimit(3))
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	for _, l := range append(leases[1:], l) {
		if err := c.Unlock(ctx, l); err != nil {
			t.Fatal(err)
		}
	}

	const workers, rounds, limit = 8, 10, 3
	var inside, most int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := newClient(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				lease, err := c.Lock(ctx, name, baton.WithLimit(limit))
				if err != nil {
					t.Error(err)
					return
				}
				n := atomic.AddInt32(&inside, 1)
				for m := atomic.LoadInt32(&most); n > m && !atomic.CompareAndSwapInt32(&most, m, n); m = atomic.LoadInt32(&most) {
				}
				time.Sleep(time.Millisecond)
				atomic.AddInt32(&inside, -1)
				if err := c.Unlock(ctx, lease); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if most > limit {
		t.Fatalf("%d holders at once, limit %d", most, limit)
	}
	t.Logf("at most %d of %d permits held at once", most, limit)
}

// Unlock is idempotent; the lease says it was released.
func TestUnlockEndsTheLease(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	lease, err := c.Lock(ctx, uniqueName(t))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-lease.Done():
		t.Fatal("Done closed while held")
	default:
	}
	if err := c.Unlock(ctx, lease); err != nil {
		t.Fatal(err)
	}
	<-lease.Done()
	if !errors.Is(lease.Err(), baton.ErrLeaseReleased) {
		t.Fatalf("Err after Unlock: %v", lease.Err())
	}
	if err := c.Unlock(ctx, lease); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
}

// Refresh changes the TTL and moves the expiry.
func TestRefresh(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	lease, err := c.Lock(ctx, uniqueName(t), baton.WithTTL(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if lease.TTL() != 20*time.Second {
		t.Fatalf("TTL %s, want 20s", lease.TTL())
	}
	before := lease.ExpiresAt()
	if err := c.Refresh(ctx, lease, time.Minute); err != nil {
		t.Fatal(err)
	}
	if lease.TTL() != time.Minute || !lease.ExpiresAt().After(before) {
		t.Fatalf("after Refresh: TTL %s, expiry %s (was %s)", lease.TTL(), lease.ExpiresAt(), before)
	}
	if err := c.Unlock(ctx, lease); err != nil {
		t.Fatal(err)
	}
}

// Queue positions reach the caller, and the queue is FIFO.
func TestQueueIsFIFO(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	first, err := c.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	const waiters = 4
	order := make(chan int, waiters)
	var wg sync.WaitGroup
	for i := 1; i <= waiters; i++ {
		queued := make(chan baton.QueuePosition, 8)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			lease, err := c.Lock(ctx, name, baton.WithQueued(func(p baton.QueuePosition) { queued <- p }))
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			_ = c.Unlock(ctx, lease)
		}(i)
		// Join the queue one after the other: wait for the server to place each.
		if p := <-queued; p.Position != uint32(i) || len(p.Holders) != 1 {
			t.Fatalf("waiter %d queued at %d behind %d holders", i, p.Position, len(p.Holders))
		}
	}
	if err := c.Unlock(ctx, first); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(order)
	want := 1
	for got := range order {
		if got != want {
			t.Fatalf("waiter %d was granted in turn %d", got, want)
		}
		want++
	}
}

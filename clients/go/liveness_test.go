package baton_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// freezer holds a session's goroutines at the hook points it is told to, playing a process
// that stopped running (SIGSTOP, a long GC pause, a VM migration) while the server went on.
type freezer struct {
	mu     sync.Mutex
	cond   *sync.Cond
	frozen map[string]bool
}

func newFreezer(t testing.TB) *freezer {
	f := &freezer{frozen: map[string]bool{}}
	f.cond = sync.NewCond(&f.mu)
	t.Cleanup(func() { f.thaw() })
	return f
}

func (f *freezer) pause(point string) {
	f.mu.Lock()
	for f.frozen[point] {
		f.cond.Wait()
	}
	f.mu.Unlock()
}

func (f *freezer) freeze(points ...string) {
	f.mu.Lock()
	for _, p := range points {
		f.frozen[p] = true
	}
	f.mu.Unlock()
}

// thaw lets the given points run again, or all of them when none is given.
func (f *freezer) thaw(points ...string) {
	f.mu.Lock()
	if len(points) == 0 {
		f.frozen = map[string]bool{}
	}
	for _, p := range points {
		delete(f.frozen, p)
	}
	f.cond.Broadcast()
	f.mu.Unlock()
}

// The session stops hearing answers and stops pinging (its process stalls), while its clock runs
// on: the lease is lost on the client before the server hands it to the next waiter.
func TestStalledSessionLosesItsLeaseBeforeTheServerRegrantsIt(t *testing.T) {
	c := newClient(t)
	other := newClient(t, baton.WithOwner("next-in-line"))
	ctx := testContext(t)
	name := uniqueName(t)
	f := newFreezer(t)
	s := newSession(t, c, baton.WithSessionTTL(time.Second), baton.WithPauseHook(f.pause))
	lease, err := s.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	heldWhenGranted := make(chan error, 1)
	go func() {
		next, err := other.Lock(ctx, name)
		if err != nil {
			t.Error(err)
			heldWhenGranted <- nil
			return
		}
		// The moment another holds it, the old holder must already know it lost it.
		heldWhenGranted <- lease.Err()
		_ = other.Unlock(ctx, next)
	}()
	eventually(t, 5*time.Second, "the other client waits", func() bool { return len(describe(t, c, name).Waiters) == 1 })

	f.freeze(baton.PointRead, baton.PointPing)
	if err := <-heldWhenGranted; !errors.Is(err, baton.ErrLeaseLost) {
		t.Fatalf("the server granted the lease to another while its holder still had it (Err %v)", err)
	}
	var lostErr *baton.LeaseLostError
	if !errors.As(lease.Err(), &lostErr) || !errors.Is(s.Err(), baton.ErrSessionLost) {
		t.Fatalf("lease %v, session %v", lease.Err(), s.Err())
	}
	t.Logf("lost: %s", lostErr.Reason)
}

// The whole process stops while a grant is on its way, and resumes after the server has given
// the session up: the late grant is not handed to the caller as a lease.
func TestGrantArrivingAfterTheDeadlineIsNotHandedOut(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	holder, err := c.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	f := newFreezer(t)
	waiter := newClient(t, baton.WithOwner("stalled-waiter"))
	s := newSession(t, waiter, baton.WithSessionTTL(time.Second), baton.WithPauseHook(f.pause))
	queued := make(chan struct{}, 4)
	result := make(chan error, 1)
	go func() {
		lease, err := s.Lock(ctx, name, baton.WithQueued(func(baton.QueuePosition) { queued <- struct{}{} }))
		if err == nil {
			err = errors.New("a lease was handed out after the session's deadline: fencing " + lease.Name())
		}
		result <- err
	}()
	<-queued
	f.freeze(baton.PointRead, baton.PointPing, baton.PointWatchdog)
	if err := c.Unlock(ctx, holder); err != nil {
		t.Fatal(err)
	}
	// The server grants it to the stalled session, then ends that session (a TTL without a
	// message) and releases it.
	eventually(t, 10*time.Second, "the server granted the lock to the stalled session", func() bool {
		info := describe(t, c, name)
		return len(info.Holders) == 1 && info.Holders[0].Owner == "stalled-waiter"
	})
	eventually(t, 10*time.Second, "the server ended the stalled session", func() bool { return len(describe(t, c, name).Holders) == 0 })
	// The answers are read first, the watchdog still held: the grant itself must be refused.
	f.thaw(baton.PointRead)
	if err := <-result; !errors.Is(err, baton.ErrSessionLost) {
		t.Fatalf("Lock after a stall past the deadline: %v; want ErrSessionLost", err)
	}
}

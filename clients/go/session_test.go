package baton_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// Closing a session releases its leases at once and fails its queued Locks; the session is then
// done and refuses new work.
func TestClosedSessionReleasesItsLeases(t *testing.T) {
	c := newClient(t)
	other := newClient(t)
	ctx := testContext(t)
	s := newSession(t, c)
	a, b := uniqueName(t)+"/a", uniqueName(t)+"/b"
	la, err := s.Lock(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := s.Lock(ctx, b, baton.WithLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	held, err := other.Lock(ctx, a+"/queued")
	if err != nil {
		t.Fatal(err)
	}
	queued := make(chan error, 1)
	go func() {
		_, err := s.Lock(ctx, a+"/queued")
		queued <- err
	}()
	eventually(t, 5*time.Second, "the session's Lock is queued", func() bool { return len(describe(t, c, a+"/queued").Waiters) == 1 })

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{a, b} {
		if info := describe(t, c, name); len(info.Holders) != 0 {
			t.Fatalf("%s still held after Close: %+v", name, info.Holders)
		}
	}
	if info := describe(t, c, a+"/queued"); len(info.Waiters) != 0 {
		t.Fatalf("the closed session still waits: %+v", info.Waiters)
	}
	if err := <-queued; !errors.Is(err, baton.ErrSessionClosed) {
		t.Fatalf("queued Lock after Close: %v", err)
	}
	for _, l := range []*baton.Lease{la, lb} {
		<-l.Done()
		if !errors.Is(l.Err(), baton.ErrLeaseReleased) {
			t.Fatalf("lease Err after Close: %v", l.Err())
		}
	}
	<-s.Done()
	if !errors.Is(s.Err(), baton.ErrSessionClosed) {
		t.Fatalf("session Err: %v", s.Err())
	}
	if _, err := s.Lock(ctx, a); !errors.Is(err, baton.ErrSessionClosed) {
		t.Fatalf("Lock on a closed session: %v", err)
	}
	_ = other.Unlock(ctx, held)
}

// A process killed with its lease (kill -9: nothing is closed) loses it once its session's TTL
// has passed: long before the lease's own TTL of 10 minutes.
func TestKilledProcessLosesItsLeaseAfterTheSessionTTL(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "BATON_GO_TEST_LOCK="+name)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked ") {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	helperFencing, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "locked ")), 10, 64)
	info := describe(t, c, name)
	if len(info.Holders) != 1 || info.Holders[0].Owner != "helper-process" {
		t.Fatalf("holders before the kill: %+v", info.Holders)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	// Bounded well below the lease's TTL: granted only if the session's end released it.
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lease, err := c.Lock(wait, name)
	if err != nil {
		t.Fatalf("the killed process's lease was not released: %v", err)
	}
	if lease.Fencing() <= helperFencing {
		t.Fatalf("fencing %d after the helper's %d", lease.Fencing(), helperFencing)
	}
	_ = c.Unlock(ctx, lease)
}

// A Lock whose ctx ends while it waits leaves the queue, and says why.
func TestCancelledLockLeavesTheQueue(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	holder, err := c.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	waiter := newClient(t, baton.WithOwner("waiter"))
	for _, tc := range []struct {
		end  func(cancel context.CancelFunc)
		kind error
		ctx  error
	}{
		{func(cancel context.CancelFunc) { cancel() }, baton.ErrCancelled, context.Canceled},
		{nil, baton.ErrDeadlineExceeded, context.DeadlineExceeded},
	} {
		var lctx context.Context
		var cancel context.CancelFunc
		queued := make(chan struct{}, 4)
		onQueued := baton.WithQueued(func(baton.QueuePosition) { queued <- struct{}{} })
		if tc.end == nil {
			lctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
		} else {
			lctx, cancel = context.WithCancel(ctx)
			go func() { <-queued; tc.end(cancel) }()
		}
		_, err := waiter.Lock(lctx, name, onQueued)
		cancel()
		if !errors.Is(err, tc.kind) || !errors.Is(err, tc.ctx) {
			t.Fatalf("Lock ended by its ctx: %v; want %v and %v", err, tc.kind, tc.ctx)
		}
		eventually(t, 2*time.Second, "the waiter left the queue", func() bool { return len(describe(t, c, name).Waiters) == 0 })
	}
	if err := c.Unlock(ctx, holder); err != nil {
		t.Fatal(err)
	}
	// The waiter's session is still fine.
	lease, err := waiter.TryLock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_ = waiter.Unlock(ctx, lease)
}

// A cancel that crosses the grant on the wire: whichever wins, nobody is left holding the lock.
func TestCancelCrossingAGrantLeavesNothingHeld(t *testing.T) {
	c := newClient(t)
	waiter := newClient(t, baton.WithOwner("crossing-waiter"))
	ctx := testContext(t)
	name := uniqueName(t)
	for i := 0; i < 20; i++ {
		holder, err := c.Lock(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		lctx, cancel := context.WithCancel(ctx)
		queued := make(chan struct{}, 4)
		result := make(chan error, 1)
		go func() {
			lease, err := waiter.Lock(lctx, name, baton.WithQueued(func(baton.QueuePosition) { queued <- struct{}{} }))
			if err == nil {
				err = waiter.Unlock(ctx, lease)
			}
			result <- err
		}()
		<-queued
		go cancel()
		if err := c.Unlock(ctx, holder); err != nil {
			t.Fatal(err)
		}
		if err := <-result; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: %v", i, err)
		}
		eventually(t, 2*time.Second, "the lock is free", func() bool {
			info := describe(t, c, name)
			return len(info.Holders) == 0 && len(info.Waiters) == 0
		})
	}
}

// WithLock's ctx is cancelled when the server releases the lease (here: through another client,
// with the lease's token), and WithLock reports the loss.
func TestWithLockSeesLoss(t *testing.T) {
	c := newClient(t)
	other := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	var lease *baton.Lease
	err := c.WithLock(ctx, name, func(lockCtx context.Context) error {
		lease = baton.LeaseFromContext(lockCtx)
		if lease == nil || lease.Name() != name {
			t.Fatalf("LeaseFromContext: %+v", lease)
		}
		// The test's ctx, not lockCtx: lockCtx may end (the loss) before the answer arrives.
		if _, err := rawLocks(other).Release(ctx, &lockv1.ReleaseRequest{Name: name, Token: lease.Token()}); err != nil {
			t.Fatalf("release through another client: %v", err)
		}
		select {
		case <-lockCtx.Done():
			return lockCtx.Err()
		case <-time.After(30 * time.Second):
			t.Fatal("WithLock's ctx was not cancelled after the lease was released elsewhere")
			return nil
		}
	})
	var lost *baton.LeaseLostError
	if !errors.Is(err, baton.ErrLeaseLost) || !errors.As(err, &lost) || !errors.Is(err, context.Canceled) {
		t.Fatalf("WithLock returned %v; want ErrLeaseLost wrapping context.Canceled", err)
	}
	if lost.Name != name || lost.Fencing != lease.Fencing() || lost.Reason == "" {
		t.Fatalf("LeaseLostError: %+v", lost)
	}
	if !errors.Is(lease.Err(), baton.ErrLeaseLost) {
		t.Fatalf("lease Err: %v", lease.Err())
	}
}

// WithLock releases the lock when fn fails or panics, and passes fn's error on.
func TestWithLockReleasesOnErrorAndPanic(t *testing.T) {
	c := newClient(t)
	ctx := testContext(t)
	name := uniqueName(t)
	boom := errors.New("boom")
	if err := c.WithLock(ctx, name, func(context.Context) error { return boom }); err != boom {
		t.Fatalf("WithLock returned %v, want fn's error", err)
	}
	if len(describe(t, c, name).Holders) != 0 {
		t.Fatal("held after fn failed")
	}
	func() {
		defer func() {
			if r := recover(); r != "panic in fn" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = c.WithLock(ctx, name, func(context.Context) error { panic("panic in fn") })
	}()
	if len(describe(t, c, name).Holders) != 0 {
		t.Fatal("held after fn panicked")
	}
}

// A broken connection: the session opens a new stream and moves its lease there (same fencing,
// still held); no one else got it meanwhile.
func TestReconnectKeepsLeases(t *testing.T) {
	p := startProxy(t, nil)
	ctx := testContext(t)
	c, err := baton.New(ctx, p.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	observer := newClient(t)
	s, err := c.NewSession(ctx, baton.WithSessionTTL(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	name := uniqueName(t)
	lease, err := s.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	first := s.ID()
	p.cut()
	eventually(t, 10*time.Second, "the session is on a new stream", func() bool { return s.ID() != first })
	// The refresh that moves it is in flight; once it is answered, a Refresh succeeds.
	if err := s.Refresh(ctx, lease, 0); err != nil {
		t.Fatalf("refresh after reconnect: %v", err)
	}
	if lease.Err() != nil {
		t.Fatalf("lease lost over a reconnect: %v", lease.Err())
	}
	info := describe(t, observer, name)
	if len(info.Holders) != 1 || info.Holders[0].Fencing != lease.Fencing() {
		t.Fatalf("holders after reconnect: %+v", info.Holders)
	}
	if err := s.Unlock(ctx, lease); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
}

// An outage longer than the session's TTL: the lease is lost on the client before the server
// may give it away, and the server does give it away.
func TestOutageLongerThanTheTTLLosesLeases(t *testing.T) {
	p := startProxy(t, nil)
	ctx := testContext(t)
	c, err := baton.New(ctx, p.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	observer := newClient(t)
	s, err := c.NewSession(ctx, baton.WithSessionTTL(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	name := uniqueName(t)
	lease, err := s.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	p.refuse(true)
	p.cut()
	next, err := observer.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	// The moment another holds it, the old holder must already know it lost it.
	if !errors.Is(lease.Err(), baton.ErrLeaseLost) {
		t.Fatalf("the lease was granted to another while its holder still had it: %v", lease.Err())
	}
	if !errors.Is(s.Err(), baton.ErrSessionLost) {
		t.Fatalf("session %v", s.Err())
	}
	p.refuse(false)
	_ = observer.Unlock(ctx, next)
	// The client's default session replaces a lost one.
	again, err := c.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Unlock(ctx, again)
}

// While the server is unreachable, each Lock waits for the default session as long as its own
// ctx allows (not as long as the first caller's), and the session opens once the server is back.
func TestLockWaitsOutAnOutageWithinItsContext(t *testing.T) {
	p := startProxy(t, nil)
	ctx := testContext(t)
	c, err := baton.New(ctx, p.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p.refuse(true)
	p.cut()
	name := uniqueName(t)
	patient := make(chan error, 1)
	go func() {
		lease, err := c.Lock(ctx, name)
		if err == nil {
			err = c.Unlock(ctx, lease)
		}
		patient <- err
	}()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := c.Lock(short, name); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock during an outage, past its deadline: %v", err)
	}
	p.refuse(false)
	if err := <-patient; err != nil {
		t.Fatalf("Lock after the outage: %v", err)
	}
}

package baton

import (
	"context"
	"errors"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// Lock takes a permit of the lock name, waiting in its FIFO queue until it is granted, ctx ends
// (the call then leaves the queue and fails matching ErrCancelled and ctx.Err()), or the wait set
// by WithWait runs out (ErrWaitTimeout). The lease belongs to the session. Options: WithLimit,
// WithTTL, WithWait, WithQueued, WithPermits, WithShared, WithValue.
func (s *Session) Lock(ctx context.Context, name string, opts ...CallOption) (*Lease, error) {
	return s.acquire(ctx, name, callOptions(opts), false)
}

// TryLock takes a permit of the lock name if one is free, without waiting. When none is, it
// fails with a *LockedError (errors.Is ErrLocked) naming the holders. Options: WithLimit, WithTTL.
func (s *Session) TryLock(ctx context.Context, name string, opts ...CallOption) (*Lease, error) {
	return s.acquire(ctx, name, callOptions(opts), true)
}

func (s *Session) acquire(ctx context.Context, name string, cfg callConfig, try bool) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(ctx)
	}
	req := &lockv1.AcquireRequest{
		Name: name, TtlMs: optionalMillis(cfg.ttl), Limit: cfg.limit, WaitMs: optionalMillis(cfg.wait),
		Permits: cfg.permits, Shared: cfg.shared, Value: cfg.value,
	}
	if try {
		zero := time.Duration(0)
		req.WaitMs = optionalMillis(&zero)
	}
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	op := &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Acquire{Acquire: req}, ReportPositions: cfg.onQueued != nil}
	c, err := s.start(st, kindAcquire, op, nil)
	if err != nil {
		return nil, err
	}
	for {
		select {
		case pos := <-c.events:
			if cfg.onQueued != nil {
				cfg.onQueued(pos)
			}
		case r := <-c.final:
			return s.granted(r)
		case <-ctx.Done():
			return nil, s.abandon(ctx, st, op.Id, c)
		}
	}
}

// granted hands a grant to the caller unless the session's deadline has passed meanwhile: a
// grant is never handed out as valid after it.
func (s *Session) granted(r callResult) (*Lease, error) {
	if r.err != nil {
		return nil, r.err
	}
	now := time.Now()
	s.mu.Lock()
	overdue := r.lease.err == nil && !now.Before(r.lease.stream.aliveUntil)
	s.mu.Unlock()
	if overdue {
		// The process stalled between the answer and here; the watchdog may not have run yet.
		s.checkLiveness()
	}
	if err := r.lease.Err(); err != nil {
		return nil, err
	}
	return r.lease, nil
}

// abandon takes a waiting acquire out of the queue after its caller's ctx ended, and waits for
// the server to confirm, so that the queue no longer shows it once Lock returns. A grant that
// crossed the cancel is given back.
func (s *Session) abandon(ctx context.Context, st *sessionStream, id uint64, c *call) error {
	s.mu.Lock()
	c.abandoned = true
	s.mu.Unlock()
	s.sendOnly(st, &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Cancel{Cancel: &lockv1.CancelAcquire{RequestId: id}}})
	select {
	case r := <-c.final:
		if r.lease != nil {
			go func() { _ = s.Unlock(context.Background(), r.lease) }()
		}
	case <-s.done:
	case <-time.After(s.TTL()):
		// No answer to the cancel: stop waiting; a grant arriving later is still given back.
	}
	return contextError(ctx)
}

// Unlock releases the lease. Unlocking a lease that was already released does nothing; a lease
// that was lost returns its *LeaseLostError, and one the server no longer holds ErrNotHeld.
func (s *Session) Unlock(ctx context.Context, lease *Lease) error {
	if lease.session != s {
		return lease.session.Unlock(ctx, lease)
	}
	s.mu.Lock()
	if _, held := s.leases[lease]; !held {
		err := lease.err
		s.mu.Unlock()
		if errors.Is(err, ErrLeaseReleased) {
			return nil
		}
		return err
	}
	// No longer kept by the session: a reconnect does not move it, a `lost` is not news.
	delete(s.leases, lease)
	s.mu.Unlock()
	err := s.call(ctx, kindRelease, releaseRequest(lease.name, lease.token), lease)
	s.mu.Lock()
	if errors.Is(err, ErrNotHeld) {
		lease.endLocked(lease.lostError("the server no longer held it when it was unlocked"))
	} else {
		lease.endLocked(ErrLeaseReleased)
	}
	s.mu.Unlock()
	return err
}

// Refresh extends the lease to ttl from now, and makes ttl its TTL (0 keeps its own TTL). The
// session keeps its leases alive by itself; Refresh is for changing the TTL. A lease the server
// no longer holds is lost, and Refresh fails with ErrNotHeld.
func (s *Session) Refresh(ctx context.Context, lease *Lease, ttl time.Duration) error {
	if lease.session != s {
		return lease.session.Refresh(ctx, lease, ttl)
	}
	if err := lease.Err(); err != nil {
		return err
	}
	req := &lockv1.RefreshRequest{Name: lease.name, Token: lease.token}
	if ttl > 0 {
		req.TtlMs = optionalMillis(&ttl)
	}
	return s.call(ctx, kindRefresh, &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Refresh{Refresh: req}}, lease)
}

// call sends one request and waits for its answer, or for ctx.
func (s *Session) call(ctx context.Context, kind callKind, req *lockv1.SessionRequest, lease *Lease) error {
	st, err := s.current(ctx)
	if err != nil {
		return err
	}
	c, err := s.start(st, kind, req, lease)
	if err != nil {
		return err
	}
	select {
	case r := <-c.final:
		return r.err
	case <-ctx.Done():
		return contextError(ctx)
	}
}

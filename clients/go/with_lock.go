package baton

import (
	"context"
	"errors"
)

// WithLock runs fn while holding the lock name: it waits for the lock as Lock does, runs fn, and
// unlocks when fn returns (or panics). The context fn gets is cancelled if the lease is lost, so
// fn can stop; LeaseFromContext gives it the lease (for its fencing token). WithLock returns fn's
// error, or, when the lease was lost while fn ran, a *LeaseLostError (errors.Is ErrLeaseLost)
// that also wraps fn's error.
func (s *Session) WithLock(ctx context.Context, name string, fn func(ctx context.Context) error, opts ...CallOption) (err error) {
	lease, err := s.Lock(ctx, name, opts...)
	if err != nil {
		return err
	}
	fnCtx, cancel := context.WithCancel(context.WithValue(ctx, leaseKey{}, lease))
	defer cancel()
	go func() {
		select {
		case <-lease.Done():
			cancel()
		case <-fnCtx.Done():
		}
	}()
	defer func() {
		// The caller's ctx may be over; the release still goes out, bounded by the session.
		unlockErr := s.Unlock(context.Background(), lease)
		var lost *LeaseLostError
		if errors.As(lease.Err(), &lost) {
			err = &LeaseLostError{Name: lost.Name, Fencing: lost.Fencing, Reason: lost.Reason, Err: err}
		} else if err == nil && unlockErr != nil {
			err = unlockErr
		}
	}()
	return fn(fnCtx)
}

package baton

import (
	"context"
	"time"
)

// Lock takes a permit of the lock name on the client's default session; see Session.Lock.
func (c *Client) Lock(ctx context.Context, name string, opts ...CallOption) (*Lease, error) {
	s, err := c.defaultSession(ctx)
	if err != nil {
		return nil, err
	}
	return s.Lock(ctx, name, opts...)
}

// TryLock takes a free permit of the lock name on the client's default session, or fails with
// ErrLocked; see Session.TryLock.
func (c *Client) TryLock(ctx context.Context, name string, opts ...CallOption) (*Lease, error) {
	s, err := c.defaultSession(ctx)
	if err != nil {
		return nil, err
	}
	return s.TryLock(ctx, name, opts...)
}

// WithLock runs fn while holding the lock name on the client's default session; see
// Session.WithLock.
func (c *Client) WithLock(ctx context.Context, name string, fn func(ctx context.Context) error, opts ...CallOption) error {
	s, err := c.defaultSession(ctx)
	if err != nil {
		return err
	}
	return s.WithLock(ctx, name, fn, opts...)
}

// Unlock releases the lease on the session that holds it; see Session.Unlock.
func (c *Client) Unlock(ctx context.Context, lease *Lease) error {
	return lease.session.Unlock(ctx, lease)
}

// Refresh extends the lease on the session that holds it; see Session.Refresh.
func (c *Client) Refresh(ctx context.Context, lease *Lease, ttl time.Duration) error {
	return lease.session.Refresh(ctx, lease, ttl)
}

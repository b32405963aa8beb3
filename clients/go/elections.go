package baton

import (
	"context"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// Leader is an election's leader as everyone sees it.
type Leader struct {
	// Name is the election's name.
	Name string
	// Owner is who leads.
	Owner string
	// Value is what the leader published (Campaign's value, or its latest Proclaim).
	Value string
	// Term is the leader's fencing token: it strictly increases with every new leader, so a
	// resource that keeps the highest term it saw refuses a deposed leader.
	Term uint64
	// ElectedAt is when it became leader (server clock).
	ElectedAt time.Time
	// ExpiresAt is when its lease expires unless kept alive; zero when it never expires.
	ExpiresAt time.Time
}

func leaderFromProto(l *lockv1.Leader) *Leader {
	if l == nil {
		return nil
	}
	return &Leader{
		Name: l.GetName(), Owner: l.GetOwner(), Value: l.GetValue(), Term: l.GetTerm(),
		ElectedAt: timeOf(l.GetElectedAt()), ExpiresAt: timeOf(l.GetExpiresAt()),
	}
}

// Campaign campaigns in the election name (the lock of that name with limit 1) with value, on the
// client's default session, and returns once elected: the lease's Fencing is the term. See
// Session.Campaign.
func (c *Client) Campaign(ctx context.Context, name, value string, opts ...CallOption) (*Lease, error) {
	s, err := c.defaultSession(ctx)
	if err != nil {
		return nil, err
	}
	return s.Campaign(ctx, name, value, opts...)
}

// Campaign waits in the FIFO queue of candidates of the election name and returns once this
// session leads, publishing value. Leadership belongs to the session: it ends with Resign, when
// the session closes, or when the server stops hearing from it, and the next candidate leads at
// once. Options: WithTTL, WithWait, WithQueued.
func (s *Session) Campaign(ctx context.Context, name, value string, opts ...CallOption) (*Lease, error) {
	cfg := callOptions(opts)
	one := uint32(1)
	cfg.limit, cfg.permits, cfg.shared, cfg.value = &one, nil, false, value
	return s.acquire(ctx, name, cfg, false)
}

// Proclaim publishes a new value as the leader holding lease. It fails with ErrNotHeld once the
// lease no longer leads.
func (c *Client) Proclaim(ctx context.Context, lease *Lease, value string) (*Leader, error) {
	res, err := c.elections.Proclaim(ctx, &lockv1.ProclaimRequest{Name: lease.Name(), Token: lease.Token(), Value: value})
	if err != nil {
		return nil, callError(ctx, err)
	}
	lease.session.mu.Lock()
	lease.value = value
	lease.session.mu.Unlock()
	return leaderFromProto(res.GetLeader()), nil
}

// Resign gives up leadership (the lease is released); the next candidate leads at once.
func (c *Client) Resign(ctx context.Context, lease *Lease) error {
	return c.Unlock(ctx, lease)
}

// Leader returns the current leader of the election name, or nil when it has none.
func (c *Client) Leader(ctx context.Context, name string) (*Leader, error) {
	res, err := c.elections.Leader(ctx, &lockv1.LeaderRequest{Name: name})
	if err != nil {
		return nil, callError(ctx, err)
	}
	return leaderFromProto(res.GetLeader()), nil
}

// LeaderObservation is a stream of an election's leaders; see Client.Observe.
type LeaderObservation struct {
	stream lockv1.ElectionService_ObserveClient
	ctx    context.Context
	cancel context.CancelFunc
}

// Observe follows the election name: Recv returns the leader now first (nil for none), then
// every change of leader, term or value, as the server pushes it, until ctx ends or Close.
func (c *Client) Observe(ctx context.Context, name string) (*LeaderObservation, error) {
	octx, cancel := context.WithCancel(ctx)
	stream, err := c.elections.Observe(octx, &lockv1.ObserveRequest{Name: name})
	if err != nil {
		cancel()
		return nil, callError(ctx, err)
	}
	return &LeaderObservation{stream: stream, ctx: octx, cancel: cancel}, nil
}

// Recv waits for the next leader (nil when the election has none). It fails when the
// observation ends: ctx ended or Close was called (matching ErrCancelled), or the server ended it.
func (o *LeaderObservation) Recv() (*Leader, error) {
	res, err := o.stream.Recv()
	if err != nil {
		return nil, callError(o.ctx, err)
	}
	return leaderFromProto(res.GetLeader()), nil
}

// Close ends the observation.
func (o *LeaderObservation) Close() { o.cancel() }

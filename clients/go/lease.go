package baton

import (
	"context"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// Lease is one granted permit of a lock, held by the Session that took it. It ends when it is
// unlocked, when the session closes, or when it is lost; Done and Err say which, as a
// context.Context's do. Its methods are safe for concurrent use.
type Lease struct {
	session    *Session
	name       string
	owner      string
	token      string
	fencing    uint64
	acquiredAt time.Time
	permits    uint32
	shared     bool
	done       chan struct{}

	// Guarded by session.mu.
	expiresAt time.Time
	ttl       time.Duration
	value     string
	stream    *sessionStream // the stream whose server session keeps the lease alive
	refs      []leaseRef     // the ids the server names the lease by in `lost`
	err       error
}

// leaseRef is an id a stream's server session knows a lease by.
type leaseRef struct {
	stream *sessionStream
	id     uint64
}

func newLease(s *Session, st *sessionStream, l *lockv1.Lease) *Lease {
	return &Lease{
		session:    s,
		name:       l.GetName(),
		owner:      l.GetOwner(),
		token:      l.GetToken(),
		fencing:    l.GetFencing(),
		acquiredAt: timeOf(l.GetAcquiredAt()),
		permits:    l.GetPermits(),
		shared:     l.GetShared(),
		value:      l.GetValue(),
		expiresAt:  timeOf(l.GetExpiresAt()),
		ttl:        time.Duration(l.GetTtlMs()) * time.Millisecond,
		stream:     st,
		done:       make(chan struct{}),
	}
}

// Name is the lock's name.
func (l *Lease) Name() string { return l.name }

// Owner is who holds the lease, as the session described itself.
func (l *Lease) Owner() string { return l.owner }

// Token is the lease's secret, which releases or refreshes it. Keep it to yourself.
func (l *Lease) Token() string { return l.token }

// Fencing strictly increases with every grant of the lock. Pass it to the resource you protect,
// so that it can refuse a holder older than the newest it has seen.
func (l *Lease) Fencing() uint64 { return l.fencing }

// AcquiredAt is when the permit was granted (server clock).
func (l *Lease) AcquiredAt() time.Time { return l.acquiredAt }

// ExpiresAt is when the lease expires unless kept alive (server clock). The session keeps it
// alive; this moves with every refresh the server reports.
func (l *Lease) ExpiresAt() time.Time {
	l.session.mu.Lock()
	defer l.session.mu.Unlock()
	return l.expiresAt
}

// TTL is the lease's TTL: how long it outlives its session if the server stops hearing from it.
func (l *Lease) TTL() time.Duration {
	l.session.mu.Lock()
	defer l.session.mu.Unlock()
	return l.ttl
}

// Permits is how many of the lock's permits the lease holds: 1 for a mutex, k after
// WithPermits(k), 0 when shared.
func (l *Lease) Permits() uint32 { return l.permits }

// Shared is true for a lease taken in shared (reader) mode.
func (l *Lease) Shared() bool { return l.shared }

// Value is what the holder published (WithValue, or a leader's latest Proclaim).
func (l *Lease) Value() string {
	l.session.mu.Lock()
	defer l.session.mu.Unlock()
	return l.value
}

// Session is the session that holds the lease.
func (l *Lease) Session() *Session { return l.session }

// Done is closed when the lease ends: unlocked, its session closed, or lost.
func (l *Lease) Done() <-chan struct{} { return l.done }

// Err is nil while the lease is held. After it ends it is ErrLeaseReleased (unlocked, or its
// session closed) or a *LeaseLostError (errors.Is ErrLeaseLost).
func (l *Lease) Err() error {
	l.session.mu.Lock()
	defer l.session.mu.Unlock()
	return l.err
}

// endLocked ends the lease once, with err; the caller holds session.mu.
func (l *Lease) endLocked(err error) {
	if l.err != nil {
		return
	}
	l.err = err
	close(l.done)
	delete(l.session.leases, l)
	for _, r := range l.refs {
		delete(r.stream.owners, r.id)
	}
	l.refs = nil
}

// knownAsLocked records that st's server session names the lease by id (the acquire's or a
// refresh's). The caller holds session.mu.
func (l *Lease) knownAsLocked(st *sessionStream, id uint64) {
	st.owners[id] = l
	l.refs = append(l.refs, leaseRef{stream: st, id: id})
}

// lostError is the error a lease ends with when it is lost.
func (l *Lease) lostError(reason string) *LeaseLostError {
	return &LeaseLostError{Name: l.name, Fencing: l.fencing, Reason: reason}
}

// update takes in the server's view of the lease after a refresh; the caller holds session.mu.
func (l *Lease) updateLocked(p *lockv1.Lease) {
	l.expiresAt = timeOf(p.GetExpiresAt())
	l.ttl = time.Duration(p.GetTtlMs()) * time.Millisecond
}

type leaseKey struct{}

// LeaseFromContext returns the lease whose holder runs under ctx: inside the function given to
// WithLock, the lease it holds (e.g. for its fencing token); nil elsewhere.
func LeaseFromContext(ctx context.Context) *Lease {
	l, _ := ctx.Value(leaseKey{}).(*Lease)
	return l
}

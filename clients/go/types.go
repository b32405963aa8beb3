package baton

import (
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Holder is a lease as everyone sees it: without its token. Times are the server's clock.
type Holder struct {
	// Owner is who holds the permit.
	Owner string
	// Fencing is the grant's fencing token.
	Fencing uint64
	// AcquiredAt is when the permit was granted.
	AcquiredAt time.Time
	// ExpiresAt is when the lease expires unless refreshed; zero when it never expires.
	ExpiresAt time.Time
	// Value is what the holder published.
	Value string
	// Permits is how many permits it holds; 0 when shared.
	Permits uint32
	// Shared is true for a shared (reader) holder.
	Shared bool
}

// Waiter is one entry of a lock's queue.
type Waiter struct {
	// Owner is who waits.
	Owner string
	// Position is the place in the queue; 1 is the next to be granted.
	Position uint32
	// QueuedAt is when it joined the queue.
	QueuedAt time.Time
	// Permits is how many permits it asks for; 0 when it asks in shared mode.
	Permits uint32
	// Shared is true when it asks in shared (reader) mode.
	Shared bool
}

// LockInfo is the state of one lock.
type LockInfo struct {
	// Name is the lock's name.
	Name string
	// Limit is the number of permits: 1 for a mutex, N for a semaphore.
	Limit uint32
	// Holders are the current leases, oldest first.
	Holders []Holder
	// Waiters is the queue, head first.
	Waiters []Waiter
	// Reserved is true for a lock made by Reserve, which is kept while idle.
	Reserved bool
	// LastFencing is the last fencing token granted (0 when never granted).
	LastFencing uint64
}

// QueuePosition is where a waiting Lock stands in the queue (see WithQueued).
type QueuePosition struct {
	// Position is the place in the queue; 1 is the next to be granted.
	Position uint32
	// QueueLength is how many wait in all.
	QueueLength uint32
	// Holders are the current holders: whom the caller waits for.
	Holders []Holder
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func holdersFromProto(hs []*lockv1.Holder) []Holder {
	out := make([]Holder, len(hs))
	for i, h := range hs {
		out[i] = Holder{
			Owner: h.GetOwner(), Fencing: h.GetFencing(), AcquiredAt: timeOf(h.GetAcquiredAt()), ExpiresAt: timeOf(h.GetExpiresAt()),
			Value: h.GetValue(), Permits: h.GetPermits(), Shared: h.GetShared(),
		}
	}
	return out
}

func lockFromProto(l *lockv1.Lock) *LockInfo {
	info := &LockInfo{
		Name:        l.GetName(),
		Limit:       l.GetLimit(),
		Holders:     holdersFromProto(l.GetHolders()),
		Reserved:    l.GetReserved(),
		LastFencing: l.GetLastFencing(),
	}
	for _, w := range l.GetWaiters() {
		info.Waiters = append(info.Waiters, Waiter{Owner: w.GetOwner(), Position: w.GetPosition(), QueuedAt: timeOf(w.GetQueuedAt()), Permits: w.GetPermits(), Shared: w.GetShared()})
	}
	return info
}

func positionFromProto(q *lockv1.QueuePosition) QueuePosition {
	return QueuePosition{Position: q.GetPosition(), QueueLength: q.GetQueueLength(), Holders: holdersFromProto(q.GetHolders())}
}

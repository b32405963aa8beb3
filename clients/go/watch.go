package baton

import (
	"context"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// LockEventKind says what changed in a lock.
type LockEventKind int

// The kinds of lock event.
const (
	// LockSnapshot is a lock's state when the watch began (WithInitial).
	LockSnapshot LockEventKind = iota + 1
	// LockGranted: a permit was granted.
	LockGranted
	// LockReleased: a permit was released.
	LockReleased
	// LockExpired: a lease expired.
	LockExpired
	// LockRefreshed: a lease was refreshed.
	LockRefreshed
	// LockQueued: a waiter joined the queue.
	LockQueued
	// LockDequeued: a waiter left the queue without a grant.
	LockDequeued
	// LockReserved: the lock was reserved.
	LockReserved
	// LockProclaimed: a holder published a new value (an election leader's Proclaim).
	LockProclaimed
)

var lockEventNames = map[LockEventKind]string{
	LockSnapshot: "snapshot", LockGranted: "granted", LockReleased: "released", LockExpired: "expired",
	LockRefreshed: "refreshed", LockQueued: "queued", LockDequeued: "dequeued", LockReserved: "reserved", LockProclaimed: "proclaimed",
}

// String names the kind, e.g. "granted".
func (k LockEventKind) String() string {
	if name, ok := lockEventNames[k]; ok {
		return name
	}
	return "unknown"
}

// LockEvent is one change of one lock.
type LockEvent struct {
	// Kind says what changed.
	Kind LockEventKind
	// Lock is the lock's state after the change.
	Lock *LockInfo
}

// LockWatch is a stream of lock events; see Client.Watch.
type LockWatch struct {
	stream lockv1.LockService_WatchClient
	ctx    context.Context
	cancel context.CancelFunc
}

// Watch follows every change of the lock name (or, WithPrefix, of every lock whose name starts
// with it) until ctx ends or Close. WithInitial sends the current state of each lock first.
func (c *Client) Watch(ctx context.Context, name string, opts ...CallOption) (*LockWatch, error) {
	cfg := callOptions(opts)
	req := &lockv1.WatchRequest{Name: name, Initial: cfg.initial}
	if cfg.prefix {
		req = &lockv1.WatchRequest{Prefix: name, Initial: cfg.initial}
	}
	wctx, cancel := context.WithCancel(ctx)
	stream, err := c.locks.Watch(wctx, req)
	if err != nil {
		cancel()
		return nil, callError(ctx, err)
	}
	return &LockWatch{stream: stream, ctx: wctx, cancel: cancel}, nil
}

// Recv waits for the next event. It fails when the watch ends: ctx ended or Close was called
// (an error matching ErrCancelled), or the server ended it.
func (w *LockWatch) Recv() (*LockEvent, error) {
	res, err := w.stream.Recv()
	if err != nil {
		return nil, callError(w.ctx, err)
	}
	return &LockEvent{Kind: LockEventKind(res.GetKind()), Lock: lockFromProto(res.GetLock())}, nil
}

// Close ends the watch.
func (w *LockWatch) Close() { w.cancel() }

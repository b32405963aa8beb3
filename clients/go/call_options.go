package baton

import "time"

// CallOption adjusts one call. Each option says which calls read it; the others ignore it.
type CallOption func(*callConfig)

type callConfig struct {
	limit          *uint32
	permits        *uint32
	shared         bool
	value          string
	ttl            *time.Duration
	wait           *time.Duration
	onQueued       func(QueuePosition)
	prefix         bool
	initial        bool
	pageSize       uint32
	pageToken      string
	interval       *time.Duration
	attemptTimeout *time.Duration
	onAttempt      func(ProbeAttempt)
}

func callOptions(opts []CallOption) callConfig {
	var c callConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithLimit makes the lock a semaphore of n permits (Lock, TryLock, WithLock, Reserve). Unset, a
// lock keeps its current limit, or is a mutex when new. Every holder and waiter must use the same
// limit while the lock is in use (ErrLimitMismatch otherwise).
func WithLimit(n uint32) CallOption {
	return func(c *callConfig) { c.limit = &n }
}

// WithPermits takes k of the lock's permits at once (Lock, TryLock, WithLock): a weighted
// semaphore, as golang.org/x/sync/semaphore's Acquire(ctx, k). The FIFO queue serves a large
// request before smaller ones that came after it. k above the lock's limit is an invalid argument.
func WithPermits(k uint32) CallOption {
	return func(c *callConfig) { c.permits = &k }
}

// WithShared takes the lock in shared (reader) mode (Lock, TryLock, WithLock): beside any number
// of shared holders, never beside an exclusive one. A queued exclusive waiter blocks later readers.
func WithShared() CallOption {
	return func(c *callConfig) { c.shared = true }
}

// WithValue publishes a value with the lease (Lock, TryLock, WithLock, Campaign), shown to
// everyone with the holder; an election candidate's address, say.
func WithValue(value string) CallOption {
	return func(c *callConfig) { c.value = value }
}

// WithTTL sets the lease's TTL (Lock, TryLock, WithLock): how long it outlives its session if the
// server stops hearing from it; the server's default otherwise. For Signal it is how long the key
// stays set (unset: until Reset).
func WithTTL(ttl time.Duration) CallOption {
	return func(c *callConfig) { c.ttl = &ttl }
}

// WithWait bounds a wait (Lock and WithLock in the queue, Wait, Arrive, WaitReady): the call fails
// with ErrWaitTimeout when it runs out. Unset, the call waits as long as its context lives
// (bounded by the server's maximum wait). WithWait(0) does not wait at all.
func WithWait(wait time.Duration) CallOption {
	return func(c *callConfig) { c.wait = &wait }
}

// WithQueued calls fn with the caller's place in the queue when a Lock (or WithLock) joins it and
// whenever the place changes. fn runs on the calling goroutine, between the queue's events.
func WithQueued(fn func(QueuePosition)) CallOption {
	return func(c *callConfig) { c.onQueued = fn }
}

// WithPrefix makes Watch and Subscribe follow every lock or key whose name starts with the name
// given (an empty name with WithPrefix follows all).
func WithPrefix() CallOption {
	return func(c *callConfig) { c.prefix = true }
}

// WithInitial makes Watch and Subscribe send the current state of each lock or key first.
func WithInitial() CallOption {
	return func(c *callConfig) { c.initial = true }
}

// WithPageSize sets how many locks List returns at most (default 100, at most 1000).
func WithPageSize(n uint32) CallOption {
	return func(c *callConfig) { c.pageSize = n }
}

// WithPageToken makes List continue from a previous page's NextPageToken.
func WithPageToken(token string) CallOption {
	return func(c *callConfig) { c.pageToken = token }
}

// WithInterval sets the time between the starts of two WaitReady attempts (default 500 ms).
func WithInterval(interval time.Duration) CallOption {
	return func(c *callConfig) { c.interval = &interval }
}

// WithAttemptTimeout bounds one WaitReady attempt (default 2 s).
func WithAttemptTimeout(timeout time.Duration) CallOption {
	return func(c *callConfig) { c.attemptTimeout = &timeout }
}

// WithAttemptFailed calls fn with each failed WaitReady attempt, on the calling goroutine.
func WithAttemptFailed(fn func(ProbeAttempt)) CallOption {
	return func(c *callConfig) { c.onAttempt = fn }
}

// millis converts a duration for the API, rounding a positive sub-millisecond duration up so
// that it never reads as 0 ("do not wait").
func millis(d time.Duration) int64 {
	if d > 0 && d < time.Millisecond {
		return 1
	}
	return d.Milliseconds()
}

// optionalMillis is millis for an optional field.
func optionalMillis(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	ms := millis(*d)
	return &ms
}

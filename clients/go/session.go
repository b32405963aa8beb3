package baton

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
)

// closeWait bounds how long Close waits for the server to confirm the end of a session (it has
// released the leases by then).
const closeWait = 5 * time.Second

// Session is one Session stream to the server, and the owner of the leases taken on it: the
// server keeps them alive while it hears from the session, and releases them all when the
// session is closed or ends. The session pings every third of its TTL. When its stream breaks it
// opens a new one and moves its leases there, as long as it can prove it is still alive; once it
// cannot (see the package doc), it is lost: every lease is lost, Done is closed, and Err says why.
// Make one with Client.NewSession; its methods are safe for concurrent use.
type Session struct {
	client *Client
	cfg    sessionConfig
	ids    atomic.Uint64
	ctx    context.Context // lives until the session ends; parent of its streams
	stop   context.CancelFunc
	kick   chan struct{} // wakes the watchdog when a deadline appears

	closeMu sync.Mutex // serialises Close
	done    chan struct{}

	mu      sync.Mutex     // guards what follows, the streams' maps and the leases' state
	cur     *sessionStream // where requests go; nil while reconnecting
	ready   chan struct{}  // closed when cur is set (or the session ends)
	live    *sessionStream // the newest stream the server has answered `opened` on
	ttl     time.Duration  // the effective TTL, as the server said
	leases  map[*Lease]struct{}
	closing bool
	err     error
}

// NewSession opens a new session, with the client's owner and session TTL unless opts say
// otherwise. It waits for the server's answer, through outages, while ctx lives. Close the
// session when done: its leases are released at once.
func (c *Client) NewSession(ctx context.Context, opts ...SessionOption) (*Session, error) {
	cfg := c.session
	for _, o := range opts {
		o.applySession(&cfg)
	}
	return c.openSession(ctx, cfg)
}

func (c *Client) openSession(ctx context.Context, cfg sessionConfig) (*Session, error) {
	sctx, stop := context.WithCancel(context.Background())
	s := &Session{
		client: c,
		cfg:    cfg,
		ctx:    sctx,
		stop:   stop,
		kick:   make(chan struct{}, 1),
		ready:  make(chan struct{}),
		leases: make(map[*Lease]struct{}),
		done:   make(chan struct{}),
	}
	if _, err := s.open(ctx); err != nil {
		s.mu.Lock()
		s.endLocked(ErrSessionClosed, func(*Lease) error { return ErrLeaseReleased })
		s.mu.Unlock()
		stop()
		return nil, err
	}
	c.register(s)
	go s.watch()
	return s, nil
}

// ID is the server's id of the session's current stream, as it appears in the server's logs.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		return ""
	}
	return s.live.id
}

// TTL is the session's TTL as the server granted it.
func (s *Session) TTL() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ttl
}

// Owner is who the session's leases belong to, as everyone sees it.
func (s *Session) Owner() string { return s.cfg.owner }

// Done is closed when the session ends: closed, or lost.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is nil while the session lives, then ErrSessionClosed, or an error matching ErrSessionLost
// that says why.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the session: the server releases its leases at once and drops its queued Locks,
// which fail with ErrSessionClosed. It waits (a few seconds at most) for the server to confirm.
func (s *Session) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return nil
	}
	st := s.cur
	s.endLocked(ErrSessionClosed, func(*Lease) error { return ErrLeaseReleased })
	s.mu.Unlock()
	if st != nil {
		st.closeSend()
		select {
		case <-st.ended:
		case <-time.After(closeWait):
		}
	}
	s.stop()
	return nil
}

// endLocked ends the session with err: its leases end with leaseErr, its calls fail, its streams
// stop. The caller holds mu.
func (s *Session) endLocked(err error, leaseErr func(*Lease) error) {
	s.err = err
	s.closing = true
	for l := range s.leases {
		l.endLocked(leaseErr(l))
	}
	for _, st := range []*sessionStream{s.cur, s.live} {
		if st != nil {
			st.failCallsLocked(err)
		}
	}
	close(s.done)
	go s.client.unregister(s)
}

// loseLocked gives the session up: it can no longer prove the server keeps it, so its leases
// are lost now, before the server may grant them to anyone else. The stream is half-closed so a
// server that does still hear it releases everything at once. The caller holds mu.
func (s *Session) loseLocked(reason string) {
	if s.err != nil {
		return
	}
	st := s.cur
	s.endLocked(fmt.Errorf("%w: %s", ErrSessionLost, reason), func(l *Lease) error { return l.lostError(reason) })
	go func() {
		if st != nil {
			st.closeSend()
			select {
			case <-st.ended:
			case <-time.After(closeWait):
			}
		}
		s.stop()
	}()
}

// current returns the stream to send on, waiting while the session reconnects.
func (s *Session) current(ctx context.Context) (*sessionStream, error) {
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return nil, err
		}
		if s.cur != nil {
			st := s.cur
			s.mu.Unlock()
			return st, nil
		}
		ready := s.ready
		s.mu.Unlock()
		select {
		case <-ready:
		case <-s.done:
		case <-ctx.Done():
			return nil, contextError(ctx)
		}
	}
}

// contextError is the error of a call its context ended: it matches ErrCancelled or
// ErrDeadlineExceeded, and context.Canceled or context.DeadlineExceeded.
func contextError(ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded {
		return &Error{Code: codes.DeadlineExceeded, Reason: "DEADLINE_EXCEEDED", Message: "the call's deadline passed", cause: ctx.Err()}
	}
	return &Error{Code: codes.Canceled, Reason: "CANCELLED", Message: "the call was cancelled", cause: ctx.Err()}
}

package baton

import (
	"context"
	"errors"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// watch is the session's watchdog. Each stream's deadline (aliveUntil) is the send time of the
// latest request the server answered on it plus the TTL, on the monotonic clock: the server
// keeps the session at least that long. When the current stream's deadline passes, the session
// is lost; when the deadline of a broken stream passes before its leases moved to a new stream,
// those leases are lost.
func (s *Session) watch() {
	for {
		s.cfg.hooks.wait(pointWatchdog)
		next, ok := s.checkLiveness()
		if !ok {
			return
		}
		var fire <-chan time.Time
		var timer *time.Timer
		if !next.IsZero() {
			timer = time.NewTimer(time.Until(next))
			fire = timer.C
		}
		select {
		case <-fire:
		case <-s.kick:
		case <-s.done:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// checkLiveness ends what outlived its deadline and returns the next deadline (zero: none yet);
// false once the session has ended.
func (s *Session) checkLiveness() (time.Time, bool) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return time.Time{}, false
	}
	if s.live == nil {
		return time.Time{}, true
	}
	if !now.Before(s.live.aliveUntil) {
		s.loseLocked(lapsed(s.live.ttl))
		return time.Time{}, false
	}
	next := s.live.aliveUntil
	for l := range s.leases {
		if l.stream == s.live {
			continue
		}
		if !now.Before(l.stream.aliveUntil) {
			l.endLocked(l.lostError("the session stream broke and the lease did not move to a new one in time"))
		} else if l.stream.aliveUntil.Before(next) {
			next = l.stream.aliveUntil
		}
	}
	return next, true
}

// ping keeps st's server session alive, every third of its TTL, until the stream ends.
func (s *Session) ping(st *sessionStream, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-st.ended:
			return
		case <-s.done:
			return
		}
		s.cfg.hooks.wait(pointPing)
		if _, err := s.start(st, kindPing, &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Ping{Ping: &lockv1.Ping{}}}, nil); err != nil {
			return
		}
	}
}

// reconnect opens a new stream after the current one broke, trying until the session's deadline,
// and moves the leases there.
func (s *Session) reconnect() {
	s.mu.Lock()
	if s.err != nil || s.live == nil {
		s.mu.Unlock()
		return
	}
	deadline := s.live.aliveUntil
	s.mu.Unlock()
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	if st, err := s.open(ctx); err == nil {
		s.adopt(st)
	}
	// Otherwise the watchdog gives the session up at the deadline.
}

// open opens a stream, trying again while the server is unavailable (down, restarting, or the
// connection broke under the new stream) until ctx ends.
func (s *Session) open(ctx context.Context) (*sessionStream, error) {
	backoff := 50 * time.Millisecond
	for {
		st, err := s.openStream(ctx)
		if err == nil || ctx.Err() != nil || !errors.Is(err, ErrUnavailable) {
			return st, err
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, contextError(ctx)
		case <-s.done:
			return nil, s.Err()
		}
		if backoff *= 2; backoff > time.Second {
			backoff = time.Second
		}
	}
}

// adopt moves the leases kept by broken streams to st by refreshing them there; the answers
// (see refreshedLocked and failedLocked) attach them to st, or lose those the server no longer
// holds.
func (s *Session) adopt(st *sessionStream) {
	s.mu.Lock()
	var moving []*Lease
	for l := range s.leases {
		if l.stream != st {
			moving = append(moving, l)
		}
	}
	s.mu.Unlock()
	for _, l := range moving {
		req := &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Refresh{Refresh: &lockv1.RefreshRequest{Name: l.name, Token: l.token}}}
		if _, err := s.start(st, kindRefresh, req, l); err != nil {
			return // broke again: the next reconnect tries again
		}
	}
}

package baton

import (
	"errors"
	"fmt"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	"google.golang.org/grpc/codes"
)

// deliver handles one answer from the server. Before anything else it checks the session's
// deadline: an answer that arrives after it (the process was paused, the network stalled) comes
// too late, since the server may have ended the session and granted its leases to others.
func (s *Session) deliver(st *sessionStream, msg *lockv1.SessionResponse) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return // ended: the server releases whatever it still holds for the session
	}
	if !st.aliveUntil.IsZero() && !now.Before(st.aliveUntil) {
		s.loseLocked(lapsed(st.ttl))
		return
	}
	id := msg.GetId()
	c := st.calls[id]
	if c != nil && !st.aliveUntil.IsZero() {
		// The server heard this request after it was sent, so it keeps the session at least a
		// TTL past the send.
		if until := aliveUntil(c.sentAt, st.ttl); until.After(st.aliveUntil) {
			st.aliveUntil = until
		}
	}
	switch r := msg.GetResult().(type) {
	case *lockv1.SessionResponse_Opened:
		s.openedLocked(st, now, c, msg)
	case *lockv1.SessionResponse_Pong:
		delete(st.calls, id)
	case *lockv1.SessionResponse_Queued:
		if c != nil && c.events != nil {
			select {
			case c.events <- positionFromProto(r.Queued):
			default: // the caller is behind; positions are news, not state
			}
		}
	case *lockv1.SessionResponse_Acquired:
		s.acquiredLocked(st, id, c, r.Acquired)
	case *lockv1.SessionResponse_Released:
		s.finishLocked(st, id, c, callResult{msg: msg})
	case *lockv1.SessionResponse_Refreshed:
		s.refreshedLocked(st, id, c, msg)
	case *lockv1.SessionResponse_Error:
		s.failedLocked(st, id, c, sessionError(r.Error))
	case *lockv1.SessionResponse_Lost:
		if l := st.owners[id]; l != nil {
			if _, held := s.leases[l]; held {
				l.endLocked(l.lostError("the server reports it lost: " + r.Lost.GetReason()))
			}
		}
	}
}

// openedLocked makes st the session's current stream, with the TTL the server granted.
func (s *Session) openedLocked(st *sessionStream, now time.Time, c *call, msg *lockv1.SessionResponse) {
	if c == nil || c.kind != kindOpen {
		return
	}
	if s.live != nil && !now.Before(s.live.aliveUntil) {
		// A new stream, but too late for the leases the old one kept.
		s.loseLocked(lapsed(s.live.ttl))
		s.finishLocked(st, msg.GetId(), c, callResult{err: s.err})
		return
	}
	opened := msg.GetOpened()
	if opened.GetTtlMs() <= 0 {
		s.finishLocked(st, msg.GetId(), c, callResult{err: &Error{Code: codes.Internal, Message: "the server opened a session without a TTL"}})
		return
	}
	st.ttl = time.Duration(opened.GetTtlMs()) * time.Millisecond
	st.id = opened.GetSessionId()
	st.aliveUntil = aliveUntil(c.sentAt, st.ttl)
	s.ttl = st.ttl
	s.live = st
	if s.cur == nil {
		s.cur = st
		close(s.ready)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	go s.ping(st, st.ttl/3)
	s.finishLocked(st, msg.GetId(), c, callResult{msg: msg})
}

// acquiredLocked hands a grant to its caller, or gives it back when nobody wants it any more
// (the caller left, e.g. its context was cancelled while the grant was on its way).
func (s *Session) acquiredLocked(st *sessionStream, id uint64, c *call, granted *lockv1.Lease) {
	if c == nil || c.abandoned {
		go s.sendOnly(st, releaseRequest(granted.GetName(), granted.GetToken()))
		s.finishLocked(st, id, c, callResult{err: errAbandoned})
		return
	}
	lease := newLease(s, st, granted)
	s.leases[lease] = struct{}{}
	lease.knownAsLocked(st, id)
	s.finishLocked(st, id, c, callResult{lease: lease})
}

// refreshedLocked takes in a refresh: the lease now belongs to st's server session.
func (s *Session) refreshedLocked(st *sessionStream, id uint64, c *call, msg *lockv1.SessionResponse) {
	if c == nil {
		return
	}
	if l := c.lease; l != nil {
		if _, held := s.leases[l]; held {
			l.updateLocked(msg.GetRefreshed())
			l.stream = st
			l.knownAsLocked(st, id)
		} else {
			// Unlocked or lost meanwhile, yet the server session keeps it now: give it back.
			go s.sendOnly(st, releaseRequest(l.name, l.token))
		}
	}
	s.finishLocked(st, id, c, callResult{msg: msg})
}

// failedLocked hands an error answer to its caller; a refresh answered NOT_HELD loses its lease.
func (s *Session) failedLocked(st *sessionStream, id uint64, c *call, err error) {
	if c == nil {
		return
	}
	if l := c.lease; l != nil && c.kind == kindRefresh && errors.Is(err, ErrNotHeld) {
		if _, held := s.leases[l]; held {
			l.endLocked(l.lostError("the server no longer holds it: " + baseError(err).Message))
		}
	}
	s.finishLocked(st, id, c, callResult{err: err})
}

func (s *Session) finishLocked(st *sessionStream, id uint64, c *call, r callResult) {
	if c == nil {
		return
	}
	delete(st.calls, id)
	c.final <- r
}

func releaseRequest(name, token string) *lockv1.SessionRequest {
	return &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Release{Release: &lockv1.ReleaseRequest{Name: name, Token: token}}}
}

// aliveUntil is how long the server keeps a session at least, once it has answered a request
// sent at sentAt: the server heard it after sentAt, and keeps a session for a TTL after each
// message it hears. The client gives up a little before that moment (2% of the TTL, at least
// 10 ms): the two machines' timers have millisecond granularity, their clocks drift apart, and
// the server hands a permit on within a millisecond of ending the session. Without the margin a
// watchdog firing a few milliseconds late (a busy machine) would still see the lease as held
// after the server had granted it to someone else.
func aliveUntil(sentAt time.Time, ttl time.Duration) time.Time {
	margin := ttl / 50
	if margin < 10*time.Millisecond {
		margin = 10 * time.Millisecond
	}
	return sentAt.Add(ttl - margin)
}

// lapsed says why a session whose deadline passed is given up.
func lapsed(ttl time.Duration) string {
	return fmt.Sprintf("no answer from the server within the session TTL (%s) of the last request it answered; it may have ended the session and granted its leases to others", ttl)
}

var errAbandoned = &Error{Message: "the caller left"}

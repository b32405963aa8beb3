package baton

import (
	"context"
	"sync"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// sessionStream is one Session RPC: a server session, the requests in flight on it and the
// leases it keeps alive.
type sessionStream struct {
	rpc        lockv1.LockService_SessionClient
	ended      chan struct{} // closed when the reader has returned
	sendMu     sync.Mutex    // gRPC allows one sender at a time
	halfClosed bool

	// Guarded by Session.mu.
	calls      map[uint64]*call  // requests waiting for an answer, by id
	owners     map[uint64]*Lease // leases by the id the server names them with in `lost`
	aliveUntil time.Time         // zero until `opened`; see Session.watch
	ttl        time.Duration     // the server session's TTL, from `opened`
	id         string
	broken     bool
}

type callKind int

const (
	kindOpen callKind = iota
	kindAcquire
	kindRelease
	kindRefresh
	kindPing
)

// call is one request waiting for its answer.
type call struct {
	kind      callKind
	sentAt    time.Time // before it was sent, on the monotonic clock
	lease     *Lease    // the lease a refresh or release is about
	events    chan QueuePosition
	final     chan callResult // receives exactly one result
	abandoned bool            // an acquire whose caller left: a grant for it is released
}

type callResult struct {
	msg   *lockv1.SessionResponse
	lease *Lease
	err   error
}

// openStream starts a Session RPC and waits for `opened`; the reader then makes it current. It
// waits for a connection that is down to come back, until ctx ends, rather than failing at once:
// a Lock waits out a server restart as it waits out a queue.
func (s *Session) openStream(ctx context.Context) (*sessionStream, error) {
	sctx, cancel := context.WithCancel(s.ctx)
	created := make(chan struct{})
	go func() {
		// The stream outlives ctx, but waiting for it to start must not.
		select {
		case <-ctx.Done():
			cancel()
		case <-created:
		}
	}()
	rpc, err := s.client.locks.Session(sctx, grpc.WaitForReady(true))
	close(created)
	if err != nil {
		cancel()
		return nil, callError(ctx, err)
	}
	st := &sessionStream{rpc: rpc, ended: make(chan struct{}), calls: map[uint64]*call{}, owners: map[uint64]*Lease{}}
	go func() {
		<-st.ended
		cancel()
	}()
	go s.read(st)
	open := &lockv1.OpenSession{Owner: s.cfg.owner}
	if s.cfg.ttl > 0 {
		open.TtlMs = optionalMillis(&s.cfg.ttl)
	}
	c, err := s.start(st, kindOpen, &lockv1.SessionRequest{Op: &lockv1.SessionRequest_Open{Open: open}}, nil)
	if err != nil {
		st.closeSend()
		return nil, err
	}
	select {
	case r := <-c.final:
		if r.err != nil {
			st.closeSend()
			return nil, r.err
		}
		return st, nil
	case <-ctx.Done():
		s.mu.Lock()
		opened := s.cur == st
		s.mu.Unlock()
		if opened {
			return st, nil // the answer crossed the deadline, in time
		}
		st.closeSend()
		cancel()
		return nil, contextError(ctx)
	}
}

// start registers a request and sends it on st.
func (s *Session) start(st *sessionStream, kind callKind, req *lockv1.SessionRequest, lease *Lease) (*call, error) {
	req.Id = s.ids.Add(1)
	c := &call{kind: kind, lease: lease, final: make(chan callResult, 1)}
	if kind == kindAcquire {
		c.events = make(chan QueuePosition, 16)
	}
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, err
	}
	if st.broken {
		s.mu.Unlock()
		return nil, unavailable("the session stream broke")
	}
	c.sentAt = time.Now()
	st.calls[req.Id] = c
	s.mu.Unlock()
	if err := st.send(req); err != nil {
		s.mu.Lock()
		delete(st.calls, req.Id)
		s.mu.Unlock()
		return nil, unavailable("the session stream broke: " + err.Error())
	}
	return c, nil
}

// sendOnly sends a request whose answer nobody waits for (a cancel, a release of a grant nobody
// wants). Errors are dropped: a broken stream ends the server session, which drops the request's
// subject too.
func (s *Session) sendOnly(st *sessionStream, req *lockv1.SessionRequest) {
	req.Id = s.ids.Add(1)
	_ = st.send(req)
}

func (st *sessionStream) send(req *lockv1.SessionRequest) error {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if st.halfClosed {
		return errHalfClosed
	}
	return st.rpc.Send(req)
}

// closeSend half-closes the stream: the server then ends the session and releases its leases.
func (st *sessionStream) closeSend() {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if !st.halfClosed {
		st.halfClosed = true
		_ = st.rpc.CloseSend()
	}
}

// read delivers the server's answers until the stream ends.
func (s *Session) read(st *sessionStream) {
	defer close(st.ended)
	for {
		msg, err := st.rpc.Recv()
		if err != nil {
			s.streamBroke(st, err)
			return
		}
		s.cfg.hooks.wait(pointRead)
		s.deliver(st, msg)
	}
}

// streamBroke fails the calls in flight on st; if st was current, the session reconnects.
func (s *Session) streamBroke(st *sessionStream, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.broken = true
	st.failCallsLocked(brokenStreamError(cause))
	if s.cur == st {
		s.cur = nil
		s.ready = make(chan struct{})
		if !s.closing {
			go s.reconnect()
		}
	}
}

// failCallsLocked ends every request in flight with err. The caller holds Session.mu.
func (st *sessionStream) failCallsLocked(err error) {
	for id, c := range st.calls {
		delete(st.calls, id)
		c.final <- callResult{err: err}
	}
}

// brokenStreamError is what the calls in flight on a stream that ended get. A refusal of the
// caller's credentials stays what it is, so that opening a session with a missing, wrong or
// too narrow API key fails at once instead of being retried as an outage until the deadline;
// anything else is an outage the session rides out.
func brokenStreamError(cause error) error {
	err := callError(context.Background(), cause)
	if code := status.Code(cause); code == codes.Unauthenticated || code == codes.PermissionDenied {
		return err
	}
	return unavailable("the session stream ended: " + err.Error())
}

func unavailable(message string) *Error {
	return &Error{Code: codes.Unavailable, Message: message}
}

var errHalfClosed = unavailable("the session stream is closing")

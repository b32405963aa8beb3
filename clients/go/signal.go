package baton

import (
	"context"
	"io"
	"time"

	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
	"google.golang.org/grpc/codes"
)

// Signal is the value of a key that is set.
type Signal struct {
	// Key is the key.
	Key string
	// Payload is the text given to Signal (empty when none was).
	Payload string
	// Owner is who signalled.
	Owner string
	// SignaledAt is when the key was set (server clock).
	SignaledAt time.Time
	// ExpiresAt is when the key clears itself; zero when it stays set until Reset.
	ExpiresAt time.Time
}

func signalFromProto(s *rendezvousv1.Signal) *Signal {
	if s == nil {
		return nil
	}
	return &Signal{Key: s.GetKey(), Payload: s.GetPayload(), Owner: s.GetOwner(), SignaledAt: timeOf(s.GetSignaledAt()), ExpiresAt: timeOf(s.GetExpiresAt())}
}

// Signal sets key, with payload (UTF-8 text up to 64 KiB), and wakes every waiter of the key at
// once. Signalling a key that is set replaces its payload. WithTTL makes the key clear itself
// after that long. It returns the key's value and how many waiters it woke.
func (c *Client) Signal(ctx context.Context, key, payload string, opts ...CallOption) (*Signal, int, error) {
	cfg := callOptions(opts)
	res, err := c.rendezvous.Signal(ctx, &rendezvousv1.SignalRequest{Key: key, Payload: payload, TtlMs: optionalMillis(cfg.ttl), Owner: c.session.owner})
	if err != nil {
		return nil, 0, callError(ctx, err)
	}
	return signalFromProto(res.GetSignal()), int(res.GetWoken()), nil
}

// Reset clears key; later waits block until it is signalled again. It reports whether the key
// was set.
func (c *Client) Reset(ctx context.Context, key string) (bool, error) {
	res, err := c.rendezvous.Reset(ctx, &rendezvousv1.ResetRequest{Key: key})
	if err != nil {
		return false, callError(ctx, err)
	}
	return res.GetWasSet(), nil
}

// Wait waits until key is set and returns its value (at once if it is set already). It waits as
// long as ctx lives, or up to WithWait (then ErrWaitTimeout; WithWait(0) only looks).
func (c *Client) Wait(ctx context.Context, key string, opts ...CallOption) (*Signal, error) {
	cfg := callOptions(opts)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rendezvous.Wait(wctx, &rendezvousv1.WaitRequest{Key: key, WaitMs: optionalMillis(cfg.wait), Owner: c.session.owner})
	if err != nil {
		return nil, callError(ctx, err)
	}
	for {
		res, err := stream.Recv()
		if err != nil {
			return nil, streamEnd(ctx, err, "the wait ended before the key was set")
		}
		if s := res.GetSignaled(); s != nil {
			return signalFromProto(s), nil
		}
		// `waiting` heartbeats: still waiting.
	}
}

// KeyChangeKind says what happened to a key.
type KeyChangeKind int

// The kinds of key change.
const (
	// KeyCurrent is a key's value when the subscription began (WithInitial).
	KeyCurrent KeyChangeKind = iota + 1
	// KeySignaled: the key was signalled.
	KeySignaled
	// KeyReset: the key was reset.
	KeyReset
	// KeyExpired: the key's TTL ran out.
	KeyExpired
)

// String names the kind, e.g. "signaled".
func (k KeyChangeKind) String() string {
	switch k {
	case KeyCurrent:
		return "current"
	case KeySignaled:
		return "signaled"
	case KeyReset:
		return "reset"
	case KeyExpired:
		return "expired"
	}
	return "unknown"
}

// KeyChange is one change of one key.
type KeyChange struct {
	// Kind says what happened.
	Kind KeyChangeKind
	// Key is the key.
	Key string
	// Signal is the new value (KeyCurrent, KeySignaled) or the one that was cleared (KeyReset,
	// KeyExpired).
	Signal *Signal
	// Woken is how many waiters a KeySignaled woke.
	Woken int
}

// Subscription is a stream of key changes; see Client.Subscribe.
type Subscription struct {
	stream rendezvousv1.RendezvousService_SubscribeClient
	ctx    context.Context
	cancel context.CancelFunc
}

// Subscribe follows every change of key (or, WithPrefix, of every key starting with it) until
// ctx ends or Close. WithInitial sends the current value of each key that is set first.
func (c *Client) Subscribe(ctx context.Context, key string, opts ...CallOption) (*Subscription, error) {
	cfg := callOptions(opts)
	req := &rendezvousv1.SubscribeRequest{Key: key, Initial: cfg.initial}
	if cfg.prefix {
		req = &rendezvousv1.SubscribeRequest{Prefix: key, Initial: cfg.initial}
	}
	sctx, cancel := context.WithCancel(ctx)
	stream, err := c.rendezvous.Subscribe(sctx, req)
	if err != nil {
		cancel()
		return nil, callError(ctx, err)
	}
	return &Subscription{stream: stream, ctx: sctx, cancel: cancel}, nil
}

// Recv waits for the next change, skipping heartbeats. It fails when the subscription ends: ctx
// ended or Close was called (an error matching ErrCancelled), or the server ended it.
func (s *Subscription) Recv() (*KeyChange, error) {
	for {
		res, err := s.stream.Recv()
		if err != nil {
			return nil, streamEnd(s.ctx, err, "the subscription ended")
		}
		if ch := res.GetChange(); ch != nil {
			return &KeyChange{Kind: KeyChangeKind(ch.GetKind()), Key: ch.GetKey(), Signal: signalFromProto(ch.GetSignal()), Woken: int(ch.GetWoken())}, nil
		}
	}
}

// Close ends the subscription.
func (s *Subscription) Close() { s.cancel() }

// streamEnd is the error of a server stream that ended before its final event: the server's
// error, or, for a clean end, an error saying what did not happen.
func streamEnd(ctx context.Context, err error, what string) error {
	if err == io.EOF {
		return &Error{Code: codes.Internal, Message: what}
	}
	return callError(ctx, err)
}

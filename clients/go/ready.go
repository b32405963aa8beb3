package baton

import (
	"context"
	"time"

	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
)

// Probe is what WaitReady waits for: TCPProbe, PostgresProbe or HTTPProbe.
type Probe interface {
	apply(*rendezvousv1.WaitReadyRequest)
}

// TCPProbe is ready when a TCP connection to Host:Port succeeds. The host must be on the
// server's probe allowlist.
type TCPProbe struct {
	// Host is a host name or IP address on the server's probe allowlist.
	Host string
	// Port is the TCP port, 1-65535.
	Port int
}

func (p TCPProbe) apply(r *rendezvousv1.WaitReadyRequest) {
	r.Probe = &rendezvousv1.WaitReadyRequest_Tcp{Tcp: &rendezvousv1.TcpProbe{Host: p.Host, Port: uint32(p.Port)}}
}

// PostgresProbe is ready when the database answers SELECT 1, on the server's configured
// Postgres.
type PostgresProbe struct {
	// Database is the database's name, put into the server's DSN template.
	Database string
}

func (p PostgresProbe) apply(r *rendezvousv1.WaitReadyRequest) {
	r.Probe = &rendezvousv1.WaitReadyRequest_Postgres{Postgres: &rendezvousv1.PostgresProbe{Database: p.Database}}
}

// HTTPProbe is ready when URL answers ExpectStatus (0: any 2xx). Redirects are not followed; the
// host must be on the server's probe allowlist.
type HTTPProbe struct {
	// URL is an http:// or https:// URL whose host is on the server's probe allowlist.
	URL string
	// ExpectStatus is the status that means ready; 0 means any 2xx.
	ExpectStatus int
}

func (p HTTPProbe) apply(r *rendezvousv1.WaitReadyRequest) {
	r.Probe = &rendezvousv1.WaitReadyRequest_Http{Http: &rendezvousv1.HttpProbe{Url: p.URL, ExpectStatus: uint32(p.ExpectStatus)}}
}

// ProbeAttempt is one failed attempt of WaitReady (see WithAttemptFailed).
type ProbeAttempt struct {
	// Attempt is 1 for the first attempt.
	Attempt int
	// Error says why it failed, e.g. "connect ECONNREFUSED 127.0.0.1:5433".
	Error string
	// Elapsed is the time since the wait began.
	Elapsed time.Duration
}

// Ready says a probe succeeded.
type Ready struct {
	// Attempts is how many attempts it took, the successful one included.
	Attempts int
	// Elapsed is the time since the wait began.
	Elapsed time.Duration
	// Detail says what answered, e.g. "HTTP 200".
	Detail string
}

// WaitReady has the server poll probe until it succeeds, as long as ctx lives or up to WithWait
// (then ErrWaitTimeout, naming the last error). Options: WithWait, WithInterval,
// WithAttemptTimeout, WithAttemptFailed. A target off the server's allowlist fails with
// ErrProbeNotAllowed.
func (c *Client) WaitReady(ctx context.Context, probe Probe, opts ...CallOption) (*Ready, error) {
	cfg := callOptions(opts)
	req := &rendezvousv1.WaitReadyRequest{IntervalMs: optionalMillis(cfg.interval), WaitMs: optionalMillis(cfg.wait), AttemptTimeoutMs: optionalMillis(cfg.attemptTimeout)}
	probe.apply(req)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rendezvous.WaitReady(rctx, req)
	if err != nil {
		return nil, callError(ctx, err)
	}
	for {
		res, err := stream.Recv()
		if err != nil {
			return nil, streamEnd(ctx, err, "the readiness stream ended before the probe succeeded")
		}
		if r := res.GetReady(); r != nil {
			return &Ready{Attempts: int(r.GetAttempts()), Elapsed: time.Duration(r.GetElapsedMs()) * time.Millisecond, Detail: r.GetDetail()}, nil
		}
		if f := res.GetFailed(); f != nil && cfg.onAttempt != nil {
			cfg.onAttempt(ProbeAttempt{Attempt: int(f.GetAttempt()), Error: f.GetError(), Elapsed: time.Duration(f.GetElapsedMs()) * time.Millisecond})
		}
	}
}

package baton

import (
	"crypto/tls"
	"time"

	"google.golang.org/grpc"
)

// Option configures a Client made by New.
type Option interface {
	applyClient(*clientConfig)
}

// SessionOption configures a Session made by NewSession.
type SessionOption interface {
	applySession(*sessionConfig)
}

// ClientSessionOption configures a Client (its default session and the sessions it makes) or
// one Session alike: WithOwner and WithSessionTTL are both.
type ClientSessionOption interface {
	Option
	SessionOption
}

type clientConfig struct {
	rootCAs    []byte
	clientCert *tls.Certificate
	tlsConfig  *tls.Config
	dial       []grpc.DialOption
	apiKey     string
	apiKeySet  bool // WithAPIKey was given: BATON_KEY is not read
	session    sessionConfig
}

type sessionConfig struct {
	owner string
	ttl   time.Duration
	hooks *sessionHooks // set by tests only
}

type clientOption func(*clientConfig)

func (o clientOption) applyClient(c *clientConfig) { o(c) }

type sharedOption func(*sessionConfig)

func (o sharedOption) applyClient(c *clientConfig)   { o(&c.session) }
func (o sharedOption) applySession(s *sessionConfig) { o(s) }

// WithOwner names who takes the leases, as everyone sees it in Describe, List and the holders of
// a LockedError (a host, a job, a person). The default is user@host:pid.
func WithOwner(owner string) ClientSessionOption {
	return sharedOption(func(s *sessionConfig) { s.owner = owner })
}

// WithSessionTTL sets how long the server keeps a session, and the leases it holds, after it last
// heard from the client. The client pings every third of it. Unset, the server's default applies
// (10 s); the server clamps it to its minimum and maximum TTL. A shorter TTL hands the leases of a
// crashed process to others sooner, and loses leases sooner when the process stalls.
func WithSessionTTL(ttl time.Duration) ClientSessionOption {
	return sharedOption(func(s *sessionConfig) { s.ttl = ttl })
}

// WithCA makes an https:// client trust the certificate authorities in pemCerts (PEM) instead of
// the system's roots.
func WithCA(pemCerts []byte) Option {
	return clientOption(func(c *clientConfig) { c.rootCAs = append([]byte(nil), pemCerts...) })
}

// WithClientCert makes an https:// client present cert (mutual TLS), e.g. one loaded with
// tls.LoadX509KeyPair.
func WithClientCert(cert tls.Certificate) Option {
	return clientOption(func(c *clientConfig) { c.clientCert = &cert })
}

// WithTLSConfig sets the whole TLS configuration of an https:// client. WithCA and WithClientCert
// still apply on top of it.
func WithTLSConfig(config *tls.Config) Option {
	return clientOption(func(c *clientConfig) { c.tlsConfig = config.Clone() })
}

// WithDialOptions adds gRPC dial options (interceptors, keepalive, a custom dialer). Transport
// credentials come from the URL and the TLS options; do not pass them here.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return clientOption(func(c *clientConfig) { c.dial = append(c.dial, opts...) })
}

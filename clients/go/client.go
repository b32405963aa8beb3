package baton

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"sync"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
	"google.golang.org/grpc"
)

// Client is a connection to one Baton server. It is safe for concurrent use; make one per
// server and share it.
type Client struct {
	conn       *grpc.ClientConn
	locks      lockv1.LockServiceClient
	rendezvous rendezvousv1.RendezvousServiceClient
	session    sessionConfig

	mu     sync.Mutex // guards def and closed; held while the default session opens
	def    *Session
	closed bool

	regMu    sync.Mutex
	sessions map[*Session]struct{} // open sessions, closed by Close
}

// New connects to the Baton server at url: http://host:port (HTTP/2 in cleartext) or
// https://host:port (TLS with the system's roots, or WithCA). It waits until the connection is
// up or ctx ends; later outages are retried by gRPC, and the sessions reconnect on their own.
func New(ctx context.Context, url string, opts ...Option) (*Client, error) {
	cfg := clientConfig{}
	for _, o := range opts {
		o.applyClient(&cfg)
	}
	if cfg.session.owner == "" {
		cfg.session.owner = defaultOwner()
	}
	target, creds, err := dialTarget(url, &cfg)
	if err != nil {
		return nil, err
	}
	// Wait for the connection (a server that is starting up gets until ctx ends); the error then
	// names the last failure, e.g. a certificate the client does not trust.
	dial := append([]grpc.DialOption{creds, grpc.WithBlock(), grpc.WithReturnConnectionError()}, cfg.dial...)
	conn, err := grpc.DialContext(ctx, target, dial...)
	if err != nil {
		return nil, fmt.Errorf("baton: connecting to %s: %w", url, err)
	}
	return &Client{
		conn:       conn,
		locks:      lockv1.NewLockServiceClient(conn),
		rendezvous: rendezvousv1.NewRendezvousServiceClient(conn),
		session:    cfg.session,
		sessions:   map[*Session]struct{}{},
	}, nil
}

// Conn is the client's gRPC connection, for calling the generated stubs under gen/ directly.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes every open session of the client, the default one included (the server releases
// their leases at once), and then the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	c.def = nil
	c.closed = true
	c.mu.Unlock()
	c.regMu.Lock()
	open := make([]*Session, 0, len(c.sessions))
	for s := range c.sessions {
		open = append(open, s)
	}
	c.regMu.Unlock()
	var wg sync.WaitGroup
	for _, s := range open {
		wg.Add(1)
		go func(s *Session) {
			defer wg.Done()
			_ = s.Close()
		}(s)
	}
	wg.Wait()
	return c.conn.Close()
}

func (c *Client) register(s *Session) {
	c.regMu.Lock()
	defer c.regMu.Unlock()
	c.sessions[s] = struct{}{}
}

func (c *Client) unregister(s *Session) {
	c.regMu.Lock()
	defer c.regMu.Unlock()
	delete(c.sessions, s)
}

// defaultSession returns the session that Client.Lock and friends use, opening it on first use
// and again after the previous one ended (lost or closed).
func (c *Client) defaultSession(ctx context.Context) (*Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClientClosed
	}
	if c.def != nil && c.def.Err() == nil {
		return c.def, nil
	}
	s, err := c.openSession(ctx, c.session)
	if err != nil {
		return nil, err
	}
	c.def = s
	return s, nil
}

// DefaultSession is the session Client.Lock, TryLock and WithLock take their leases on (opened
// now if it is not open). It is replaced by a new one when it ends; do not close it.
func (c *Client) DefaultSession(ctx context.Context) (*Session, error) {
	return c.defaultSession(ctx)
}

// defaultOwner describes this process as user@host:pid.
func defaultOwner() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("%s@%s:%d", name, host, os.Getpid())
}

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
	elections  lockv1.ElectionServiceClient
	rendezvous rendezvousv1.RendezvousServiceClient
	session    sessionConfig

	mu      sync.Mutex // guards def, opening and closed
	def     *Session
	opening chan struct{} // closed when the default session's opening ends
	closed  bool

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
		elections:  lockv1.NewElectionServiceClient(conn),
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
// and again after the previous one ended (lost or closed). One caller opens it; the others wait
// for that, each as long as its own ctx allows.
func (c *Client) defaultSession(ctx context.Context) (*Session, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClientClosed
		}
		if c.def != nil && c.def.Err() == nil {
			s := c.def
			c.mu.Unlock()
			return s, nil
		}
		if opening := c.opening; opening != nil {
			c.mu.Unlock()
			select {
			case <-opening:
				continue
			case <-ctx.Done():
				return nil, contextError(ctx)
			}
		}
		opening := make(chan struct{})
		c.opening = opening
		c.mu.Unlock()
		s, err := c.openSession(ctx, c.session)
		c.mu.Lock()
		c.opening = nil
		close(opening)
		if err == nil && c.closed {
			go s.Close()
			s, err = nil, ErrClientClosed
		}
		if err == nil {
			c.def = s
		}
		c.mu.Unlock()
		return s, err
	}
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

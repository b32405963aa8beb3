package baton_test

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// proxy forwards TCP connections to the test server, so a test can cut them (a network failure)
// or refuse new ones (an outage), or terminate TLS in front of the cleartext server.
type proxy struct {
	ln       net.Listener
	scheme   string
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	refusing bool
}

// startProxy listens on a free port; with config it speaks TLS (HTTP/2 by ALPN) to clients.
func startProxy(t testing.TB, config *tls.Config) *proxy {
	t.Helper()
	target := strings.TrimPrefix(serverURL(t), "http://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, scheme: "http", conns: map[net.Conn]struct{}{}}
	if config != nil {
		config = config.Clone()
		config.NextProtos = []string{"h2"}
		p.ln = tls.NewListener(ln, config)
		p.scheme = "https"
	}
	t.Cleanup(func() {
		_ = p.ln.Close()
		p.cut()
	})
	go func() {
		for {
			client, err := p.ln.Accept()
			if err != nil {
				return
			}
			go p.forward(client, target)
		}
	}()
	return p
}

// URL is the proxy's address for baton.New.
func (p *proxy) URL() string { return p.scheme + "://" + p.ln.Addr().String() }

func (p *proxy) forward(client net.Conn, target string) {
	p.mu.Lock()
	refusing := p.refusing
	p.mu.Unlock()
	if refusing {
		_ = client.Close()
		return
	}
	if tc, ok := client.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			_ = client.Close()
			return
		}
	}
	server, err := net.Dial("tcp", target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	_ = client.Close()
	_ = server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// cut closes every connection now, as a network failure would.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// refuse makes the proxy close new connections at once (an outage) until refuse(false).
func (p *proxy) refuse(on bool) {
	p.mu.Lock()
	p.refusing = on
	p.mu.Unlock()
}

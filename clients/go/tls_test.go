package baton_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "baton test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a certificate for a server at 127.0.0.1 or for a client.
func (ca *testCA) issue(t *testing.T, name string, usage x509.ExtKeyUsage) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// An https:// client with a private CA and a client certificate (mutual TLS), in front of the
// server through a TLS-terminating proxy.
func TestMutualTLS(t *testing.T) {
	ca := newTestCA(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	p := startProxy(t, &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "server", x509.ExtKeyUsageServerAuth)},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	ctx := testContext(t)
	c, err := baton.New(ctx, p.URL(), baton.WithCA(ca.pem), baton.WithClientCert(ca.issue(t, "client", x509.ExtKeyUsageClientAuth)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.WithLock(ctx, uniqueName(t), func(ctx context.Context) error {
		if baton.LeaseFromContext(ctx).Fencing() == 0 {
			t.Error("no fencing token over TLS")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	short := func() context.Context {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	// Each is retried until ctx ends, then reported with the last connection error.
	if c, err := baton.New(short(), p.URL(), baton.WithCA(ca.pem)); err == nil {
		c.Close()
		t.Fatal("connected without the client certificate the server requires")
	} else {
		t.Logf("without a client certificate: %v", err)
	}
	if c, err := baton.New(short(), p.URL(), baton.WithClientCert(ca.issue(t, "client", x509.ExtKeyUsageClientAuth))); err == nil {
		c.Close()
		t.Fatal("trusted a server certificate from an unknown CA")
	} else {
		t.Logf("with an unknown server CA: %v", err)
	}
	if _, err := baton.New(short(), "http://127.0.0.1:1", baton.WithCA(ca.pem)); err == nil {
		t.Fatal("TLS options accepted for an http:// URL")
	}
}

func TestBadURLs(t *testing.T) {
	for _, url := range []string{"ftp://127.0.0.1:1", "127.0.0.1:7070", "http://127.0.0.1:1/prefix", "http://"} {
		if _, err := baton.New(context.Background(), url); err == nil {
			t.Fatalf("New(%q) succeeded", url)
		}
	}
}

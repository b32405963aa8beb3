package baton

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// dialTarget turns a Baton URL into a gRPC target and the transport security it calls for:
// http:// speaks HTTP/2 in cleartext (h2c), https:// speaks TLS. gRPC has no path prefix, so the
// URL names a host and port only.
func dialTarget(rawURL string, cfg *clientConfig) (string, grpc.DialOption, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("baton: bad server URL %q: %w", rawURL, err)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", nil, fmt.Errorf("baton: bad server URL %q: want http://host:port or https://host:port", rawURL)
	}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if cfg.rootCAs != nil || cfg.clientCert != nil || cfg.tlsConfig != nil {
			return "", nil, fmt.Errorf("baton: TLS options given for the cleartext URL %q; use https://", rawURL)
		}
		if port == "" {
			port = "80"
		}
		return net.JoinHostPort(u.Hostname(), port), insecureCredentials(), nil
	case "https":
		if port == "" {
			port = "443"
		}
		config, err := tlsConfig(u.Hostname(), cfg)
		if err != nil {
			return "", nil, err
		}
		return net.JoinHostPort(u.Hostname(), port), grpc.WithTransportCredentials(credentials.NewTLS(config)), nil
	default:
		return "", nil, fmt.Errorf("baton: bad server URL %q: the scheme must be http or https", rawURL)
	}
}

// tlsConfig builds the client's TLS settings: the system's roots unless WithCA names others.
func tlsConfig(host string, cfg *clientConfig) (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.tlsConfig != nil {
		config = cfg.tlsConfig.Clone()
	}
	if config.ServerName == "" {
		config.ServerName = host
	}
	if cfg.rootCAs != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.rootCAs) {
			return nil, fmt.Errorf("baton: WithCA: no PEM certificate found")
		}
		config.RootCAs = pool
	}
	if cfg.clientCert != nil {
		config.Certificates = append(config.Certificates, *cfg.clientCert)
	}
	return config, nil
}

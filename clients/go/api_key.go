package baton

import (
	"context"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
)

// apiKeyEnv is the environment variable New reads the API key from when WithAPIKey is not given,
// the same one the CLI reads.
const apiKeyEnv = "BATON_KEY"

// WithAPIKey makes the client present key (from `baton key new`) as `authorization: Bearer KEY`
// on every call, unary and streaming. Without this option the client uses the BATON_KEY
// environment variable when it is set; WithAPIKey("") sends no key even then. The key works over
// http:// as well as https://, but over http:// anyone on the path can read it: use TLS off
// loopback. The client never logs or prints the key.
func WithAPIKey(key string) Option {
	return clientOption(func(c *clientConfig) {
		c.apiKey = key
		c.apiKeySet = true
	})
}

// apiKeyOption returns the dial option that sends the configured key (or BATON_KEY's), or nil
// when there is none.
func apiKeyOption(cfg *clientConfig) (grpc.DialOption, error) {
	key, from := cfg.apiKey, "WithAPIKey"
	if !cfg.apiKeySet {
		key, from = os.Getenv(apiKeyEnv), apiKeyEnv
	}
	if key == "" {
		return nil, nil
	}
	// A key pasted with a trailing newline or quotes would otherwise fail as a bad header deep
	// inside gRPC; say so here, without echoing the key.
	if strings.TrimSpace(key) != key || strings.ContainsAny(key, " \t\r\n\"'") || !isPrintableASCII(key) {
		return nil, fmt.Errorf("baton: the API key from %s has spaces, quotes or non-ASCII characters; want the key `baton key new` printed", from)
	}
	return grpc.WithPerRPCCredentials(apiKeyCredentials{header: "Bearer " + key}), nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// apiKeyCredentials adds the authorization header to every call. It does not require transport
// security, so that it also works over h2c (http://), like the other clients' keys.
type apiKeyCredentials struct {
	header string
}

func (k apiKeyCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": k.header}, nil
}

func (apiKeyCredentials) RequireTransportSecurity() bool { return false }

// String and GoString keep the key out of anything that prints the credentials (%v, %#v).
func (apiKeyCredentials) String() string   { return "baton.apiKey(redacted)" }
func (apiKeyCredentials) GoString() string { return "baton.apiKey(redacted)" }

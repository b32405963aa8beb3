package baton

import "google.golang.org/grpc"

// insecureCredentials is the dial option for http:// (HTTP/2 in cleartext). It is the one place
// that depends on the gRPC version: grpc-go 1.33 (Debian's) has only WithInsecure; from 1.34 on,
// grpc.WithTransportCredentials(insecure.NewCredentials()) is the preferred spelling.
func insecureCredentials() grpc.DialOption {
	return grpc.WithInsecure()
}

package baton

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The Session stream's error answers carry the details unary calls carry: a release with a wrong
// token, sent on a raw stream, decodes to ErrNotHeld.
func TestSessionErrorAnswersDecode(t *testing.T) {
	url := os.Getenv("BATON_URL")
	if url == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, strings.TrimPrefix(url, "http://"), insecureCredentials())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := lockv1.NewLockServiceClient(conn).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, op := range map[uint64]*lockv1.SessionRequest{
		1: releaseRequest("go-test/raw-session", strings.Repeat("0", 32)),
		2: {Op: &lockv1.SessionRequest_Acquire{Acquire: &lockv1.AcquireRequest{Name: "bad name!"}}},
	} {
		op.Id = id
		if err := stream.Send(op); err != nil {
			t.Fatal(err)
		}
		res, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		decoded := sessionError(res.GetError())
		var e *Error
		if !errors.As(decoded, &e) {
			t.Fatalf("answer %d: %v", id, res)
		}
		switch res.GetId() {
		case 1:
			if !errors.Is(decoded, ErrNotHeld) || e.Metadata["name"] != "go-test/raw-session" {
				t.Fatalf("release with a wrong token: %+v", e)
			}
		case 2:
			if !errors.Is(decoded, ErrInvalidArgument) || e.Field() != "name" {
				t.Fatalf("acquire with a bad name: %+v", e)
			}
		}
	}
	_ = stream.CloseSend()
}

// A session that goes silent is ended by the server with DEADLINE_EXCEEDED and its details, in
// the gRPC status of the stream (its trailers), while the client's side is still open.
func TestSilentSessionEndsWithItsStatus(t *testing.T) {
	url := os.Getenv("BATON_URL")
	if url == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, strings.TrimPrefix(url, "http://"), insecureCredentials())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := lockv1.NewLockServiceClient(conn).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ttl := int64(200)
	if err := stream.Send(&lockv1.SessionRequest{Id: 1, Op: &lockv1.SessionRequest_Open{Open: &lockv1.OpenSession{TtlMs: &ttl}}}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err = stream.Recv()
		if err != nil {
			break
		}
	}
	var e *Error
	errors.As(FromError(err), &e)
	if !errors.Is(FromError(err), ErrDeadlineExceeded) || e == nil || e.Reason != "DEADLINE_EXCEEDED" {
		t.Fatalf("a silent session ended with %v", err)
	}
}

// A server's deadline_exceeded that beats ctx's own timer by a hair is still ctx's deadline;
// one long before ctx's deadline (the server's own wait budget) is not.
func TestServerDeadlineAtCtxDeadline(t *testing.T) {
	st := status.New(codes.DeadlineExceeded, "the call's deadline of 200 ms passed")
	near, cancelNear := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelNear()
	if err := callError(near, st.Err()); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrDeadlineExceeded) {
		t.Fatalf("at ctx's deadline: %v", err)
	}
	far, cancelFar := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelFar()
	if err := callError(far, st.Err()); errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrDeadlineExceeded) {
		t.Fatalf("long before ctx's deadline: %v", err)
	}
}

package baton_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	protov1 "github.com/golang/protobuf/proto"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// wantKind checks that err matches kind and carries the reason.
func wantKind(t *testing.T, what string, err, kind error, reason string) *baton.Error {
	t.Helper()
	var e *baton.Error
	if !errors.Is(err, kind) || !errors.As(err, &e) {
		t.Fatalf("%s: got %v (%T), want %v", what, err, err, kind)
	}
	if e.Reason != reason {
		t.Fatalf("%s: reason %q, want %q", what, e.Reason, reason)
	}
	return e
}

func TestLockErrors(t *testing.T) {
	c := newClient(t, baton.WithOwner("holder@test"))
	ctx := testContext(t)
	name := uniqueName(t)
	lease, err := c.Lock(ctx, name, baton.WithLimit(1))
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.TryLock(ctx, name)
	var locked *baton.LockedError
	if !errors.As(err, &locked) || !errors.Is(err, baton.ErrLocked) {
		t.Fatalf("TryLock on a held lock: %v", err)
	}
	if locked.Name != name || len(locked.Holders) != 1 || locked.Holders[0].Owner != "holder@test" || locked.Holders[0].Fencing != lease.Fencing() || locked.Holders[0].ExpiresAt.IsZero() {
		t.Fatalf("LockedError: %+v", locked)
	}
	if locked.Err.Reason != "LOCK_HELD" || status.Code(err) != codes.Aborted {
		t.Fatalf("LockedError's status: %v %v", locked.Err.Reason, status.Code(err))
	}

	_, err = c.Lock(ctx, name, baton.WithWait(50*time.Millisecond))
	e := wantKind(t, "Lock with a wait that runs out", err, baton.ErrWaitTimeout, "WAIT_TIMEOUT")
	if e.Metadata["name"] != name || e.Code != codes.DeadlineExceeded {
		t.Fatalf("WAIT_TIMEOUT: %+v", e)
	}

	_, err = c.TryLock(ctx, name, baton.WithLimit(3))
	wantKind(t, "TryLock with another limit", err, baton.ErrLimitMismatch, "LIMIT_MISMATCH")

	_, err = c.Lock(ctx, "not a valid name!")
	e = wantKind(t, "Lock with a bad name", err, baton.ErrInvalidArgument, "INVALID_ARGUMENT")
	if e.Field() != "name" {
		t.Fatalf("invalid field %q, want name", e.Field())
	}
	_, err = c.Lock(ctx, name, baton.WithTTL(-time.Second))
	if e = wantKind(t, "Lock with a negative TTL", err, baton.ErrInvalidArgument, "INVALID_ARGUMENT"); e.Field() != "ttl_ms" {
		t.Fatalf("invalid field %q, want ttl_ms", e.Field())
	}

	// Unary calls carry the same details in grpc-status-details-bin.
	_, err = c.Describe(ctx, "not a valid name!")
	wantKind(t, "Describe with a bad name", err, baton.ErrInvalidArgument, "INVALID_ARGUMENT")
	_, err = rawLocks(c).Release(ctx, &lockv1.ReleaseRequest{Name: name, Token: strings.Repeat("0", 32)})
	e = wantKind(t, "Release with a wrong token", baton.FromError(err), baton.ErrNotHeld, "NOT_HELD")
	if e.Code != codes.FailedPrecondition {
		t.Fatalf("NOT_HELD code %v", e.Code)
	}
	_, err = rawLocks(c).Acquire(ctx, &lockv1.AcquireRequest{Name: name, WaitMs: new(int64)})
	if !errors.As(baton.FromError(err), &locked) || len(locked.Holders) != 1 {
		t.Fatalf("unary Acquire on a held lock: %v", err)
	}
	if err := c.Unlock(ctx, lease); err != nil {
		t.Fatal(err)
	}
}

func TestQueueFull(t *testing.T) {
	const maxQueue = 32 // test.sh starts the server with --max-queue 32
	c := newClient(t)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	name := uniqueName(t)
	holder, err := c.Lock(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < maxQueue; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.Lock(ctx, name)
		}()
	}
	eventually(t, 10*time.Second, "the queue is full", func() bool { return len(describe(t, c, name).Waiters) == maxQueue })
	_, err = c.Lock(ctx, name)
	wantKind(t, "Lock on a full queue", err, baton.ErrQueueFull, "QUEUE_FULL")
	cancel()
	wg.Wait()
	_ = c.Unlock(context.Background(), holder)
}

func TestCallDeadline(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := c.Wait(ctx, uniqueName(t))
	if !errors.Is(err, baton.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past its ctx deadline: %v", err)
	}
}

// Reasons a test server cannot be made to answer (it has no credentials, quotas or rate limits),
// decoded from statuses built as the server builds them.
func TestErrorDecoding(t *testing.T) {
	for _, tc := range []struct {
		code   codes.Code
		reason string
		kinds  []error
	}{
		{codes.Unauthenticated, "UNAUTHENTICATED", []error{baton.ErrUnauthenticated}},
		{codes.PermissionDenied, "PERMISSION_DENIED", []error{baton.ErrPermissionDenied}},
		{codes.PermissionDenied, "PROBE_NOT_ALLOWED", []error{baton.ErrProbeNotAllowed, baton.ErrPermissionDenied}},
		{codes.ResourceExhausted, "RATE_LIMITED", []error{baton.ErrRateLimited}},
		{codes.ResourceExhausted, "QUOTA_EXCEEDED", []error{baton.ErrQuotaExceeded}},
		{codes.ResourceExhausted, "MESSAGE_TOO_LARGE", []error{baton.ErrMessageTooLarge}},
		{codes.Unavailable, "STORE_UNAVAILABLE", []error{baton.ErrUnavailable}},
		{codes.Unavailable, "SHUTTING_DOWN", []error{baton.ErrUnavailable}},
		{codes.Internal, "INTERNAL", []error{baton.ErrInternal}},
		{codes.Unavailable, "SOME_FUTURE_REASON", []error{baton.ErrUnavailable}}, // by its code
		{codes.PermissionDenied, "", []error{baton.ErrPermissionDenied}},         // no detail at all
	} {
		info := &errdetails.ErrorInfo{Reason: tc.reason, Domain: "baton", Metadata: map[string]string{"limit": "7"}}
		retry := &errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)}
		var details []*anypb.Any
		if tc.reason != "" {
			details = []*anypb.Any{anyOf(t, "google.rpc.ErrorInfo", info), anyOf(t, "google.rpc.RetryInfo", retry)}
		}
		err := baton.FromError(status.FromProto(&spb.Status{Code: int32(tc.code), Message: "why", Details: details}).Err())
		var e *baton.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Message != "why" {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		for _, kind := range tc.kinds {
			if !errors.Is(err, kind) {
				t.Fatalf("%s does not match %v", tc.reason, kind)
			}
		}
		if errors.Is(err, baton.ErrLocked) || errors.Is(err, baton.ErrNotHeld) {
			t.Fatalf("%s matches a kind it is not", tc.reason)
		}
		if tc.reason != "" && (e.RetryDelay != 1500*time.Millisecond || e.Metadata["limit"] != "7") {
			t.Fatalf("%s: retry %s, metadata %v", tc.reason, e.RetryDelay, e.Metadata)
		}
		if status.Code(err) != tc.code {
			t.Fatalf("status.Code: %v", status.Code(err))
		}
	}
}

func anyOf(t *testing.T, name string, m protov1.Message) *anypb.Any {
	b, err := protov1.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &anypb.Any{TypeUrl: "type.googleapis.com/" + name, Value: b}
}

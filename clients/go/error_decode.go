package baton

import (
	"context"
	"errors"
	"strings"
	"time"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
	protov1 "github.com/golang/protobuf/proto"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// errorDomain is ErrorInfo.domain of every error Baton raises.
const errorDomain = "baton"

// callError turns what a gRPC call returned into the client's error: the server's status with
// its details decoded (grpc-status-details-bin), wrapping the context's error when ctx ended the
// call.
func callError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var mine *Error
	if errors.As(err, &mine) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		st = status.FromContextError(err)
	}
	e := decodeError(st.Code(), st.Message(), st.Proto().GetDetails())
	if ctxErr := ctx.Err(); ctxErr != nil && (st.Code() == codes.Canceled || st.Code() == codes.DeadlineExceeded) {
		baseError(e).cause = ctxErr
	} else if st.Code() == codes.DeadlineExceeded && deadlineReached(ctx) {
		// The server ends a call at the deadline it was sent (grpc-timeout), and its timer can
		// beat ctx's own by a hair: it is still ctx's deadline.
		baseError(e).cause = context.DeadlineExceeded
	}
	return e
}

// deadlineSlack is how close to ctx's deadline a server's deadline_exceeded counts as ctx's own.
const deadlineSlack = 50 * time.Millisecond

// deadlineReached reports whether ctx has a deadline that is (all but) past.
func deadlineReached(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < deadlineSlack
}

// sessionError turns a Session stream's error answer into the client's error.
func sessionError(e *lockv1.SessionError) error {
	code, ok := connectCodes[e.GetCode()]
	if !ok {
		code = codes.Unknown
	}
	return decodeError(code, e.GetMessage(), e.GetDetails())
}

// decodeError builds an *Error from a status and its details, or a *LockedError when the details
// name the holders.
func decodeError(code codes.Code, message string, details []*anypb.Any) error {
	e := &Error{Code: code, Message: message}
	var held *lockv1.LockHeld
	for _, d := range details {
		switch typeName(d.GetTypeUrl()) {
		case "google.rpc.ErrorInfo":
			info := &errdetails.ErrorInfo{}
			if protov1.Unmarshal(d.GetValue(), info) == nil && (info.GetDomain() == errorDomain || info.GetDomain() == "") {
				e.Reason = info.GetReason()
				e.Metadata = info.GetMetadata()
			}
		case "google.rpc.RetryInfo":
			info := &errdetails.RetryInfo{}
			if protov1.Unmarshal(d.GetValue(), info) == nil && info.GetRetryDelay() != nil {
				delay := info.GetRetryDelay()
				e.RetryDelay = time.Duration(delay.GetSeconds())*time.Second + time.Duration(delay.GetNanos())
			}
		case "baton.lock.v1.LockHeld":
			h := &lockv1.LockHeld{}
			if proto.Unmarshal(d.GetValue(), h) == nil {
				held = h
			}
		}
	}
	if held != nil || e.Reason == "LOCK_HELD" {
		locked := &LockedError{Err: e}
		if held != nil {
			locked.Name = held.GetName()
			locked.Limit = held.GetLimit()
			locked.Holders = holdersFromProto(held.GetHolders())
			locked.QueueLength = held.GetQueueLength()
		} else {
			locked.Name = e.Metadata["name"]
		}
		return locked
	}
	return e
}

// baseError finds the *Error inside what decodeError returned.
func baseError(err error) *Error {
	if locked, ok := err.(*LockedError); ok {
		return locked.Err
	}
	return err.(*Error)
}

func typeName(typeURL string) string {
	return typeURL[strings.LastIndex(typeURL, "/")+1:]
}

// connectCodes maps the status names the Session stream uses (Connect's spelling) to gRPC codes.
var connectCodes = map[string]codes.Code{
	"canceled":            codes.Canceled,
	"unknown":             codes.Unknown,
	"invalid_argument":    codes.InvalidArgument,
	"deadline_exceeded":   codes.DeadlineExceeded,
	"not_found":           codes.NotFound,
	"already_exists":      codes.AlreadyExists,
	"permission_denied":   codes.PermissionDenied,
	"resource_exhausted":  codes.ResourceExhausted,
	"failed_precondition": codes.FailedPrecondition,
	"aborted":             codes.Aborted,
	"out_of_range":        codes.OutOfRange,
	"unimplemented":       codes.Unimplemented,
	"internal":            codes.Internal,
	"unavailable":         codes.Unavailable,
	"data_loss":           codes.DataLoss,
	"unauthenticated":     codes.Unauthenticated,
}

// clientError is an error the client raises itself (no server answer), matching kind.
func clientError(code codes.Code, reason, message string) *Error {
	return &Error{Code: code, Reason: reason, Message: message}
}

// FromError converts an error returned by the generated stubs under gen/ (a gRPC status) into
// the client's typed error: an *Error, or a *LockedError, that matches the Err* values. It
// returns nil for nil.
func FromError(err error) error {
	return callError(context.Background(), err)
}

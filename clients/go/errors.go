package baton

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The kinds of failure, one per error reason of the API (baton.errors.v1.ErrorReason). Compare
// with errors.Is: errors.Is(err, baton.ErrLocked). Errors from the server are *Error values (a
// *LockedError for ErrLocked) that match these; an unknown reason matches by its status code.
var (
	// ErrInvalidArgument: a field is malformed or out of range (Error.Field names it).
	ErrInvalidArgument = errors.New("baton: invalid argument")
	// ErrLocked: no permit was free and the call did not wait (TryLock). See LockedError.
	ErrLocked = errors.New("baton: the lock is held")
	// ErrNotHeld: the token holds no permit; the lease expired, was released, or was lost.
	ErrNotHeld = errors.New("baton: the lease is not held")
	// ErrLimitMismatch: the lock is in use with another limit.
	ErrLimitMismatch = errors.New("baton: the lock has another limit")
	// ErrQueueFull: the lock's queue has no room for another waiter.
	ErrQueueFull = errors.New("baton: the lock's queue is full")
	// ErrWaitTimeout: the wait asked for (WithWait) ran out.
	ErrWaitTimeout = errors.New("baton: the wait timed out")
	// ErrDeadlineExceeded: the call's own deadline passed (its context's deadline).
	ErrDeadlineExceeded = errors.New("baton: deadline exceeded")
	// ErrCancelled: the call was cancelled, by its context or because its session ended.
	ErrCancelled = errors.New("baton: cancelled")
	// ErrUnavailable: the server, or its store, cannot be reached, or it is shutting down;
	// nothing was granted. Retry later or against another server.
	ErrUnavailable = errors.New("baton: unavailable")
	// ErrUnauthenticated: the call carries no credentials, or credentials the server refuses.
	ErrUnauthenticated = errors.New("baton: unauthenticated")
	// ErrPermissionDenied: the credentials do not allow this action (also matched by
	// ErrProbeNotAllowed).
	ErrPermissionDenied = errors.New("baton: permission denied")
	// ErrProbeNotAllowed: a readiness probe's target is outside the server's allowlist.
	ErrProbeNotAllowed = errors.New("baton: probe target not allowed")
	// ErrRateLimited: too many requests; Error.RetryDelay says when to retry.
	ErrRateLimited = errors.New("baton: rate limited")
	// ErrQuotaExceeded: a quota of leases, waiters or streams was reached.
	ErrQuotaExceeded = errors.New("baton: quota exceeded")
	// ErrMessageTooLarge: a request is larger than the server accepts.
	ErrMessageTooLarge = errors.New("baton: message too large")
	// ErrPartiesMismatch: a barrier is gathering with another number of parties.
	ErrPartiesMismatch = errors.New("baton: barrier has another number of parties")
	// ErrInternal: something went wrong inside the server; see its log.
	ErrInternal = errors.New("baton: internal server error")
)

// Errors of the client itself.
var (
	// ErrLeaseLost: a lease ended without being unlocked (see LeaseLostError).
	ErrLeaseLost = errors.New("baton: lease lost")
	// ErrLeaseReleased is Lease.Err after Unlock, or after its session was closed.
	ErrLeaseReleased = errors.New("baton: lease released")
	// ErrSessionClosed: the session was closed; open another.
	ErrSessionClosed = errors.New("baton: session closed")
	// ErrSessionLost: the session could not prove it was alive before its deadline, so it and
	// its leases were given up; open another.
	ErrSessionLost = errors.New("baton: session lost")
	// ErrClientClosed: the client was closed.
	ErrClientClosed = errors.New("baton: client closed")
)

// Error is an error answered by the server (or a transport failure, with an empty Reason).
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Reason is the API's reason, e.g. "NOT_HELD" (baton.errors.v1.ErrorReason); empty when the
	// error carried none.
	Reason string
	// Message says what went wrong, in the server's words.
	Message string
	// Metadata holds the facts the reason names (e.g. "field", "name", "queue_length").
	Metadata map[string]string
	// RetryDelay is how long to wait before retrying, when the server said (ErrRateLimited).
	RetryDelay time.Duration

	cause error // a context error, when the call ended because its context did
}

// Error describes the failure.
func (e *Error) Error() string {
	label := e.Reason
	if label == "" {
		label = e.Code.String()
	}
	return fmt.Sprintf("baton: %s: %s", label, e.Message)
}

// Field names the invalid field of an ErrInvalidArgument.
func (e *Error) Field() string { return e.Metadata["field"] }

// Is matches the Err* value of the error's reason, or of its code when the reason is unknown.
func (e *Error) Is(target error) bool {
	kinds, known := reasonKinds[e.Reason]
	if !known {
		kinds = codeKinds[e.Code]
	}
	for _, k := range kinds {
		if k == target {
			return true
		}
	}
	return false
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the call's context ended it.
func (e *Error) Unwrap() error { return e.cause }

// GRPCStatus lets status.Code and status.FromError read the error.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// reasonKinds maps each reason of baton.errors.v1.ErrorReason to the Err* values it matches.
var reasonKinds = map[string][]error{
	"INVALID_ARGUMENT":  {ErrInvalidArgument},
	"LOCK_HELD":         {ErrLocked},
	"NOT_HELD":          {ErrNotHeld},
	"LIMIT_MISMATCH":    {ErrLimitMismatch},
	"QUEUE_FULL":        {ErrQueueFull},
	"WAIT_TIMEOUT":      {ErrWaitTimeout},
	"DEADLINE_EXCEEDED": {ErrDeadlineExceeded},
	"CANCELLED":         {ErrCancelled},
	"STORE_UNAVAILABLE": {ErrUnavailable},
	"SHUTTING_DOWN":     {ErrUnavailable},
	"UNAUTHENTICATED":   {ErrUnauthenticated},
	"PERMISSION_DENIED": {ErrPermissionDenied},
	"PROBE_NOT_ALLOWED": {ErrProbeNotAllowed, ErrPermissionDenied},
	"RATE_LIMITED":      {ErrRateLimited},
	"QUOTA_EXCEEDED":    {ErrQuotaExceeded},
	"MESSAGE_TOO_LARGE": {ErrMessageTooLarge},
	"PARTIES_MISMATCH":  {ErrPartiesMismatch},
	"INTERNAL":          {ErrInternal},
}

// codeKinds is the fallback for errors without a known reason.
var codeKinds = map[codes.Code][]error{
	codes.InvalidArgument:  {ErrInvalidArgument},
	codes.DeadlineExceeded: {ErrDeadlineExceeded},
	codes.Canceled:         {ErrCancelled},
	codes.Unavailable:      {ErrUnavailable},
	codes.Unauthenticated:  {ErrUnauthenticated},
	codes.PermissionDenied: {ErrPermissionDenied},
	codes.Internal:         {ErrInternal},
}

// LockedError is the error of a TryLock that found no free permit (errors.Is ErrLocked): who
// holds the lock, so the caller can say whom it waits for.
type LockedError struct {
	// Name is the lock's name.
	Name string
	// Limit is the lock's number of permits.
	Limit uint32
	// Holders are the current leases, oldest first, with their expiry.
	Holders []Holder
	// QueueLength is how many are waiting.
	QueueLength uint32
	// Err is the error as the server answered it.
	Err *Error
}

// Error names the lock and its holders.
func (e *LockedError) Error() string {
	return fmt.Sprintf("baton: %s is held by %s", e.Name, describeHolders(e.Holders))
}

// Unwrap returns the server's *Error, which matches ErrLocked.
func (e *LockedError) Unwrap() error { return e.Err }

// GRPCStatus lets status.Code and status.FromError read the error.
func (e *LockedError) GRPCStatus() *status.Status { return e.Err.GRPCStatus() }

// LeaseLostError says a lease ended without being unlocked (errors.Is ErrLeaseLost): the server
// reported it gone, or its session could not prove it was alive in time. Whoever held it must
// stop acting on it; its fencing token is stale.
type LeaseLostError struct {
	// Name is the lock's name.
	Name string
	// Fencing is the lost lease's fencing token.
	Fencing uint64
	// Reason says why, in words a person can act on.
	Reason string
	// Err is what the function given to WithLock returned, if anything.
	Err error
}

// Error names the lease and the reason.
func (e *LeaseLostError) Error() string {
	msg := fmt.Sprintf("baton: lease on %s (fencing %d) lost: %s", e.Name, e.Fencing, e.Reason)
	if e.Err != nil {
		msg += "; and: " + e.Err.Error()
	}
	return msg
}

// Is matches ErrLeaseLost.
func (e *LeaseLostError) Is(target error) bool { return target == ErrLeaseLost }

// Unwrap returns the function's error (WithLock), so errors.Is sees both.
func (e *LeaseLostError) Unwrap() error { return e.Err }

func describeHolders(holders []Holder) string {
	if len(holders) == 0 {
		return "nobody (it was just released)"
	}
	s := ""
	for i, h := range holders {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s (fencing %d", h.Owner, h.Fencing)
		if !h.ExpiresAt.IsZero() {
			s += ", until " + h.ExpiresAt.Format(time.RFC3339)
		}
		s += ")"
	}
	return s
}

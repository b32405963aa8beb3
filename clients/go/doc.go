// Package baton is the Go client of Baton, a lock-coordination and rendezvous service.
//
// A Client holds one gRPC connection. Lock operations travel on a Session: one bidirectional
// stream on which the server keeps every lease the session holds alive, as an etcd session keeps
// its lease. The client's default session is opened on first use and serves Client.Lock,
// Client.TryLock and Client.WithLock; NewSession makes more, each with its own lifetime.
//
// A lease ends when it is unlocked, when its session is closed, or when it is lost: the server
// reports it gone, or the session cannot prove it is still alive. The client keeps a deadline on
// the monotonic clock, the send time of the latest request the server answered plus the session's
// TTL (less a margin of 2%, at least 10 ms); when it passes without a newer answer (the process
// was paused, the network is down), every lease of the session is lost at once, before the
// server may hand it to anyone else. Lease.Done closes then, and the context WithLock gives its
// function is cancelled.
//
// Errors carry the server's reason: compare them with errors.Is against the Err* values, or use
// errors.As to get an *Error (code, reason, metadata) or, for ErrLocked, a *LockedError naming
// the holders.
//
// Rendezvous: Signal, Reset, Wait and Subscribe meet on keys; Arrive is a barrier of N parties;
// WaitReady waits until a TCP port, a Postgres database or an HTTP URL answers, probed by the
// server.
package baton

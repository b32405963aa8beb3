package baton

// Points where a test can hold the session's goroutines, to play a paused process.
const (
	pointRead     = "read"     // before an answer is delivered
	pointPing     = "ping"     // before a ping is sent
	pointWatchdog = "watchdog" // before the deadline is checked
)

// sessionHooks lets tests of this package pause a session at the points above.
type sessionHooks struct {
	pause func(point string)
}

func (h *sessionHooks) wait(point string) {
	if h != nil && h.pause != nil {
		h.pause(point)
	}
}

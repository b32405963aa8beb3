package baton

// Hooks for the tests in package baton_test, which otherwise see only the public API.

// Points where WithPauseHook's function is called.
const (
	PointRead     = pointRead
	PointPing     = pointPing
	PointWatchdog = pointWatchdog
)

// WithPauseHook makes a session call pause at each point (before delivering an answer, before
// sending a ping, before checking its deadline), so a test can stop it there to play a paused
// process.
func WithPauseHook(pause func(point string)) SessionOption {
	return sharedOption(func(s *sessionConfig) { s.hooks = &sessionHooks{pause: pause} })
}

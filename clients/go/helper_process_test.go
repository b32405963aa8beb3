package baton_test

import (
	"context"
	"fmt"
	"os"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// helperEnv makes the test binary, run again by a test, hold a lock instead of running tests:
// the test then kills it (kill -9) to see what the server does with a session whose process died.
const helperEnv = "BATON_GO_TEST_HELPER"

// runHelper takes the lock named by BATON_GO_TEST_LOCK on a session with a 1 s TTL and a lease
// TTL of 10 minutes, prints "locked <fencing>", and waits to be killed.
func runHelper() int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := baton.New(ctx, os.Getenv("BATON_URL"), baton.WithOwner("helper-process"))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	s, err := c.NewSession(ctx, baton.WithSessionTTL(time.Second))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	lease, err := s.Lock(ctx, os.Getenv("BATON_GO_TEST_LOCK"), baton.WithTTL(10*time.Minute))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Printf("locked %d\n", lease.Fencing())
	select {} // until killed
}

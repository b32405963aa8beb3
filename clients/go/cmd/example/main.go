// Command example is the README's example: it connects, runs a function under a lock, tries a
// lock that is held, shares a semaphore and meets on a signal. It talks to the server at
// $BATON_URL (default http://127.0.0.1:7070).
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	url := os.Getenv("BATON_URL")
	if url == "" {
		url = "http://127.0.0.1:7070"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	client, err := baton.New(ctx, url, baton.WithOwner("deployer@ci-7"))
	if err != nil {
		return err
	}
	defer client.Close() // releases whatever the client still holds

	// Run a function while holding the lock. Its ctx is cancelled if the lease is lost; pass
	// the fencing token to the resource you protect.
	err = client.WithLock(ctx, "deploy/prod", func(ctx context.Context) error {
		lease := baton.LeaseFromContext(ctx)
		fmt.Printf("deploying with fencing token %d\n", lease.Fencing())

		// Someone else only tries: the lock is held, and the error says by whom.
		other, err := client.NewSession(ctx, baton.WithOwner("someone-else"))
		if err != nil {
			return err
		}
		defer other.Close()
		_, err = other.TryLock(ctx, "deploy/prod")
		var locked *baton.LockedError
		if !errors.As(err, &locked) { // errors.Is(err, baton.ErrLocked) says the same
			return fmt.Errorf("expected the lock to be held, got %v", err)
		}
		fmt.Printf("deploy/prod is busy: held by %s\n", locked.Holders[0].Owner)
		return nil
	})
	if err != nil {
		return err
	}

	// A semaphore: at most 2 of these 5 workers use the GPU box at once.
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := 1; i <= 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- client.WithLock(ctx, "gpu-box", func(ctx context.Context) error {
				fmt.Printf("worker %d has a GPU\n", i)
				time.Sleep(50 * time.Millisecond)
				return nil
			}, baton.WithLimit(2))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}

	// Signal and wait: one goroutine waits for the build, the main one announces it.
	ready := make(chan error, 1)
	go func() {
		signal, err := client.Wait(ctx, "build/42")
		if err == nil {
			fmt.Printf("build 42 is ready: %s\n", signal.Payload)
		}
		ready <- err
	}()
	if _, _, err := client.Signal(ctx, "build/42", "s3://artifacts/42.tar.gz", baton.WithTTL(time.Hour)); err != nil {
		return err
	}
	return <-ready
}

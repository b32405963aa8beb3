// Command bench measures the Go client against a running Baton: C workers, each with its own
// client (connection and session), loop TryLock → Unlock on a lock of their own for a number of
// seconds, as `npm run bench`'s uncontended scenario does with the TypeScript client. It prints
// one JSON line: cycles, cycles per second, and p50/p99 latency of one cycle in milliseconds.
//
//	go run ./cmd/bench -url http://127.0.0.1:7070 -c 16 -seconds 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// result is the JSON line the bench prints.
type result struct {
	Client       string  `json:"client"`
	Scenario     string  `json:"scenario"`
	Concurrency  int     `json:"concurrency"`
	Seconds      float64 `json:"seconds"`
	Cycles       int     `json:"cycles"`
	CyclesPerSec float64 `json:"cyclesPerSec"`
	P50Ms        float64 `json:"p50Ms"`
	P99Ms        float64 `json:"p99Ms"`
}

func main() {
	url := flag.String("url", "http://127.0.0.1:7070", "the server's URL")
	workers := flag.Int("c", 1, "concurrent workers, each with its own client and lock")
	seconds := flag.Float64("seconds", 5, "length of the timed run")
	prefix := flag.String("prefix", "bench/go-", "lock names are <prefix><worker>")
	flag.Parse()
	r, err := run(*url, *workers, time.Duration(*seconds*float64(time.Second)), *prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
}

func run(url string, workers int, duration time.Duration, prefix string) (*result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), duration+time.Minute)
	defer cancel()
	clients := make([]*baton.Client, workers)
	for i := range clients {
		c, err := baton.New(ctx, url)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		clients[i] = c
		// One warm-up cycle each, so connection and session setup are not measured.
		if err := cycle(ctx, c, fmt.Sprintf("%s%d", prefix, i)); err != nil {
			return nil, err
		}
	}
	latencies := make([][]time.Duration, workers)
	errs := make(chan error, workers)
	until := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *baton.Client) {
			defer wg.Done()
			name := fmt.Sprintf("%s%d", prefix, i)
			for time.Now().Before(until) {
				start := time.Now()
				if err := cycle(ctx, c, name); err != nil {
					errs <- err
					return
				}
				latencies[i] = append(latencies[i], time.Since(start))
			}
		}(i, c)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no cycle completed in %s", duration)
	}
	return &result{
		Client:       "go",
		Scenario:     "uncontended acquire→release",
		Concurrency:  workers,
		Seconds:      duration.Seconds(),
		Cycles:       len(all),
		CyclesPerSec: float64(len(all)) / duration.Seconds(),
		P50Ms:        percentile(all, 50),
		P99Ms:        percentile(all, 99),
	}, nil
}

// cycle takes the worker's lock without waiting, as the TypeScript bench does, and gives it back.
func cycle(ctx context.Context, c *baton.Client, name string) error {
	lease, err := c.TryLock(ctx, name)
	if err != nil {
		return err
	}
	return c.Unlock(ctx, lease)
}

// percentile is the nearest-rank percentile in milliseconds (the TypeScript bench's method).
func percentile(values []time.Duration, p float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	rank := int(math.Ceil(p/100*float64(len(values)))) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(values) {
		rank = len(values) - 1
	}
	return float64(values[rank]) / float64(time.Millisecond)
}

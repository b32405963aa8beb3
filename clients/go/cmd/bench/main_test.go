package main

import (
	"os"
	"testing"
	"time"
)

// The bench runs and its figures add up; what they are is for `npm run bench` to report.
func TestBenchRuns(t *testing.T) {
	url := os.Getenv("BATON_URL")
	if url == "" {
		t.Skip("BATON_URL is not set: run clients/go/test.sh")
	}
	r, err := run(url, 2, 300*time.Millisecond, "go-test/bench-")
	if err != nil {
		t.Fatal(err)
	}
	if r.Cycles == 0 || r.CyclesPerSec <= 0 || r.P50Ms <= 0 || r.P99Ms < r.P50Ms {
		t.Fatalf("result %+v", r)
	}
}

package baton_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	baton "github.com/baton-dev/baton/clients/go"
)

// A candidate leads, proclaims and resigns; the next leads with a higher term; an observer sees
// the leader first and then every change.
func TestElectionCampaignObserveProclaimResign(t *testing.T) {
	name := uniqueName(t)
	ctx := testContext(t)
	a, b := newClient(t, baton.WithOwner("a")), newClient(t, baton.WithOwner("b"))
	if l, err := a.Leader(ctx, name); err != nil || l != nil {
		t.Fatalf("leader of a new election: %v, %v", l, err)
	}
	obs, err := b.Observe(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	if first, err := obs.Recv(); err != nil || first != nil {
		t.Fatalf("first observation: %v, %v; want nobody", first, err)
	}
	lead, err := a.Campaign(ctx, name, "a:80")
	if err != nil {
		t.Fatal(err)
	}
	if lead.Value() != "a:80" {
		t.Fatalf("value %q", lead.Value())
	}
	next := make(chan *baton.Lease, 1)
	go func() {
		l, err := b.Campaign(ctx, name, "b:80")
		if err != nil {
			t.Error(err)
		}
		next <- l
	}()
	if _, err := a.Proclaim(ctx, lead, "a:81"); err != nil {
		t.Fatal(err)
	}
	if err := a.Resign(ctx, lead); err != nil {
		t.Fatal(err)
	}
	bLead := <-next
	if bLead == nil || bLead.Fencing() <= lead.Fencing() {
		t.Fatalf("next term %v after %d", bLead, lead.Fencing())
	}
	var seen []string
	for len(seen) == 0 || seen[len(seen)-1] != "b=b:80" {
		l, err := obs.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if l != nil {
			seen = append(seen, l.Owner+"="+l.Value)
		}
	}
	// Changes may coalesce (a's new value can be overtaken by b's election), never reorder.
	if seen[0] != "a=a:80" && seen[0] != "a=a:81" {
		t.Fatalf("observed %v", seen)
	}
	if _, err := a.Proclaim(ctx, lead, "stale"); !errors.Is(err, baton.ErrNotHeld) {
		t.Fatalf("proclaim with a resigned lease: %v, want ErrNotHeld", err)
	}
	if l, err := a.Leader(ctx, name); err != nil || l == nil || l.Owner != "b" || l.Term != bLead.Fencing() {
		t.Fatalf("leader %+v, %v", l, err)
	}
}

// A leader whose client closes is replaced at once by the next candidate.
func TestElectionLeaderDeathHandsOver(t *testing.T) {
	name := uniqueName(t)
	ctx := testContext(t)
	doomed := newClient(t, baton.WithOwner("doomed"))
	next := newClient(t, baton.WithOwner("next"))
	first, err := doomed.Campaign(ctx, name, "d")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *baton.Lease, 1)
	go func() {
		l, err := next.Campaign(ctx, name, "n")
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	waitFor(t, func() bool {
		info, err := next.Describe(ctx, name)
		return err == nil && len(info.Waiters) == 1
	})
	_ = doomed.Close()
	select {
	case l := <-got:
		if l == nil || l.Fencing() <= first.Fencing() {
			t.Fatalf("new leader %v after term %d", l, first.Fencing())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no new leader after the leader's client closed")
	}
}

// Readers share, writers exclude everyone; weighted permits never exceed the limit.
func TestSharedAndWeightedNeverOverlap(t *testing.T) {
	ctx := testContext(t)
	rw, sem := uniqueName(t)+"-rw", uniqueName(t)+"-sem"
	var readers, writers, held, maxReaders int32
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		c := newClient(t)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < 10; r++ {
				shared := (w+r)%3 != 0
				var opts []baton.CallOption
				if shared {
					opts = append(opts, baton.WithShared())
				}
				lease, err := c.Lock(ctx, rw, opts...)
				if err != nil {
					t.Error(err)
					return
				}
				if shared {
					n := atomic.AddInt32(&readers, 1)
					for m := atomic.LoadInt32(&maxReaders); n > m && !atomic.CompareAndSwapInt32(&maxReaders, m, n); m = atomic.LoadInt32(&maxReaders) {
					}
					if atomic.LoadInt32(&writers) != 0 {
						t.Error("a reader beside a writer")
					}
				} else if atomic.AddInt32(&writers, 1) != 1 || atomic.LoadInt32(&readers) != 0 {
					t.Error("a writer beside another holder")
				}
				time.Sleep(time.Millisecond)
				if shared {
					atomic.AddInt32(&readers, -1)
				} else {
					atomic.AddInt32(&writers, -1)
				}
				if err := c.Unlock(ctx, lease); err != nil {
					t.Error(err)
					return
				}
				k := uint32(1 + (w+r)%4)
				lease, err = c.Lock(ctx, sem, baton.WithLimit(4), baton.WithPermits(k))
				if err != nil {
					t.Error(err)
					return
				}
				if lease.Permits() != k {
					t.Errorf("lease holds %d permits, asked %d", lease.Permits(), k)
				}
				if n := atomic.AddInt32(&held, int32(k)); n > 4 {
					t.Errorf("%d permits held of 4", n)
				}
				time.Sleep(time.Millisecond)
				atomic.AddInt32(&held, -int32(k))
				if err := c.Unlock(ctx, lease); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if maxReaders < 2 {
		t.Logf("readers never overlapped (max %d): the run was too sequential to show sharing", maxReaders)
	}
	c := newClient(t)
	if _, err := c.Lock(ctx, sem, baton.WithPermits(5)); !errors.Is(err, baton.ErrInvalidArgument) {
		t.Fatalf("5 permits of 4: %v, want ErrInvalidArgument", err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

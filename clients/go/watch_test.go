package baton_test

import (
	"errors"
	"strings"
	"testing"

	baton "github.com/baton-dev/baton/clients/go"
)

func TestDescribeListWatchReserve(t *testing.T) {
	c := newClient(t, baton.WithOwner("watched"))
	ctx := testContext(t)
	prefix := uniqueName(t) + "/"
	w, err := c.Watch(ctx, prefix, baton.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func(want baton.LockEventKind) *baton.LockEvent {
		t.Helper()
		ev, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != want {
			t.Fatalf("event %s, want %s", ev.Kind, want)
		}
		return ev
	}
	a, err := c.Lock(ctx, prefix+"a")
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(baton.LockGranted); ev.Lock.Name != prefix+"a" || len(ev.Lock.Holders) != 1 || ev.Lock.Holders[0].Fencing != a.Fencing() {
		t.Fatalf("granted event: %+v", ev.Lock)
	}
	b, err := c.Lock(ctx, prefix+"b", baton.WithLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	next(baton.LockGranted)

	info := describe(t, c, prefix+"b")
	if info.Limit != 2 || len(info.Holders) != 1 || info.Holders[0].Owner != "watched" || info.LastFencing != b.Fencing() {
		t.Fatalf("describe: %+v", info)
	}
	page, err := c.List(ctx, prefix, baton.WithPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Locks) != 1 || page.Locks[0].Name != prefix+"a" || page.NextPageToken == "" {
		t.Fatalf("first page: %+v", page)
	}
	page, err = c.List(ctx, prefix, baton.WithPageSize(1), baton.WithPageToken(page.NextPageToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Locks) != 1 || page.Locks[0].Name != prefix+"b" {
		t.Fatalf("second page: %+v", page)
	}

	if err := c.Unlock(ctx, a); err != nil {
		t.Fatal(err)
	}
	next(baton.LockReleased)
	_ = c.Unlock(ctx, b)
	next(baton.LockReleased)

	name, err := c.Reserve(ctx, prefix, baton.WithLimit(4))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, prefix) {
		t.Fatalf("reserved %q", name)
	}
	if ev := next(baton.LockReserved); ev.Lock.Name != name || !ev.Lock.Reserved || ev.Lock.Limit != 4 {
		t.Fatalf("reserved event: %+v", ev.Lock)
	}

	// A second watcher asks for the current state first.
	w2, err := c.Watch(ctx, name, baton.WithInitial())
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := w2.Recv(); err != nil || ev.Kind != baton.LockSnapshot || ev.Lock.Name != name {
		t.Fatalf("snapshot: %+v %v", ev, err)
	}
	w2.Close()
	if _, err := w2.Recv(); !errors.Is(err, baton.ErrCancelled) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

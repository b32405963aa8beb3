package baton

import (
	"context"

	lockv1 "github.com/baton-dev/baton/clients/go/gen/baton/lock/v1"
)

// Describe shows one lock: its limit, holders (without tokens) and waiters in queue order. A lock
// nobody holds or waits for is described as free.
func (c *Client) Describe(ctx context.Context, name string) (*LockInfo, error) {
	res, err := c.locks.Describe(ctx, &lockv1.DescribeRequest{Name: name})
	if err != nil {
		return nil, callError(ctx, err)
	}
	return lockFromProto(res.GetLock()), nil
}

// LockPage is one page of List.
type LockPage struct {
	// Locks are the page's locks, by name.
	Locks []*LockInfo
	// NextPageToken continues the listing (WithPageToken); empty on the last page.
	NextPageToken string
}

// List shows the locks whose names start with prefix that are held, waited for or reserved, by
// name, a page at a time. Options: WithPageSize, WithPageToken.
func (c *Client) List(ctx context.Context, prefix string, opts ...CallOption) (*LockPage, error) {
	cfg := callOptions(opts)
	res, err := c.locks.List(ctx, &lockv1.ListRequest{Prefix: prefix, PageSize: cfg.pageSize, PageToken: cfg.pageToken})
	if err != nil {
		return nil, callError(ctx, err)
	}
	page := &LockPage{NextPageToken: res.GetNextPageToken()}
	for _, l := range res.GetLocks() {
		page.Locks = append(page.Locks, lockFromProto(l))
	}
	return page, nil
}

// Reserve creates a lock under a random, unguessable name starting with prefix, kept while idle,
// and returns its name. Options: WithLimit.
func (c *Client) Reserve(ctx context.Context, prefix string, opts ...CallOption) (string, error) {
	cfg := callOptions(opts)
	res, err := c.locks.Reserve(ctx, &lockv1.ReserveRequest{Prefix: prefix, Limit: cfg.limit})
	if err != nil {
		return "", callError(ctx, err)
	}
	return res.GetName(), nil
}

package baton

import (
	"context"

	rendezvousv1 "github.com/baton-dev/baton/clients/go/gen/baton/rendezvous/v1"
)

// Arrival is what a participant learns when its barrier trips.
type Arrival struct {
	// Generation is the generation that tripped: 1 for the barrier's first trip, then one more
	// per trip.
	Generation uint64
	// Index is this participant's place in the arrival order: 1 arrived first, Parties last.
	Index int
	// Parties is how many participants the barrier gathered.
	Parties int
}

// Arrive joins the barrier key of parties participants and waits until all have arrived; then
// every participant returns at once and the barrier starts a new generation. It waits as long
// as ctx lives, or up to WithWait (then it leaves the barrier and fails with ErrWaitTimeout).
// Every participant of a generation must name the same parties (ErrPartiesMismatch).
func (c *Client) Arrive(ctx context.Context, key string, parties int, opts ...CallOption) (*Arrival, error) {
	cfg := callOptions(opts)
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rendezvous.Arrive(actx, &rendezvousv1.ArriveRequest{Key: key, Parties: uint32(parties), WaitMs: optionalMillis(cfg.wait), Owner: c.session.owner})
	if err != nil {
		return nil, callError(ctx, err)
	}
	for {
		res, err := stream.Recv()
		if err != nil {
			return nil, streamEnd(ctx, err, "the barrier stream ended before it tripped")
		}
		if t := res.GetTripped(); t != nil {
			return &Arrival{Generation: t.GetGeneration(), Index: int(t.GetIndex()), Parties: int(t.GetParties())}, nil
		}
	}
}

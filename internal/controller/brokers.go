package controller

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/samsa-io/samsa/internal/metadata"
)

// ProducerIDBlockSize is how many producer IDs a broker asks for at a time
// (Kafka's ProducerIdManager block size): it hands them out locally, so the
// controller sees one AllocateProducerIDs per thousand InitProducerId calls.
const ProducerIDBlockSize = 1000

// BrokerRegistration is a broker announcing itself to the controller at
// start (Kafka's BrokerRegistrationRequest).
type BrokerRegistration struct {
	// ID is the broker's node.id.
	ID int32
	// IncarnationID is random per broker process start, so a retried
	// registration is told apart from a restart.
	IncarnationID [16]byte
	// Endpoints are the advertised listeners, unique by name.
	Endpoints []metadata.Endpoint
	// Rack is broker.rack, nil when unset.
	Rack *string
}

// RegisterBroker registers a broker, or updates its registration. The
// broker is unfenced at once: without broker heartbeats yet, a registered
// broker is taken as alive (fencing on missed heartbeats will come with
// them). A retry of an identical registration writes nothing.
func (c *Controller) RegisterBroker(ctx context.Context, reg BrokerRegistration) error {
	reg.Endpoints = slices.Clone(reg.Endpoints)
	if reg.Rack != nil {
		rack := *reg.Rack
		reg.Rack = &rack
	}
	if err := validateRegistration(reg); err != nil {
		c.metrics.operations.WithLabelValues(opRegisterBroker).Inc()
		return err
	}
	_, err := c.submit(ctx, opRegisterBroker, func(img *metadata.Image) ([]metadata.Record, error) {
		rec := &metadata.RegisterBrokerRecord{
			BrokerID: reg.ID, IncarnationID: reg.IncarnationID, Endpoints: reg.Endpoints, Rack: reg.Rack,
		}
		cur, ok := img.Broker(reg.ID)
		if ok && cur.Equal(metadata.BrokerImage{
			ID: rec.BrokerID, IncarnationID: rec.IncarnationID, Endpoints: rec.Endpoints, Rack: rec.Rack,
		}) {
			return nil, nil
		}
		return []metadata.Record{rec}, nil
	})
	return err
}

func validateRegistration(reg BrokerRegistration) error {
	switch {
	case reg.ID < 0:
		return fmt.Errorf("%w: broker ID %d is negative", ErrInvalidRequest, reg.ID)
	case metadata.UUID(reg.IncarnationID).IsZero():
		return fmt.Errorf("%w: broker %d: zero incarnation ID", ErrInvalidRequest, reg.ID)
	case len(reg.Endpoints) == 0:
		return fmt.Errorf("%w: broker %d advertises no endpoint", ErrInvalidRequest, reg.ID)
	}
	names := map[string]bool{}
	for _, e := range reg.Endpoints {
		switch {
		case e.Name == "":
			return fmt.Errorf("%w: broker %d: an endpoint has no listener name", ErrInvalidRequest, reg.ID)
		case names[e.Name]:
			return fmt.Errorf("%w: broker %d: two endpoints named %q", ErrInvalidRequest, reg.ID, e.Name)
		case e.Port <= 0 || e.Port > math.MaxUint16:
			return fmt.Errorf("%w: broker %d: endpoint %q has port %d", ErrInvalidRequest, reg.ID, e.Name, e.Port)
		}
		names[e.Name] = true
	}
	return nil
}

// AllocateProducerIDs hands broker brokerID the next count producer IDs and
// returns the first: the block is [start, start+count). IDs are never
// handed out twice, across restarts and failovers, because the block is
// committed to the metadata log before it is returned. Brokers ask for
// ProducerIDBlockSize at a time. The broker must be registered
// (ErrBrokerNotRegistered).
func (c *Controller) AllocateProducerIDs(ctx context.Context, brokerID int32, count int32) (start int64, err error) {
	if count <= 0 {
		c.metrics.operations.WithLabelValues(opAllocateIDs).Inc()
		return 0, fmt.Errorf("%w: producer ID block of %d", ErrInvalidRequest, count)
	}
	var first int64
	ran, err := c.submit(ctx, opAllocateIDs, func(img *metadata.Image) ([]metadata.Record, error) {
		if _, ok := img.Broker(brokerID); !ok {
			return nil, fmt.Errorf("%w: broker %d", ErrBrokerNotRegistered, brokerID)
		}
		next := img.NextProducerID()
		if next > math.MaxInt64-int64(count) {
			return nil, fmt.Errorf("%w: producer IDs exhausted", ErrInvalidRequest)
		}
		first = next
		return []metadata.Record{&metadata.ProducerIDsRecord{BrokerID: brokerID, NextProducerID: next + int64(count)}}, nil
	})
	if !ran || err != nil {
		return 0, err
	}
	return first, nil
}

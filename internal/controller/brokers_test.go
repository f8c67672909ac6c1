package controller

import (
	"context"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

func TestRegisterBroker(t *testing.T) {
	t.Parallel()
	c := newStarted(t)
	ctx := context.Background()
	reg := registration(1)
	reg.Rack = ptr("rack-a")
	if err := c.RegisterBroker(ctx, reg); err != nil {
		t.Fatal(err)
	}
	b, ok := c.Image().Broker(1)
	if !ok || b.Fenced || *b.Rack != "rack-a" || b.Endpoints[0].Port != 9093 || b.IncarnationID != metadata.UUID(reg.IncarnationID) {
		t.Fatalf("broker 1 = %+v, %v", b, ok)
	}
	// A retry writes nothing.
	off := c.Image().Offset()
	if err := c.RegisterBroker(ctx, reg); err != nil || c.Image().Offset() != off {
		t.Fatalf("retried registration: %v, offset %d → %d", err, off, c.Image().Offset())
	}
	// A restart (new incarnation) re-registers, and unfences.
	c.fence(t, 1)
	reg.IncarnationID = [16]byte{7}
	reg.Endpoints = append(reg.Endpoints, metadata.Endpoint{Name: "SSL", Host: "h", Port: 9443, SecurityProtocol: 1})
	if err := c.RegisterBroker(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Image().Broker(1); b.Fenced || len(b.Endpoints) != 2 || b.IncarnationID != (metadata.UUID{7}) {
		t.Fatalf("re-registered broker %+v", b)
	}

	bad := []struct {
		name   string
		mutate func(*BrokerRegistration)
	}{
		{"negative ID", func(r *BrokerRegistration) { r.ID = -1 }},
		{"zero incarnation", func(r *BrokerRegistration) { r.IncarnationID = [16]byte{} }},
		{"no endpoints", func(r *BrokerRegistration) { r.Endpoints = nil }},
		{"unnamed endpoint", func(r *BrokerRegistration) { r.Endpoints[0].Name = "" }},
		{"duplicate endpoint", func(r *BrokerRegistration) { r.Endpoints = append(r.Endpoints, r.Endpoints[0]) }},
		{"port zero", func(r *BrokerRegistration) { r.Endpoints[0].Port = 0 }},
		{"port too big", func(r *BrokerRegistration) { r.Endpoints[0].Port = 70000 }},
	}
	for _, tc := range bad {
		r := registration(5)
		tc.mutate(&r)
		wantErr(t, tc.name, c.RegisterBroker(ctx, r), ErrInvalidRequest)
	}
	if _, ok := c.Image().Broker(5); ok {
		t.Fatal("an invalid registration was written")
	}
}

func TestAllocateProducerIDs(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1, 2)
	ctx := context.Background()
	for i, broker := range []int32{1, 2, 1} {
		start, err := c.AllocateProducerIDs(ctx, broker, ProducerIDBlockSize)
		if err != nil {
			t.Fatal(err)
		}
		if start != int64(i)*ProducerIDBlockSize {
			t.Fatalf("block %d starts at %d", i, start)
		}
	}
	if got := c.Image().NextProducerID(); got != 3*ProducerIDBlockSize {
		t.Fatalf("next producer ID %d", got)
	}
	_, err := c.AllocateProducerIDs(ctx, 9, ProducerIDBlockSize)
	wantErr(t, "unregistered broker", err, ErrBrokerNotRegistered)
	for _, n := range []int32{0, -1} {
		_, err := c.AllocateProducerIDs(ctx, 1, n)
		wantErr(t, "bad count", err, ErrInvalidRequest)
	}
}

package controller

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/metadata"
)

// testLogger discards: raft is chatty, and failures print their own detail.
func testLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testOptions(dir string) Options {
	opts := DefaultOptions()
	opts.Dir = dir
	return opts
}

// startController creates and starts a controller on dir, closed at the end
// of the test.
func startController(t testing.TB, opts Options) *Controller {
	t.Helper()
	c, err := New(opts, testLogger(), prometheus.NewRegistry())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return c
}

// newStarted starts a controller in a fresh directory with brokers
// registered.
func newStarted(t testing.TB, brokers ...int32) *Controller {
	t.Helper()
	c := startController(t, testOptions(t.TempDir()))
	registerBrokers(t, c, brokers...)
	return c
}

func registerBrokers(t testing.TB, c *Controller, ids ...int32) {
	t.Helper()
	for _, id := range ids {
		if err := c.RegisterBroker(context.Background(), registration(id)); err != nil {
			t.Fatalf("RegisterBroker(%d): %v", id, err)
		}
	}
}

func registration(id int32) BrokerRegistration {
	return BrokerRegistration{
		ID:            id,
		IncarnationID: metadata.UUID{byte(id), 0xff},
		Endpoints:     []metadata.Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092 + id}},
	}
}

func ptr(s string) *string { return &s }

// wantErr checks err against a sentinel (nil for success).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: err %v, want %v", what, err, want)
	}
}

// createTopic creates one topic and fails the test on error.
func createTopic(t testing.TB, c *Controller, name string, partitions int32, rf int16) CreateTopicResult {
	t.Helper()
	res := c.CreateTopics(context.Background(), []CreateTopic{{Name: name, NumPartitions: partitions, ReplicationFactor: rf}})
	if res[0].Err != nil {
		t.Fatalf("CreateTopics(%s): %v", name, res[0].Err)
	}
	return res[0]
}

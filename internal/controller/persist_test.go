package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

// populate runs one of every operation and returns the topic IDs.
func populate(t *testing.T, c *Controller, prefix string, n int) map[string]metadata.UUID {
	t.Helper()
	ids := map[string]metadata.UUID{}
	for i := range n {
		name := fmt.Sprintf("%s%d", prefix, i)
		r := c.CreateTopics(context.Background(), []CreateTopic{{Name: name, NumPartitions: 2, ReplicationFactor: 2,
			Configs: map[string]*string{"retention.ms": ptr(fmt.Sprint(i))}}})[0]
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ids[name] = r.TopicID
		if i%3 == 0 {
			if r := c.CreatePartitions(context.Background(), []CreatePartitions{{Topic: name, Count: 3}})[0]; r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		if i%5 == 4 {
			if r := c.DeleteTopics(context.Background(), []string{name}, nil)[0]; r.Err != nil {
				t.Fatal(r.Err)
			}
			delete(ids, name)
		}
		if _, err := c.AllocateProducerIDs(context.Background(), 1, ProducerIDBlockSize); err != nil {
			t.Fatal(err)
		}
	}
	r := c.AlterConfigs(context.Background(), []AlterConfigsResource{{Type: metadata.ConfigResourceBroker, Name: "",
		Configs: []AlterConfig{{Name: "log.retention.ms", Op: ConfigSet, Value: ptr("99")}}}}, true, false)[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	return ids
}

func TestRestartPersistence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startController(t, testOptions(dir))
	registerBrokers(t, c, 1, 2)
	ids := populate(t, c, "p", 10)
	want := c.Image()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2 := startController(t, testOptions(dir))
	got := c2.Image()
	if !reflect.DeepEqual(got.Records(), want.Records()) {
		t.Fatal("the image after a restart differs")
	}
	if got.ClusterID() != want.ClusterID() || got.NextProducerID() != want.NextProducerID() {
		t.Fatalf("cluster ID or producer IDs changed: %s %d, was %s %d", got.ClusterID(), got.NextProducerID(), want.ClusterID(), want.NextProducerID())
	}
	for name, id := range ids {
		if got.Topic(name) == nil || got.Topic(name).ID != id {
			t.Fatalf("topic %s lost its ID", name)
		}
	}
	// Operations go on from the persisted state.
	start, err := c2.AllocateProducerIDs(context.Background(), 2, ProducerIDBlockSize)
	if err != nil || start != want.NextProducerID() {
		t.Fatalf("first block after restart: %d, %v; want %d", start, err, want.NextProducerID())
	}
	if r := c2.CreateTopics(context.Background(), []CreateTopic{{Name: "p0", NumPartitions: 1, ReplicationFactor: 1}})[0]; r.Err == nil {
		t.Fatal("a persisted topic could be created again")
	}
}

// TestSnapshotRestore forces a raft snapshot, truncates the log behind it,
// and restarts: the image must come back from the snapshot plus the log
// after it.
func TestSnapshotRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := testOptions(dir)
	// Keep no log behind a snapshot, so the restart must restore it.
	opts.TrailingLogs = 0
	c := startController(t, opts)
	registerBrokers(t, c, 1, 2, 3)
	populate(t, c, "s", 40)
	if err := c.raft.Snapshot().Error(); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	snapOffset := c.Image().Offset()
	populate(t, c, "after", 5) // entries after the snapshot, replayed from the log
	want := c.Image()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "state.bin"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots on disk: %v", snaps)
	}

	// Subscribers see the restored image as one delta from empty, then the
	// replayed entries.
	c2, err := New(opts, testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	first, err := c2.logs.FirstIndex()
	if err != nil || first <= 1 {
		t.Fatalf("the log was not truncated behind the snapshot: first index %d, %v", first, err)
	}
	var offsets []int64
	c2.Subscribe(func(img *metadata.Image, _ *metadata.Delta) { offsets = append(offsets, img.Offset()) })
	if err := c2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(offsets) < 3 || offsets[0] != -1 || offsets[1] != snapOffset {
		t.Fatalf("published offsets %v; want -1, the snapshot's %d, then the replay", offsets, snapOffset)
	}
	if !reflect.DeepEqual(c2.Image().Records(), want.Records()) {
		t.Fatal("the image restored from snapshot + log differs")
	}
	if info, err := os.Stat(filepath.Join(dir, storeFile)); err != nil || info.Size() == 0 {
		t.Fatalf("raft.db: %v", err)
	}
}

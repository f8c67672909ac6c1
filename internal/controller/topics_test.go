package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

func TestCreateTopics(t *testing.T) {
	t.Parallel()
	opts := testOptions(t.TempDir())
	opts.DefaultNumPartitions = 3
	opts.DefaultReplicationFactor = 2
	opts.ValidateTopicConfig = func(cfg map[string]*string) error {
		if v := cfg["retention.ms"]; v != nil && strings.HasPrefix(*v, "-2") {
			return fmt.Errorf("retention.ms %s is out of range", *v)
		}
		return nil
	}
	c := startController(t, opts)
	registerBrokers(t, c, 1, 2, 3)
	createTopic(t, c, "existing", 1, 1)
	createTopic(t, c, "with.dot", 1, 1)
	c.fence(t, 3)

	tests := []struct {
		name    string
		topic   CreateTopic
		want    error
		wantN   int32
		wantRF  int16
		created bool
	}{
		{"explicit", CreateTopic{Name: "a", NumPartitions: 4, ReplicationFactor: 2}, nil, 4, 2, true},
		{"defaults", CreateTopic{Name: "b", NumPartitions: -1, ReplicationFactor: -1}, nil, 3, 2, true},
		{"max length name", CreateTopic{Name: strings.Repeat("x", 249), NumPartitions: 1, ReplicationFactor: 1}, nil, 1, 1, true},
		{"all legal characters", CreateTopic{Name: "aZ09._-", NumPartitions: 1, ReplicationFactor: 1}, nil, 1, 1, true},
		{"manual assignment", CreateTopic{Name: "m", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {2, 1}, 1: {1, 2}}}, nil, 2, 2, true},
		{"manual assignment with a fenced replica", CreateTopic{Name: "mf", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {3, 1}}}, nil, 1, 2, true},
		{"configs", CreateTopic{Name: "cfg", NumPartitions: 1, ReplicationFactor: 1,
			Configs: map[string]*string{"retention.ms": ptr("1000"), "ignored": nil}}, nil, 1, 1, true},
		{"validate only", CreateTopic{Name: "v", NumPartitions: 2, ReplicationFactor: 1, ValidateOnly: true}, nil, 2, 1, false},

		{"exists", CreateTopic{Name: "existing", NumPartitions: 1, ReplicationFactor: 1}, ErrTopicAlreadyExists, 0, 0, false},
		{"collides", CreateTopic{Name: "with_dot", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"empty name", CreateTopic{Name: "", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"dot", CreateTopic{Name: ".", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"dot dot", CreateTopic{Name: "..", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"too long", CreateTopic{Name: strings.Repeat("x", 250), NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"illegal character", CreateTopic{Name: "a/b", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"non-ASCII", CreateTopic{Name: "café", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, 0, 0, false},
		{"zero partitions", CreateTopic{Name: "p0", NumPartitions: 0, ReplicationFactor: 1}, ErrInvalidPartitions, 0, 0, false},
		{"negative partitions", CreateTopic{Name: "pn", NumPartitions: -2, ReplicationFactor: 1}, ErrInvalidPartitions, 0, 0, false},
		{"too many partitions", CreateTopic{Name: "pm", NumPartitions: maxNewPartitions + 1, ReplicationFactor: 1}, ErrInvalidPartitions, 0, 0, false},
		{"zero replication", CreateTopic{Name: "r0", NumPartitions: 1, ReplicationFactor: 0}, ErrInvalidReplicationFactor, 0, 0, false},
		{"replication above unfenced brokers", CreateTopic{Name: "r3", NumPartitions: 1, ReplicationFactor: 3}, ErrInvalidReplicationFactor, 0, 0, false},
		{"assignment with a count", CreateTopic{Name: "ac", NumPartitions: 1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {1}}}, ErrInvalidRequest, 0, 0, false},
		{"assignment gap", CreateTopic{Name: "ag", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {1}, 2: {2}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"assignment empty list", CreateTopic{Name: "ae", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"assignment repeated broker", CreateTopic{Name: "ar", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {1, 1}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"assignment unregistered broker", CreateTopic{Name: "au", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {1, 9}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"assignment unequal lengths", CreateTopic{Name: "al", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {1, 2}, 1: {1}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"assignment all fenced", CreateTopic{Name: "aa", NumPartitions: -1, ReplicationFactor: -1,
			Assignments: map[int32][]int32{0: {3}}}, ErrInvalidReplicaAssignment, 0, 0, false},
		{"config rejected", CreateTopic{Name: "bad", NumPartitions: 1, ReplicationFactor: 1,
			Configs: map[string]*string{"retention.ms": ptr("-20")}}, ErrInvalidConfig, 0, 0, false},
		{"empty config name", CreateTopic{Name: "bad2", NumPartitions: 1, ReplicationFactor: 1,
			Configs: map[string]*string{"": ptr("1")}}, ErrInvalidConfig, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := c.Image().Offset()
			r := c.CreateTopics(context.Background(), []CreateTopic{tc.topic})[0]
			wantErr(t, "CreateTopics", r.Err, tc.want)
			if r.Name != tc.topic.Name {
				t.Fatalf("result name %q", r.Name)
			}
			if tc.want != nil {
				if r.TopicID != (metadata.UUID{}) || c.Image().Offset() != before {
					t.Fatalf("a failed create wrote something: %+v", r)
				}
				return
			}
			if r.NumPartitions != tc.wantN || r.ReplicationFactor != tc.wantRF {
				t.Fatalf("result %d partitions, rf %d; want %d, %d", r.NumPartitions, r.ReplicationFactor, tc.wantN, tc.wantRF)
			}
			topic := c.Image().Topic(tc.topic.Name)
			if !tc.created {
				if topic != nil || !r.TopicID.IsZero() {
					t.Fatal("validate-only created the topic")
				}
				return
			}
			// The result is visible in the image as soon as the call returns.
			if topic == nil || topic.ID != r.TopicID || r.TopicID.IsZero() {
				t.Fatalf("topic %v, result ID %v", topic, r.TopicID)
			}
			if topic.NumPartitions() != tc.wantN || topic.ReplicationFactor() != tc.wantRF {
				t.Fatalf("image: %d partitions, rf %d", topic.NumPartitions(), topic.ReplicationFactor())
			}
			for p, part := range topic.Partitions {
				if part.LeaderEpoch != 0 || part.PartitionEpoch != 0 || len(part.ISR) == 0 || part.Leader != part.ISR[0] {
					t.Fatalf("partition %d: %+v", p, part)
				}
				if a := tc.topic.Assignments; a != nil && !slices.Equal(part.Replicas, a[p]) {
					t.Fatalf("partition %d replicas %v, assigned %v", p, part.Replicas, a[p])
				}
			}
			for name, v := range tc.topic.Configs {
				got, ok := c.Image().Config(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: tc.topic.Name}, name)
				if (v == nil) == ok || v != nil && got != *v {
					t.Fatalf("config %s = %q, %v; want %v", name, got, ok, v)
				}
			}
		})
	}

	// A fenced replica is out of the ISR and does not lead.
	p, _ := c.Image().Partition("mf", 0)
	if p.Leader != 1 || !slices.Equal(p.ISR, []int32{1}) {
		t.Fatalf("partition with a fenced replica: %+v", p)
	}
}

// fence writes a FenceBrokerRecord straight to the log: there is no fencing
// operation yet (it comes with broker heartbeats).
func (c *Controller) fence(t *testing.T, id int32) {
	t.Helper()
	f := c.raft.Apply(metadata.EncodeBatch([]metadata.Record{&metadata.FenceBrokerRecord{BrokerID: id}}), 0)
	if err := f.Error(); err != nil || f.Response() != nil {
		t.Fatalf("fencing %d: %v %v", id, err, f.Response())
	}
}

func TestCreateTopicsBatch(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	before := c.Image().Offset()
	res := c.CreateTopics(context.Background(), []CreateTopic{
		{Name: "one", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "dup", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "dup", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "x.y", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "x_y", NumPartitions: 1, ReplicationFactor: 1}, // collides with the one before
		{Name: "two", NumPartitions: 2, ReplicationFactor: 1},
	})
	want := []error{nil, ErrInvalidRequest, ErrInvalidRequest, nil, ErrInvalidTopic, nil}
	for i, r := range res {
		wantErr(t, r.Name, r.Err, want[i])
	}
	if res[0].TopicID == res[5].TopicID {
		t.Fatal("two topics got one ID")
	}
	// One request, one log entry.
	if got := c.Image().Offset(); got != before+1 {
		t.Fatalf("offset moved from %d to %d for one request", before, got)
	}
	if c.Image().Topic("dup") != nil || c.Image().Topic("x_y") != nil {
		t.Fatal("a failed topic was created")
	}
}

// TestPlacement checks automatic placement: replicas distinct, leaders
// spread evenly, and rotation across topics.
func TestPlacement(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1, 2, 3)
	createTopic(t, c, "p", 6, 3)
	leaders := map[int32]int{}
	for _, part := range c.Image().Topic("p").Partitions {
		if len(part.Replicas) != 3 || len(slices.Compact(slices.Sorted(slices.Values(part.Replicas)))) != 3 {
			t.Fatalf("replicas %v", part.Replicas)
		}
		leaders[part.Leader]++
	}
	for b, n := range leaders {
		if n != 2 {
			t.Fatalf("broker %d leads %d of 6 partitions: %v", b, n, leaders)
		}
	}
	// Single-partition topics rotate their leader over the brokers.
	seen := map[int32]bool{}
	for i := range 3 {
		name := fmt.Sprintf("single%d", i)
		createTopic(t, c, name, 1, 1)
		p, _ := c.Image().Partition(name, 0)
		seen[p.Leader] = true
	}
	if len(seen) != 3 {
		t.Fatalf("three single-partition topics led by %v", seen)
	}
}

func TestDeleteTopics(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	ctx := context.Background()
	a := createTopic(t, c, "a", 2, 1)
	b := createTopic(t, c, "b", 1, 1)
	createTopic(t, c, "c", 1, 1)
	d := createTopic(t, c, "d", 1, 1)
	c.AlterConfigs(ctx, []AlterConfigsResource{{Type: metadata.ConfigResourceTopic, Name: "a",
		Configs: []AlterConfig{{Name: "retention.ms", Value: ptr("1")}}}}, true, false)

	res := c.DeleteTopics(ctx, []string{"a", "nope", "c"}, [][16]byte{b.TopicID, {42}, {}, d.TopicID})
	want := []struct {
		name string
		err  error
	}{{"a", nil}, {"nope", ErrUnknownTopic}, {"c", nil}, {"b", nil}, {"", ErrUnknownTopicID}, {"", ErrUnknownTopicID}, {"d", nil}}
	for i, r := range res {
		wantErr(t, fmt.Sprint("result ", i), r.Err, want[i].err)
		if r.Name != want[i].name {
			t.Fatalf("result %d name %q, want %q", i, r.Name, want[i].name)
		}
	}
	if res[0].TopicID != a.TopicID || res[3].TopicID != b.TopicID {
		t.Fatal("results lack the deleted topics' IDs")
	}
	if !errors.Is(res[4].Err, ErrUnknownTopic) {
		t.Fatal("ErrUnknownTopicID does not wrap ErrUnknownTopic")
	}
	img := c.Image()
	if img.NumTopics() != 0 {
		t.Fatalf("%d topics left", img.NumTopics())
	}
	if img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: "a"}) != nil {
		t.Fatal("the deleted topic's configs survive")
	}

	// A topic named twice (by name and by ID) is refused both times.
	e := createTopic(t, c, "e", 1, 1)
	res = c.DeleteTopics(ctx, []string{"e"}, [][16]byte{e.TopicID})
	for _, r := range res {
		wantErr(t, "duplicate", r.Err, ErrInvalidRequest)
	}
	if c.Image().Topic("e") == nil {
		t.Fatal("a duplicated delete deleted the topic")
	}
	// The name can be reused, with a new ID.
	createTopic(t, c, "a", 1, 1)
	if c.Image().Topic("a").ID == a.TopicID {
		t.Fatal("a recreated topic reused its old ID")
	}
}

func TestCreatePartitions(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1, 2, 3)
	createTopic(t, c, "t", 2, 2)
	createTopic(t, c, "u", 1, 3)
	tests := []struct {
		name    string
		req     CreatePartitions
		want    error
		wantNum int32
	}{
		{"grow", CreatePartitions{Topic: "t", Count: 4}, nil, 4},
		{"grow by hand", CreatePartitions{Topic: "t", Count: 5, Assignments: [][]int32{{3, 1}}}, nil, 5},
		{"validate only", CreatePartitions{Topic: "t", Count: 9, ValidateOnly: true}, nil, 5},
		{"same count", CreatePartitions{Topic: "t", Count: 5}, ErrInvalidPartitions, 5},
		{"shrink", CreatePartitions{Topic: "t", Count: 1}, ErrInvalidPartitions, 5},
		{"too many", CreatePartitions{Topic: "t", Count: 5 + maxNewPartitions + 1}, ErrInvalidPartitions, 5},
		{"unknown topic", CreatePartitions{Topic: "nope", Count: 3}, ErrUnknownTopic, 0},
		{"assignment count", CreatePartitions{Topic: "t", Count: 7, Assignments: [][]int32{{1, 2}}}, ErrInvalidReplicaAssignment, 5},
		{"assignment replication", CreatePartitions{Topic: "t", Count: 6, Assignments: [][]int32{{1}}}, ErrInvalidReplicaAssignment, 5},
		{"assignment unregistered", CreatePartitions{Topic: "t", Count: 6, Assignments: [][]int32{{1, 7}}}, ErrInvalidReplicaAssignment, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.CreatePartitions(context.Background(), []CreatePartitions{tc.req})[0]
			wantErr(t, "CreatePartitions", r.Err, tc.want)
			if r.Topic != tc.req.Topic {
				t.Fatalf("result topic %q", r.Topic)
			}
			if topic := c.Image().Topic(tc.req.Topic); topic != nil && topic.NumPartitions() != tc.wantNum {
				t.Fatalf("%d partitions, want %d", topic.NumPartitions(), tc.wantNum)
			}
		})
	}
	p, _ := c.Image().Partition("t", 4)
	if !slices.Equal(p.Replicas, []int32{3, 1}) || p.Leader != 3 {
		t.Fatalf("hand-placed partition %+v", p)
	}
	for i := range int32(5) {
		if p, ok := c.Image().Partition("t", i); !ok || len(p.Replicas) != 2 {
			t.Fatalf("partition %d: %+v", i, p)
		}
	}

	// Once a broker is fenced, rf 3 no longer fits.
	c.fence(t, 3)
	r := c.CreatePartitions(context.Background(), []CreatePartitions{{Topic: "u", Count: 2}})[0]
	wantErr(t, "fenced broker", r.Err, ErrInvalidReplicationFactor)
	r2 := c.CreatePartitions(context.Background(), []CreatePartitions{{Topic: "t", Count: 6}, {Topic: "t", Count: 7}})
	for _, r := range r2 {
		wantErr(t, "duplicate", r.Err, ErrInvalidRequest)
	}
}

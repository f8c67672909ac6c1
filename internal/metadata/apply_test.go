package metadata

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

var (
	idA = UUID{15: 0xa}
	idB = UUID{15: 0xb}
	idC = UUID{15: 0xc}
)

func mustApply(t testing.TB, img *Image, offset int64, records ...Record) *Image {
	t.Helper()
	next, _, err := img.Apply(records, offset)
	if err != nil {
		t.Fatalf("Apply at %d: %v", offset, err)
	}
	return next
}

func part(id UUID, p int32, replicas ...int32) *PartitionRecord {
	return &PartitionRecord{TopicID: id, Partition: p, Replicas: replicas, ISR: replicas, Leader: replicas[0]}
}

func broker(id int32) *RegisterBrokerRecord {
	return &RegisterBrokerRecord{BrokerID: id, IncarnationID: UUID{byte(id) + 1},
		Endpoints: []Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092 + id}}}
}

func topicConfig(topic, name string, value *string) *ConfigRecord {
	return &ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: topic, Name: name, Value: value}
}

// fullImageRecords builds an image with some of everything.
func fullImageRecords() []Record {
	return []Record{
		&BootstrapRecord{ClusterID: "cluster-1"},
		broker(1), broker(2), broker(3),
		&FenceBrokerRecord{BrokerID: 3},
		&TopicRecord{Name: "a", TopicID: idA},
		part(idA, 0, 1, 2), part(idA, 1, 2, 1),
		&TopicRecord{Name: "b", TopicID: idB},
		part(idB, 0, 1),
		topicConfig("a", "cleanup.policy", ptr("compact")),
		&ConfigRecord{ResourceType: ConfigResourceBroker, ResourceName: "1", Name: "log.cleaner.threads", Value: ptr("2")},
		&ConfigRecord{ResourceType: ConfigResourceBroker, Name: "log.retention.ms", Value: ptr("1")},
		&ProducerIDsRecord{BrokerID: 1, NextProducerID: 1000},
	}
}

func TestApply(t *testing.T) {
	base := mustApply(t, EmptyImage(), 10, fullImageRecords()...)

	tests := []struct {
		name    string
		records []Record
		check   func(t *testing.T, img *Image, d *Delta)
	}{
		{
			name:    "create topic",
			records: []Record{&TopicRecord{Name: "c", TopicID: idC}, part(idC, 0, 1, 2), part(idC, 1, 2, 1)},
			check: func(t *testing.T, img *Image, d *Delta) {
				c := img.Topic("c")
				if c == nil || img.TopicByID(idC) != c || c.NumPartitions() != 2 || c.ReplicationFactor() != 2 {
					t.Fatalf("topic c = %+v", c)
				}
				if got := TopicNames(d.TopicsCreated); !slices.Equal(got, []string{"c"}) {
					t.Fatalf("created %v", got)
				}
				if len(d.Partitions) != 2 || d.Partitions[0].Old != nil || d.Partitions[1].Partition != 1 ||
					!slices.Equal(d.Partitions[1].New.Replicas, []int32{2, 1}) {
					t.Fatalf("partitions %+v", d.Partitions)
				}
				if img.Topic("a") != base.Topic("a") {
					t.Fatal("an untouched topic was copied")
				}
			},
		},
		{
			name:    "add partitions",
			records: []Record{part(idA, 2, 1, 2), part(idA, 3, 2, 1)},
			check: func(t *testing.T, img *Image, d *Delta) {
				if n := img.Topic("a").NumPartitions(); n != 4 {
					t.Fatalf("partitions %d", n)
				}
				if len(d.TopicsCreated) != 0 || len(d.Partitions) != 2 || d.Partitions[0].Partition != 2 || d.Partitions[0].Old != nil {
					t.Fatalf("delta %+v", d)
				}
			},
		},
		{
			name: "change partition leader",
			records: []Record{&PartitionRecord{TopicID: idA, Partition: 0, Replicas: []int32{1, 2}, ISR: []int32{2},
				Leader: 2, LeaderEpoch: 1, PartitionEpoch: 1}},
			check: func(t *testing.T, img *Image, d *Delta) {
				p, _ := img.Partition("a", 0)
				if p.Leader != 2 || p.LeaderEpoch != 1 {
					t.Fatalf("partition %+v", p)
				}
				if len(d.Partitions) != 1 || d.Partitions[0].Old.Leader != 1 || d.Partitions[0].New.Leader != 2 {
					t.Fatalf("delta %+v", d.Partitions)
				}
			},
		},
		{
			name:    "rewrite partition unchanged",
			records: []Record{part(idA, 0, 1, 2)},
			check: func(t *testing.T, img *Image, d *Delta) {
				if !d.Empty() {
					t.Fatalf("delta %+v, want empty", d)
				}
			},
		},
		{
			name:    "delete topic",
			records: []Record{&RemoveTopicRecord{TopicID: idA}},
			check: func(t *testing.T, img *Image, d *Delta) {
				if img.Topic("a") != nil || img.TopicByID(idA) != nil || img.NumTopics() != 1 {
					t.Fatal("topic a still there")
				}
				if img.Configs(ConfigResource{ConfigResourceTopic, "a"}) != nil {
					t.Fatal("deleted topic's configs survive")
				}
				if got := TopicNames(d.TopicsDeleted); !slices.Equal(got, []string{"a"}) || len(d.Partitions) != 0 {
					t.Fatalf("delta %+v", d)
				}
				if len(d.Configs) != 1 || d.Configs[0].New != nil || *d.Configs[0].Old != "compact" {
					t.Fatalf("config delta %+v", d.Configs)
				}
			},
		},
		{
			name: "delete and recreate a name",
			records: []Record{&RemoveTopicRecord{TopicID: idA}, &TopicRecord{Name: "a", TopicID: idC}, part(idC, 0, 2),
				topicConfig("a", "cleanup.policy", ptr("delete"))},
			check: func(t *testing.T, img *Image, d *Delta) {
				if img.Topic("a").ID != idC {
					t.Fatal("topic a has the old ID")
				}
				if len(d.TopicsDeleted) != 1 || d.TopicsDeleted[0].ID != idA || len(d.TopicsCreated) != 1 || d.TopicsCreated[0].ID != idC {
					t.Fatalf("delta %+v", d)
				}
				if len(d.Configs) != 1 || *d.Configs[0].New != "delete" {
					t.Fatalf("config delta %+v", d.Configs)
				}
			},
		},
		{
			name:    "create and delete in one batch",
			records: []Record{&TopicRecord{Name: "c", TopicID: idC}, part(idC, 0, 1), &RemoveTopicRecord{TopicID: idC}},
			check: func(t *testing.T, img *Image, d *Delta) {
				if img.Topic("c") != nil || !d.Empty() {
					t.Fatalf("topic %v, delta %+v", img.Topic("c"), d)
				}
			},
		},
		{
			name: "configs set and delete",
			records: []Record{
				topicConfig("b", "retention.ms", ptr("5")),
				topicConfig("a", "cleanup.policy", nil),
				topicConfig("a", "no.such", nil), // deleting an unset config is a no-op
				&ConfigRecord{ResourceType: ConfigResourceBroker, Name: "log.retention.ms", Value: ptr("2")},
			},
			check: func(t *testing.T, img *Image, d *Delta) {
				if v, _ := img.Config(ConfigResource{ConfigResourceTopic, "b"}, "retention.ms"); v != "5" {
					t.Fatalf("b retention.ms = %q", v)
				}
				if img.Configs(ConfigResource{ConfigResourceTopic, "a"}) != nil {
					t.Fatal("a still has configs")
				}
				want := []ConfigResource{{ConfigResourceTopic, "b"}, {ConfigResourceBroker, ""}, {ConfigResourceBroker, "1"}}
				if got := img.ConfigResources(); !reflect.DeepEqual(got, want) {
					t.Fatalf("resources %v, want %v", got, want)
				}
				if len(d.Configs) != 3 {
					t.Fatalf("config delta %+v", d.Configs)
				}
				// Sorted: type 2 before 4, then by name.
				if d.Configs[0].Resource.Name != "a" || d.Configs[1].Resource.Name != "b" || d.Configs[2].Resource.Type != ConfigResourceBroker {
					t.Fatalf("config delta order %+v", d.Configs)
				}
				if *d.Configs[2].Old != "1" || *d.Configs[2].New != "2" {
					t.Fatalf("broker default change %+v", d.Configs[2])
				}
			},
		},
		{
			name:    "broker register",
			records: []Record{broker(4)},
			check: func(t *testing.T, img *Image, d *Delta) {
				b, ok := img.Broker(4)
				if !ok || b.Fenced || b.Endpoints[0].Port != 9096 {
					t.Fatalf("broker 4 = %+v, %v", b, ok)
				}
				if !slices.Equal(img.UnfencedBrokerIDs(), []int32{1, 2, 4}) {
					t.Fatalf("unfenced %v", img.UnfencedBrokerIDs())
				}
				if len(d.Brokers) != 1 || d.Brokers[0].Old != nil || d.Brokers[0].New.ID != 4 {
					t.Fatalf("delta %+v", d.Brokers)
				}
			},
		},
		{
			name:    "broker re-register",
			records: []Record{&RegisterBrokerRecord{BrokerID: 1, IncarnationID: UUID{9}, Rack: ptr("r1")}},
			check: func(t *testing.T, img *Image, d *Delta) {
				b, _ := img.Broker(1)
				if b.IncarnationID != (UUID{9}) || *b.Rack != "r1" || len(b.Endpoints) != 0 {
					t.Fatalf("broker 1 = %+v", b)
				}
				if len(d.Brokers) != 1 || d.Brokers[0].Old.IncarnationID != (UUID{2}) {
					t.Fatalf("delta %+v", d.Brokers)
				}
			},
		},
		{
			name:    "broker fence and unfence",
			records: []Record{&FenceBrokerRecord{BrokerID: 1}, &UnfenceBrokerRecord{BrokerID: 3}},
			check: func(t *testing.T, img *Image, d *Delta) {
				if !slices.Equal(img.UnfencedBrokerIDs(), []int32{2, 3}) {
					t.Fatalf("unfenced %v", img.UnfencedBrokerIDs())
				}
				if len(d.Brokers) != 2 || !d.Brokers[0].New.Fenced || d.Brokers[1].New.Fenced {
					t.Fatalf("delta %+v", d.Brokers)
				}
			},
		},
		{
			name:    "producer IDs",
			records: []Record{&ProducerIDsRecord{BrokerID: 2, NextProducerID: 2000}},
			check: func(t *testing.T, img *Image, d *Delta) {
				if img.NextProducerID() != 2000 || !d.NextProducerIDChanged {
					t.Fatalf("next %d, delta %+v", img.NextProducerID(), d)
				}
			},
		},
		{
			name:    "same cluster ID again",
			records: []Record{&BootstrapRecord{ClusterID: "cluster-1"}},
			check: func(t *testing.T, img *Image, d *Delta) {
				if !d.Empty() {
					t.Fatalf("delta %+v", d)
				}
			},
		},
		{
			name:    "empty batch moves the offset",
			records: nil,
			check: func(t *testing.T, img *Image, d *Delta) {
				if !d.Empty() || img.NumTopics() != 2 {
					t.Fatalf("delta %+v", d)
				}
			},
		},
	}
	before := base.Records()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, d, err := base.Apply(tc.records, 11)
			if err != nil {
				t.Fatal(err)
			}
			if img.Offset() != 11 || base.Offset() != 10 {
				t.Fatalf("offsets: new %d, base %d", img.Offset(), base.Offset())
			}
			tc.check(t, img, d)
			// The delta is exactly the difference, as Diff computes it.
			if diff := Diff(base, img); !reflect.DeepEqual(diff, d) {
				t.Fatalf("Apply delta %+v\n differs from Diff %+v", d, diff)
			}
			// Immutability: base is as it was, whatever Apply did.
			if !reflect.DeepEqual(base.Records(), before) {
				t.Fatal("Apply changed its receiver")
			}
			assertRebuilds(t, img)
		})
	}
}

// assertRebuilds checks the snapshot invariant: Records rebuild the image.
func assertRebuilds(t *testing.T, img *Image) {
	t.Helper()
	rebuilt, _, err := EmptyImage().Apply(img.Records(), img.Offset())
	if err != nil {
		t.Fatalf("rebuilding from Records: %v", err)
	}
	if !reflect.DeepEqual(rebuilt, img) && !reflect.DeepEqual(rebuilt.Records(), img.Records()) {
		t.Fatal("image rebuilt from Records differs")
	}
	if d := Diff(rebuilt, img); !d.Empty() {
		t.Fatalf("Diff(rebuilt, img) = %+v", d)
	}
}

func TestApplyRejects(t *testing.T) {
	base := mustApply(t, EmptyImage(), 10, fullImageRecords()...)
	tests := []struct {
		name    string
		records []Record
	}{
		{"other cluster ID", []Record{&BootstrapRecord{ClusterID: "other"}}},
		{"empty cluster ID", []Record{&BootstrapRecord{}}},
		{"topic name taken", []Record{&TopicRecord{Name: "a", TopicID: idC}}},
		{"topic ID taken", []Record{&TopicRecord{Name: "c", TopicID: idA}}},
		{"zero topic ID", []Record{&TopicRecord{Name: "c"}}},
		{"empty topic name", []Record{&TopicRecord{TopicID: idC}}},
		{"partition of unknown topic", []Record{part(idC, 0, 1)}},
		{"negative partition", []Record{part(idA, -1, 1)}},
		{"no replicas", []Record{&PartitionRecord{TopicID: idA, Partition: 5, Leader: -1}}},
		{"repeated replica", []Record{part(idA, 5, 1, 1)}},
		{"negative replica", []Record{part(idA, 5, -2)}},
		{"ISR outside replicas", []Record{&PartitionRecord{TopicID: idA, Replicas: []int32{1}, ISR: []int32{2}, Leader: -1}}},
		{"leader outside ISR", []Record{&PartitionRecord{TopicID: idA, Replicas: []int32{1, 2}, ISR: []int32{1}, Leader: 2}}},
		{"negative epoch", []Record{&PartitionRecord{TopicID: idA, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1, LeaderEpoch: -1}}},
		{"remove unknown topic", []Record{&RemoveTopicRecord{TopicID: idC}}},
		{"config of unknown topic", []Record{topicConfig("zz", "x", ptr("1"))}},
		{"config of bad broker name", []Record{&ConfigRecord{ResourceType: ConfigResourceBroker, ResourceName: "x", Name: "a"}}},
		{"config of bad resource type", []Record{&ConfigRecord{ResourceType: 3, ResourceName: "a", Name: "a"}}},
		{"config without name", []Record{topicConfig("a", "", ptr("1"))}},
		{"fence unknown broker", []Record{&FenceBrokerRecord{BrokerID: 9}}},
		{"unfence unknown broker", []Record{&UnfenceBrokerRecord{BrokerID: 9}}},
		{"negative broker ID", []Record{&RegisterBrokerRecord{BrokerID: -1}}},
		{"duplicate endpoint", []Record{&RegisterBrokerRecord{BrokerID: 5, Endpoints: []Endpoint{{Name: "A"}, {Name: "A"}}}}},
		{"producer IDs go back", []Record{&ProducerIDsRecord{NextProducerID: 999}}},
		{"nil record", []Record{nil}},
		{"nil record pointer", []Record{(*TopicRecord)(nil)}},
		// A valid record before the bad one is discarded with it.
		{"all or nothing", []Record{&TopicRecord{Name: "c", TopicID: idC}, part(idC, 0, 9, 9)}},
	}
	before := base.Records()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, d, err := base.Apply(tc.records, 11)
			if !errors.Is(err, ErrInvalidRecord) || img != nil || d != nil {
				t.Fatalf("Apply = %v, %v, %v; want ErrInvalidRecord", img, d, err)
			}
			if !reflect.DeepEqual(base.Records(), before) {
				t.Fatal("a rejected batch changed the image")
			}
		})
	}
	for _, off := range []int64{10, 9, -1} {
		if _, _, err := base.Apply(nil, off); !errors.Is(err, ErrOffsetRegression) {
			t.Errorf("Apply at offset %d: %v, want ErrOffsetRegression", off, err)
		}
	}
}

// TestImmutability holds on to every intermediate image of a sequence and
// checks each still reads as it did when it was current.
func TestImmutability(t *testing.T) {
	type snap struct {
		img     *Image
		records []Record
	}
	var history []snap
	img := EmptyImage()
	steps := [][]Record{
		fullImageRecords(),
		{part(idA, 2, 1, 2), topicConfig("a", "x", ptr("1"))},
		{&RemoveTopicRecord{TopicID: idB}},
		{&FenceBrokerRecord{BrokerID: 1}, broker(9)},
		{&PartitionRecord{TopicID: idA, Partition: 0, Replicas: []int32{1, 2}, ISR: []int32{2}, Leader: 2, LeaderEpoch: 1}},
		{&ProducerIDsRecord{NextProducerID: 5000}, topicConfig("a", "x", nil)},
	}
	for i, batch := range steps {
		img = mustApply(t, img, int64(i+1), batch...)
		history = append(history, snap{img, img.Records()})
	}
	for i, h := range history {
		if !reflect.DeepEqual(h.img.Records(), h.records) {
			t.Errorf("image %d changed after later applies", i)
		}
	}
	if EmptyImage().NumTopics() != 0 || len(EmptyImage().Records()) != 0 {
		t.Fatal("the shared empty image was modified")
	}
	// Records handed to Apply are not aliased by the image.
	rec := part(idA, 7, 1, 2)
	img = mustApply(t, img, 100, rec)
	rec.Replicas[0] = 42
	if p, _ := img.Partition("a", 7); p.Replicas[0] != 1 {
		t.Fatal("the image aliases a record's slice")
	}
}

func TestDiffFromEmpty(t *testing.T) {
	img := mustApply(t, EmptyImage(), 3, fullImageRecords()...)
	d := Diff(EmptyImage(), img)
	if !d.ClusterIDChanged || !d.NextProducerIDChanged || len(d.TopicsCreated) != 2 || len(d.Partitions) != 3 ||
		len(d.Configs) != 3 || len(d.Brokers) != 3 || len(d.TopicsDeleted) != 0 {
		t.Fatalf("Diff from empty: %+v", d)
	}
	back := Diff(img, EmptyImage())
	if len(back.TopicsDeleted) != 2 || len(back.Brokers) != 3 || back.Brokers[0].New != nil || len(back.Partitions) != 0 {
		t.Fatalf("Diff to empty: %+v", back)
	}
	if !Diff(img, img).Empty() {
		t.Fatal("Diff of an image with itself is not empty")
	}
}

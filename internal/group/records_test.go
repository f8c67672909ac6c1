package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestJavaStringHashCode(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"Aa", 2112},
		{"BB", 2112},
		{"polygenelubricants", -1 << 31}, // Integer.MIN_VALUE
		{"😀", 1772899},                   // a surrogate pair: two UTF-16 units
	} {
		if got := javaStringHashCode(tc.s); got != tc.want {
			t.Errorf("hashCode(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	// Utils.abs(MIN_VALUE) is 0, not an overflow.
	if p := partitionFor("polygenelubricants", 50); p != 0 {
		t.Errorf("partition of a MIN_VALUE hash: %d", p)
	}
	// A negative hash is made positive before the modulo.
	if h := javaStringHashCode("consumer-group-7"); h >= 0 {
		t.Logf("hash %d", h)
	}
	for _, g := range []string{"a", "consumer-group-7", "my-group", "😀"} {
		h := int64(javaStringHashCode(g))
		if h < 0 {
			h = -h
		}
		if p := partitionFor(g, 50); int64(p) != h%50 {
			t.Errorf("partitionFor(%q) = %d, want %d", g, p, h%50)
		}
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	rec := offsetRecord("grp", "topic", 7, offsetEntry{offset: 42, leaderEpoch: 3, metadata: "md", commitTime: 1234})
	// Readable by Kafka's formats (through kmsg, as a tool would).
	var k kmsg.OffsetCommitKey
	if err := k.ReadFrom(rec.Key); err != nil || k.Version != 1 || k.Group != "grp" || k.Topic != "topic" || k.Partition != 7 {
		t.Fatalf("key %+v: %v", k, err)
	}
	var v kmsg.OffsetCommitValue
	if err := v.ReadFrom(rec.Value); err != nil || v.Version != 3 || v.Offset != 42 || v.LeaderEpoch != 3 || v.Metadata != "md" || v.CommitTimestamp != 1234 {
		t.Fatalf("value %+v: %v", v, err)
	}
	d, ok, err := decodeRecord(rec)
	if err != nil || !ok || !d.isOffset || d.offset.Offset != 42 {
		t.Fatalf("decoded %+v %v %v", d, ok, err)
	}

	inst := "i"
	g := newGroup("grp", fakeNow)
	g.protocolType, g.protocol, g.generation = "consumer", "range", 4
	g.add(&member{id: "m1", instanceID: &inst, clientID: "c", clientHost: "/h", sessionTimeout: 10e9, rebalanceTimeout: 20e9,
		protocols: []Protocol{{Name: "range", Metadata: []byte("sub")}}, assignment: []byte("asg")})
	value := g.groupValue(99)
	var gv kmsg.GroupMetadataValue
	if err := gv.ReadFrom(value); err != nil || gv.Version != 3 || gv.Generation != 4 || *gv.Protocol != "range" || *gv.Leader != "m1" || gv.CurrentStateTimestamp != 99 {
		t.Fatalf("group value %+v: %v", gv, err)
	}
	m := gv.Members[0]
	if m.MemberID != "m1" || *m.InstanceID != "i" || m.SessionTimeoutMillis != 10000 || m.RebalanceTimeoutMillis != 20000 || string(m.Subscription) != "sub" || string(m.Assignment) != "asg" {
		t.Fatalf("member %+v", m)
	}
	var gk kmsg.GroupMetadataKey
	if err := gk.ReadFrom(groupKey("grp")); err != nil || gk.Version != 2 || gk.Group != "grp" {
		t.Fatalf("group key %+v: %v", gk, err)
	}
	// Older versions Kafka wrote are read too.
	ov := kmsg.NewOffsetCommitValue()
	ov.Version, ov.Offset, ov.ExpireTimestamp = 1, 5, 77
	ok0 := kmsg.NewOffsetCommitKey()
	ok0.Version, ok0.Group, ok0.Topic = 0, "old", "t"
	if d, ok, err := decodeRecord(recordOf(ok0.AppendTo(nil), ov.AppendTo(nil))); err != nil || !ok || d.offset.Offset != 5 {
		t.Fatalf("v0 key / v1 value: %+v %v", d, err)
	}
	// Unknown key versions (newer record kinds) are skipped.
	if _, ok, err := decodeRecord(recordOf([]byte{0, 9, 1}, nil)); ok || err != nil {
		t.Fatalf("unknown key version: ok %v err %v", ok, err)
	}
}

func TestReplaySkipsUndecodableRecords(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.s.Replay(0, recordOf([]byte{0, 1, 0xff}, []byte("x"))); err != nil {
		t.Fatalf("a bad record stopped the load: %v", err)
	}
	if err := h.s.Replay(1, offsetRecord("g", "t", 0, offsetEntry{offset: 3})); err != nil || h.s.groups["g"] == nil {
		t.Fatalf("a good record after a bad one: %v", err)
	}
}

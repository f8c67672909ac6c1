package metadata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// sampleRecords has one record of every type, with every field non-zero
// where it can be, so a field the codec forgets fails the round trip.
func sampleRecords() []Record {
	id := UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	return []Record{
		&BootstrapRecord{ClusterID: "MkU3OEVBNTcwNTJENDM2Qk"},
		&RegisterBrokerRecord{
			BrokerID:      7,
			IncarnationID: UUID{0xff, 15: 0xee},
			Endpoints: []Endpoint{
				{Name: "PLAINTEXT", Host: "b7.example", Port: 9092, SecurityProtocol: 0},
				{Name: "SSL", Host: "b7.example", Port: 9093, SecurityProtocol: 1},
			},
			Rack:   ptr("rack-a"),
			Fenced: true,
		},
		&RegisterBrokerRecord{BrokerID: 8, IncarnationID: UUID{1}},
		&TopicRecord{Name: "orders", TopicID: id},
		&PartitionRecord{TopicID: id, Partition: 3, Replicas: []int32{7, 8, 9}, ISR: []int32{9, 7},
			Leader: 9, LeaderEpoch: 4, PartitionEpoch: 11},
		&PartitionRecord{TopicID: id, Partition: 0, Replicas: []int32{1}, Leader: -1},
		&RemoveTopicRecord{TopicID: id},
		&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: ptr("1000")},
		&ConfigRecord{ResourceType: ConfigResourceBroker, ResourceName: "", Name: "log.retention.ms", Value: nil},
		&ConfigRecord{ResourceType: ConfigResourceBroker, ResourceName: "1", Name: "x", Value: ptr("")},
		&FenceBrokerRecord{BrokerID: 7},
		&UnfenceBrokerRecord{BrokerID: 8},
		&ProducerIDsRecord{BrokerID: 7, NextProducerID: 1 << 40},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	types := map[RecordType]bool{}
	for _, r := range sampleRecords() {
		types[r.Type()] = true
		t.Run(r.Type().String(), func(t *testing.T) {
			b := Encode(r)
			if got := RecordType(binary.BigEndian.Uint16(b)); got != r.Type() {
				t.Fatalf("header type %d, want %d", got, r.Type())
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, r) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, r)
			}
			if again := Encode(got); !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs")
			}
			// Every strict prefix is truncated, hence corrupt.
			for n := range len(b) {
				if _, err := Decode(b[:n]); !errors.Is(err, ErrCorruptRecord) {
					t.Fatalf("Decode of %d of %d bytes: err %v, want ErrCorruptRecord", n, len(b), err)
				}
			}
			if _, err := Decode(append(b, 0)); !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("trailing byte: err %v, want ErrCorruptRecord", err)
			}
		})
	}
	for typ := range maxVersion {
		if !types[typ] {
			t.Errorf("no sample record of type %v", typ)
		}
	}
}

// TestCodecLayout pins the bytes of one record, as documented in
// docs/format/metadata-records.md, so a layout change cannot slip through
// as a symmetric encoder-and-decoder edit.
func TestCodecLayout(t *testing.T) {
	got := Encode(&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "t", Name: "a", Value: ptr("v")})
	want := []byte{
		0, 4, // type ConfigRecord
		0, 0, // version 0
		2,          // resource type TOPIC
		0, 0, 0, 1, // resource name length
		't',
		0, 0, 0, 1, // name length
		'a',
		0, 0, 0, 1, // value length
		'v',
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("ConfigRecord bytes\n got %v\nwant %v", got, want)
	}
	got = Encode(&PartitionRecord{TopicID: UUID{15: 9}, Partition: 1, Replicas: []int32{2}, ISR: []int32{2}, Leader: 2, LeaderEpoch: 3, PartitionEpoch: 4})
	want = append([]byte{0, 3, 0, 0}, UUID{15: 9}.bytes()...)
	want = append(want,
		0, 0, 0, 1, // partition
		0, 0, 0, 1, 0, 0, 0, 2, // replicas [2]
		0, 0, 0, 1, 0, 0, 0, 2, // isr [2]
		0, 0, 0, 2, // leader
		0, 0, 0, 3, // leader epoch
		0, 0, 0, 4, // partition epoch
	)
	if !bytes.Equal(got, want) {
		t.Fatalf("PartitionRecord bytes\n got %v\nwant %v", got, want)
	}
}

func (u UUID) bytes() []byte { return u[:] }

func TestDecodeErrors(t *testing.T) {
	valid := Encode(&FenceBrokerRecord{BrokerID: 1})
	tests := []struct {
		name        string
		b           []byte
		unsupported bool
	}{
		{"empty", nil, false},
		{"short header", []byte{0, 7, 0}, false},
		{"unknown type", []byte{0x7f, 0x7f, 0, 0}, false},
		{"negative type", []byte{0xff, 0xff, 0, 0}, false},
		{"newer version", append([]byte{0, 7, 0, 9}, valid[4:]...), true},
		{"negative version", append([]byte{0, 7, 0xff, 0xff}, valid[4:]...), false},
		{"bool not 0 or 1", func() []byte {
			b := Encode(&RegisterBrokerRecord{BrokerID: 1})
			b[len(b)-1] = 2
			return b
		}(), false},
		{"huge array count", []byte{0, 3, 0, 0, 15: 0, 19: 0, 0x7f, 0xff, 0xff, 0xff}, false},
		{"negative string length", []byte{0, 100, 0, 0, 0xff, 0xff, 0xff, 0xfe}, false},
		{"null non-nullable string", []byte{0, 100, 0, 0, 0xff, 0xff, 0xff, 0xff}, false},
		{"nullable string length below -1", func() []byte {
			b := Encode(&ConfigRecord{ResourceType: 2, ResourceName: "t", Name: "n"})
			copy(b[len(b)-4:], []byte{0xff, 0xff, 0xff, 0xfe})
			return b
		}(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode(tc.b)
			if !errors.Is(err, ErrCorruptRecord) || r != nil {
				t.Fatalf("Decode = %v, %v; want nil, ErrCorruptRecord", r, err)
			}
			if errors.Is(err, ErrUnsupportedVersion) != tc.unsupported {
				t.Fatalf("ErrUnsupportedVersion = %v, want %v (%v)", !tc.unsupported, tc.unsupported, err)
			}
		})
	}
}

func TestEncodeUnsupportedVersionPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "version 3") {
			t.Fatalf("recover() = %v, want a panic naming version 3", r)
		}
	}()
	Encode(&TopicRecord{Version: 3, Name: "x"})
}

func TestBatchRoundTrip(t *testing.T) {
	for _, records := range [][]Record{nil, sampleRecords()[:1], sampleRecords()} {
		b := EncodeBatch(records)
		got, err := DecodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(records) || (len(records) > 0 && !reflect.DeepEqual(got, records)) {
			t.Fatalf("batch round trip of %d records: got %d", len(records), len(got))
		}
		for n := range len(b) {
			if _, err := DecodeBatch(b[:n]); !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("DecodeBatch of %d of %d bytes: %v", n, len(b), err)
			}
		}
		if _, err := DecodeBatch(append(b, 1)); !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("DecodeBatch with a trailing byte: %v", err)
		}
	}
}

func TestUUID(t *testing.T) {
	seen := map[UUID]bool{}
	for range 1000 {
		u := RandomUUID()
		if u.IsZero() || u == reservedUUID || seen[u] || strings.HasPrefix(u.String(), "-") {
			t.Fatalf("RandomUUID returned %v", u)
		}
		seen[u] = true
		if len(u.String()) != 22 {
			t.Fatalf("%v: text form is %d characters", u, len(u.String()))
		}
		p, err := ParseUUID(u.String())
		if err != nil || p != u {
			t.Fatalf("ParseUUID(%v) = %v, %v", u, p, err)
		}
	}
	// Kafka's own rendering of Uuid(0, 1), the metadata topic ID.
	if got := reservedUUID.String(); got != "AAAAAAAAAAAAAAAAAAAAAQ" {
		t.Fatalf("reserved UUID prints %q", got)
	}
	for _, bad := range []string{"", "short", "AAAAAAAAAAAAAAAAAAAAA!", "AAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", bad)
		}
	}
}

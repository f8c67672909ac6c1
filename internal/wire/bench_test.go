package wire

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func randomBytes(n int) []byte {
	r := rand.NewChaCha8([32]byte{1})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// BenchmarkParseRequestProduce parses a Produce v11 request (flexible, as
// current clients send it) carrying one 16 KiB batch.
func BenchmarkParseRequestProduce(b *testing.B) {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(11)
	req.Acks = -1
	topic := kmsg.NewProduceRequestTopic()
	topic.Topic = "bench-topic"
	part := kmsg.NewProduceRequestTopicPartition()
	part.Records = randomBytes(16 << 10)
	topic.Partitions = append(topic.Partitions, part)
	req.Topics = append(req.Topics, topic)
	frame := requestFrame(req, 1, strp("bench-producer"))
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRequest(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendResponseFetch encodes Fetch v12 responses into a reused
// buffer: one partition with 16 KiB of records, and 100 partitions with
// 1 KiB each.
func BenchmarkAppendResponseFetch(b *testing.B) {
	for _, c := range []struct{ partitions, recordBytes int }{{1, 16 << 10}, {100, 1 << 10}} {
		b.Run(fmt.Sprintf("partitions=%d/records=%dB", c.partitions, c.recordBytes), func(b *testing.B) {
			resp := kmsg.NewPtrFetchResponse()
			topic := kmsg.NewFetchResponseTopic()
			topic.Topic = "bench-topic"
			records := randomBytes(c.recordBytes)
			for p := 0; p < c.partitions; p++ {
				part := kmsg.NewFetchResponseTopicPartition()
				part.Partition = int32(p)
				part.HighWatermark = 1 << 20
				part.LastStableOffset = 1 << 20
				part.RecordBatches = records
				topic.Partitions = append(topic.Partitions, part)
			}
			resp.Topics = append(resp.Topics, topic)
			hdr := RequestHeader{APIKey: 1, APIVersion: 12, CorrelationID: 1, Flexible: true}
			dst := AppendResponse(nil, hdr, resp)
			b.SetBytes(int64(len(dst)))
			b.ReportAllocs()
			for b.Loop() {
				dst = AppendResponse(dst[:0], hdr, resp)
			}
		})
	}
}

// BenchmarkReadFrame reads a 16 KiB frame into a reused buffer.
func BenchmarkReadFrame(b *testing.B) {
	frame := sized(randomBytes(16 << 10))
	r := bytes.NewReader(frame)
	buf := make([]byte, 0, 32<<10)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		if _, err := ReadFrame(r, 1<<20, buf); err != nil {
			b.Fatal(err)
		}
	}
}

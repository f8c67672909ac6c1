package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/record"
)

// TestCreateTopicsReadYourWrites: once CreateTopics has answered, this
// broker serves the new partitions, so a raw Produce (no client retry) sent
// right after succeeds; Metadata never lists a partition the broker does
// not serve yet. Repeated, because a lag would only show now and then.
func TestCreateTopicsReadYourWrites(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl := client(t, b)
	adm := kadm.NewClient(cl)
	batch, err := record.Build(record.DefaultBatchOptions(), []record.Record{{Timestamp: time.Now().UnixMilli(), Value: []byte("v")}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		topic := fmt.Sprintf("fresh-%d", i)
		if res, err := adm.CreateTopics(ctx, 3, 1, nil, topic); err != nil || res[topic].Err != nil {
			t.Fatalf("create %s: %v %v", topic, err, res[topic].Err)
		}
		for p := range int32(3) {
			req := kmsg.NewPtrProduceRequest()
			req.Acks, req.TimeoutMillis = 1, 5000
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = topic
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition, rp.Records = p, append([]byte(nil), batch...)
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl.Broker(1))
			if err != nil {
				t.Fatal(err)
			}
			if code := resp.Topics[0].Partitions[0].ErrorCode; code != 0 {
				t.Fatalf("%s/%d right after CreateTopics: %v", topic, p, kerr.ErrorForCode(code))
			}
		}
	}
}

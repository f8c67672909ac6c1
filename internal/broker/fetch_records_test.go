package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// TestFetchEmptyPartitionRecordsNotNull: a Fetch answer carries an empty,
// never a null, record set for a partition with nothing to return (an empty
// partition, a fetch at the high watermark, an error). librdkafka 2.0.2
// (kcat, confluent-kafka-python) fails to parse "MessageSetSize -1" and
// retries forever, so kcat -e never reached the end of an empty partition
// (found by test/compat). Checked at Fetch v12 (flexible) and v11.
func TestFetchEmptyPartitionRecordsNotNull(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(client(t, b))
	if res, err := adm.CreateTopics(ctx, 2, 1, nil, "empty"); err != nil || res["empty"].Err != nil {
		t.Fatalf("create topic: %v %v", err, res["empty"].Err)
	}
	// Partition 1 gets one record; partition 0 stays empty.
	prod := client(t, b, kgo.DefaultProduceTopic("empty"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := prod.ProduceSync(ctx, &kgo.Record{Partition: 1, Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version int16
		opts    []kgo.Opt
	}{
		{12, nil},
		{11, []kgo.Opt{kgo.MaxVersions(kversion.V2_6_0())}},
	} {
		t.Run(fmt.Sprintf("v%d", tc.version), func(t *testing.T) {
			cl := client(t, b, tc.opts...)
			req := kmsg.NewPtrFetchRequest()
			req.MaxWaitMillis = 10
			req.MaxBytes = 1 << 20
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = "empty"
			for p, off := range []int64{0, 1, 0} { // empty; at the high watermark; no such partition (2)
				rp := kmsg.NewFetchRequestTopicPartition()
				rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = int32(p), off, 1<<20
				rp.CurrentLeaderEpoch = -1
				rt.Partitions = append(rt.Partitions, rp)
			}
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl.Broker(1))
			if err != nil {
				t.Fatal(err)
			}
			if req.Version != tc.version {
				t.Fatalf("sent Fetch v%d, want v%d", req.Version, tc.version)
			}
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 3 {
				t.Fatalf("response %+v", resp)
			}
			for _, p := range resp.Topics[0].Partitions {
				if p.RecordBatches == nil {
					t.Errorf("partition %d (error %d): null record set, want empty", p.Partition, p.ErrorCode)
				} else if len(p.RecordBatches) != 0 {
					t.Errorf("partition %d: %d record bytes, want none", p.Partition, len(p.RecordBatches))
				}
			}
			if resp.Topics[0].Partitions[2].ErrorCode == 0 {
				t.Errorf("partition 2 does not exist but has no error")
			}
		})
	}
}

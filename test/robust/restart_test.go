//go:build robust

package robust

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestLongCleanRestart1000Partitions: a broker holding 1,000 partitions with
// a few records each is stopped with SIGTERM (graceful: logs flushed, the
// clean-shutdown marker written) and restarted. The time from process start
// until /readyz answers 200 and Metadata lists all 1,000 partitions is
// logged, not asserted (no timed assertions). Asserted: the restart took the
// clean path, and every partition's end offset is what it was. Then the same
// after a SIGKILL, for the recovery path's figure.
func TestLongCleanRestart1000Partitions(t *testing.T) {
	const (
		topics        = 10
		perTopic      = 100
		recordsPerPar = 3
	)
	n := newNode(t, nil)
	n.start()
	n.waitReady(30 * time.Second)
	ctx := testContext(t, 2*time.Minute)

	adm := kadm.NewClient(newClient(t, n.addr))
	names := make([]string, topics)
	for i := range names {
		names[i] = fmt.Sprintf("many-%02d", i)
	}
	phase := time.Now()
	res, err := adm.CreateTopics(ctx, perTopic, 1, nil, names...)
	if err == nil {
		err = res.Error()
	}
	if err != nil {
		t.Fatalf("create topics: %v", err)
	}

	for _, name := range names {
		waitHosted(t, n.addr, name, perTopic)
	}
	t.Logf("created %d partitions, hosted after %v", topics*perTopic, time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	prod := newClient(t, n.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RequiredAcks(kgo.AllISRAcks()))
	var recs []*kgo.Record
	for _, topic := range names {
		for p := range int32(perTopic) {
			for i := range recordsPerPar {
				recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "%s-%d-%d", topic, p, i)})
			}
		}
	}
	if err := prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	t.Logf("produced %d records in %v", len(recs), time.Since(phase).Round(time.Millisecond))
	before := endOffsets(t, adm, names)
	if len(before) != topics*perTopic {
		t.Fatalf("%d partitions listed before the restart, want %d", len(before), topics*perTopic)
	}
	for tp, o := range before {
		if o != recordsPerPar {
			t.Fatalf("%s: end offset %d before the restart, want %d", tp, o, recordsPerPar)
		}
	}

	phase = time.Now()
	n.stop()
	t.Logf("SIGTERM to exit: %v", time.Since(phase).Round(time.Millisecond))
	// The client dials lazily and reconnects, so it can be made before the
	// restart and keep the measured window to the broker's own work.
	meta := newClient(t, n.addr)
	restart := func(how string, wantClean bool) {
		n.start()
		ready := n.waitReady(60 * time.Second)
		for {
			req := kmsg.NewPtrMetadataRequest()
			for _, name := range names {
				rt := kmsg.NewMetadataRequestTopic()
				rt.Topic = kmsg.StringPtr(name)
				req.Topics = append(req.Topics, rt)
			}
			resp, err := req.RequestWith(ctx, meta)
			if err != nil {
				t.Fatalf("metadata after restart: %v", err)
			}
			if countPartitions(resp) == topics*perTopic {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		n.mu.Lock()
		served, start := time.Since(n.started), n.starts
		n.mu.Unlock()
		t.Logf("%s restart with %d partitions: /readyz 200 after %v, Metadata lists all after %v (from process start)",
			how, topics*perTopic, ready.Round(time.Millisecond), served.Round(time.Millisecond))

		if !n.logContains(start, "loaded log dir", fmt.Sprintf("clean=%v", wantClean)) {
			t.Errorf("%s restart: no `loaded log dir ... clean=%v` in the log", how, wantClean)
		}
		after := endOffsets(t, adm, names)
		for tp, o := range before {
			if after[tp] != o {
				t.Errorf("%s restart: %s: end offset %d, %d before", how, tp, after[tp], o)
			}
		}
		if len(after) != len(before) {
			t.Errorf("%s restart: %d partitions, %d before", how, len(after), len(before))
		}
	}
	restart("clean", true)
	// For comparison, the same after SIGKILL: the marker is missing and the
	// logs are recovered (the active segments scanned, indexes rebuilt).
	n.kill()
	restart("unclean (after SIGKILL)", false)
	n.stop()
}

// endOffsets lists every partition's end offset, keyed "topic-partition".
func endOffsets(t *testing.T, adm *kadm.Client, topics []string) map[string]int64 {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	out := map[string]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[fmt.Sprintf("%s-%d", o.Topic, o.Partition)] = o.Offset })
	return out
}

// countPartitions counts the partitions of a Metadata response that have a
// leader and no error.
func countPartitions(resp *kmsg.MetadataResponse) int {
	n := 0
	for _, t := range resp.Topics {
		if t.ErrorCode != 0 {
			continue
		}
		for _, p := range t.Partitions {
			if p.ErrorCode == 0 && p.Leader >= 0 {
				n++
			}
		}
	}
	return n
}

package broker

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-io/samsa/internal/config"
)

// startBroker runs a single node on free ports with data in dir.
func startBroker(t *testing.T, dir string) *Broker {
	t.Helper()
	return startBrokerWith(t, dir, nil)
}

// startBrokerWith is startBroker with extra static configs (as flags, so
// they take precedence over the defaults above).
func startBrokerWith(t *testing.T, dir string, extra map[string]string) *Broker {
	t.Helper()
	cfg, err := config.NewBroker(map[string]string{
		"node.id":                   "1",
		"process.roles":             "broker,controller",
		"listeners":                 "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0",
		"controller.listener.names": "CONTROLLER",
		"log.dirs":                  dir,
		"samsa.admin.listener":      "127.0.0.1:0",
	}, extra)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

func stopBroker(t *testing.T, b *Broker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func client(t *testing.T, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	c, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr("PLAINTEXT").String())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestProduceConsumeWithFranzGo(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(client(t, b))
	res, err := adm.CreateTopics(ctx, 3, 1, nil, "orders")
	if err != nil || res["orders"].Err != nil {
		t.Fatalf("create topic: %v %v", err, res["orders"].Err)
	}
	prod := client(t, b, kgo.DefaultProduceTopic("orders"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	const n = 300
	for i := range n {
		r := &kgo.Record{Partition: int32(i % 3), Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d", i)),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}}
		prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cons := client(t, b, kgo.ConsumeTopics("orders"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := map[int32][]string{}
	total := 0
	for total < n {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], string(r.Value))
			if len(r.Headers) != 1 || string(r.Headers[0].Value) != "x" {
				t.Errorf("headers %v", r.Headers)
			}
			total++
		})
	}
	for p := int32(0); p < 3; p++ {
		for i, v := range got[p] {
			if want := fmt.Sprintf("v%d", int(p)+3*i); v != want {
				t.Fatalf("partition %d record %d = %s, want %s (order)", p, i, v, want)
			}
		}
	}
	ends, err := adm.ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset != n/3 {
			t.Errorf("partition %d end offset %d", o.Partition, o.Offset)
		}
	})
	resp, err := http.Get("http://" + b.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	for _, want := range []string{
		`samsa_partition_log_end_offset{partition="0",topic="orders"} 100`,
		`samsa_topic_bytes_in_total{topic="orders"}`,
		`samsa_topic_bytes_out_total{topic="orders"}`,
		`samsa_server_requests_total{api="Produce"}`,
		`samsa_server_connections `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if del, err := adm.DeleteTopics(ctx, "orders"); err != nil || del["orders"].Err != nil {
		t.Fatalf("delete: %v %v", err, del["orders"].Err)
	}
	stopBroker(t, b)

	// Restart: the data and the topic are gone; a new topic works.
	b2 := startBroker(t, dir)
	defer stopBroker(t, b2)
	topics, err := kadm.NewClient(client(t, b2)).ListTopics(ctx)
	if err != nil || topics.Has("orders") {
		t.Fatalf("after restart: %v, orders present=%v", err, topics.Has("orders"))
	}
}

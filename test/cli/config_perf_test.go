//go:build cli

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigGetSet(t *testing.T) {
	topic := topicName(t, "")
	createTopic(t, topic, 1)
	ok(t, "", "config", "set", "topic", topic, "retention.ms=7200000", "max.message.bytes=2000000")
	wantConfigs(t, topic, map[string]string{"retention.ms": "7200000", "max.message.bytes": "2000000"})

	var entries []struct {
		Resource string `json:"resource"`
		Key      string `json:"key"`
		Value    string `json:"value"`
		Source   string `json:"source"`
	}
	decode(t, ok(t, "", "config", "get", "topic", topic, "-o", "json").stdout, &entries)
	got := map[string]string{}
	for _, e := range entries {
		got[e.Key] = e.Value
	}
	if got["retention.ms"] != "7200000" || got["max.message.bytes"] != "2000000" || len(got) != 2 {
		t.Errorf("config get -o json: %+v", entries)
	}
	if r := ok(t, "", "config", "get", "topic", topic, "--all"); !strings.Contains(r.stdout, "segment.bytes") {
		t.Errorf("config get --all lacks defaults:\n%s", r.stdout)
	}

	ok(t, "", "config", "set", "topic", topic, "--delete", "max.message.bytes")
	wantConfigs(t, topic, map[string]string{"retention.ms": "7200000", "max.message.bytes": ""})

	// A bad value changes nothing, and says which key.
	fails(t, 1, "", []string{"config", "set", "topic", topic, "retention.ms=1", "segment.bytes=huge"}, "segment.bytes", "nothing changed")
	wantConfigs(t, topic, map[string]string{"retention.ms": "7200000"})
	fails(t, 1, "", []string{"config", "set", "topic", "no-such-topic-xyz", "retention.ms=1"}, "no-such-topic-xyz", "does not exist")
	fails(t, 2, "", []string{"config", "set", "topic", topic}, "nothing to change")
	fails(t, 2, "", []string{"config", "get", "cluster"}, "topic or broker")
	fails(t, 2, "", []string{"config", "get", "broker", "one"}, "not a number")

	// Broker configs: a dynamic per-broker value, visible and removable.
	var info struct {
		Brokers []struct {
			ID int32 `json:"id"`
		} `json:"brokers"`
	}
	decode(t, ok(t, "", "cluster", "info", "-o", "json").stdout, &info)
	if len(info.Brokers) != 1 {
		t.Fatalf("cluster info: %+v", info)
	}
	id := itoa(int(info.Brokers[0].ID))
	ok(t, "", "config", "set", "broker", id, "log.retention.ms=86400000")
	if r := ok(t, "", "config", "get", "broker", id); !strings.Contains(r.stdout, "log.retention.ms") || !strings.Contains(r.stdout, "86400000") {
		t.Errorf("config get broker %s:\n%s", id, r.stdout)
	}
	rcs, err := admin(t).DescribeBrokerConfigs(ctx(t), info.Brokers[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			found = found || (c.Key == "log.retention.ms" && c.MaybeValue() == "86400000")
		}
	}
	if !found {
		t.Errorf("kadm does not see log.retention.ms=86400000 on broker %s", id)
	}
	ok(t, "", "config", "set", "broker", id, "--delete", "log.retention.ms")
}

func TestClusterInfo(t *testing.T) {
	var info struct {
		ClusterID  string `json:"cluster_id"`
		Controller int32  `json:"controller"`
		Brokers    []struct {
			ID   int32  `json:"id"`
			Host string `json:"host"`
			Port int32  `json:"port"`
		} `json:"brokers"`
		APIs map[string]int16 `json:"apis"`
	}
	decode(t, ok(t, "", "cluster", "info", "-o", "json").stdout, &info)
	if info.ClusterID == "" || len(info.Brokers) != 1 || brokerAddr != info.Brokers[0].Host+":"+itoa(int(info.Brokers[0].Port)) {
		t.Errorf("cluster info: %+v (broker %s)", info, brokerAddr)
	}
	if info.APIs["Produce"] == 0 || info.APIs["Fetch"] == 0 {
		t.Errorf("cluster info apis: %v", info.APIs)
	}
	if r := ok(t, "", "cluster", "info"); !strings.Contains(r.stdout, info.ClusterID) {
		t.Errorf("cluster info table:\n%s", r.stdout)
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := ok(t, "", "completion", sh); len(r.stdout) < 100 {
			t.Errorf("completion %s: %q", sh, r.stdout)
		}
	}
	// Dynamic completion of topic names through cobra's __complete.
	topic := topicName(t, "")
	createTopic(t, topic, 1)
	if r := ok(t, "", "__complete", "--brokers", brokerAddr, "topic", "describe", ""); !strings.Contains(r.stdout, topic) {
		t.Errorf("topic completion lacks %s:\n%s", topic, r.stdout)
	}
}

func TestPerfProduceConsumeE2E(t *testing.T) {
	topic := topicName(t, "")
	var p struct {
		Records   int64   `json:"records"`
		Errors    int64   `json:"errors"`
		RecPerSec float64 `json:"records_per_sec"`
		MBPerSec  float64 `json:"mb_per_sec"`
		Latency   struct {
			P50 float64 `json:"p50_ms"`
			P99 float64 `json:"p99_ms"`
			Max float64 `json:"max_ms"`
		} `json:"latency"`
	}
	decode(t, ok(t, "", "perf", "produce", "-t", topic, "-n", "5000", "-s", "200", "-p", "3", "--producers", "2",
		"--acks", "1", "--compression", "lz4", "--linger", "2ms", "--batch-size", "65536", "-o", "json").stdout, &p)
	if p.Records != 5000 || p.Errors != 0 || p.RecPerSec <= 0 || p.MBPerSec <= 0 || p.Latency.P50 <= 0 || p.Latency.Max < p.Latency.P99 {
		t.Errorf("perf produce: %+v", p)
	}
	if n := total(endOffsets(t, topic)); n != 5000 {
		t.Errorf("topic holds %d records, want 5000", n)
	}
	// The text form is kafka-producer-perf-test's line; progress goes to stderr.
	r := ok(t, "", "perf", "produce", "-t", topic, "-n", "2000", "--throughput", "4000", "--report-interval", "100ms")
	for _, want := range []string{"2000 records sent", "records/sec", "MB/sec", "ms 50th", "ms 99.9th"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("perf produce output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "records sent") {
		t.Errorf("perf produce printed no progress lines on stderr (throughput-capped run of ~0.5 s, 100ms interval):\n%s", r.stderr)
	}

	var c struct {
		Records int64 `json:"records"`
		Bytes   int64 `json:"bytes"`
	}
	decode(t, ok(t, "", "perf", "consume", "-t", topic, "--consumers", "3", "-o", "json").stdout, &c)
	if c.Records != 7000 || c.Bytes != 7000*200-2000*100 {
		t.Errorf("perf consume read %d records, %d bytes; want 7000, %d", c.Records, c.Bytes, 7000*200-2000*100)
	}
	fails(t, 1, "", []string{"perf", "consume", "-t", "no-such-topic-xyz"}, "does not exist")
	fails(t, 2, "", []string{"perf", "produce", "-n", "0"}, "--records")

	var e struct {
		Records int64 `json:"records"`
		Latency struct {
			Count int64   `json:"count"`
			P50   float64 `json:"p50_ms"`
			P999  float64 `json:"p99_9_ms"`
		} `json:"latency"`
	}
	decode(t, ok(t, "", "perf", "e2e", "-t", topicName(t, "-e2e"), "-n", "300", "-o", "json").stdout, &e)
	if e.Records != 300 || e.Latency.Count != 300 || e.Latency.P50 <= 0 || e.Latency.P999 < e.Latency.P50 {
		t.Errorf("perf e2e: %+v", e)
	}
}

// TestPerfSuiteTiny runs the whole matrix at a tiny scale: it must write the
// report with its PNG charts.
func TestPerfSuiteTiny(t *testing.T) {
	dir := t.TempDir()
	ok(t, "", "perf", "suite", "--out", dir, "--scale", "0.0005", "--sizes", "10,1000,100000", "--partitions", "2")
	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Single producer thread", "Three producers", "Single consumer", "Three consumers",
		"Producer and consumer at once", "Effect of message size", "End-to-end latency", "stored data", "| 1 KB |"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(pngs) != 6 {
		t.Errorf("charts: %v, want 6", pngs)
	}
	for _, p := range pngs {
		b, _ := os.ReadFile(p)
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || !bytes.Contains(md, []byte(filepath.Base(p))) {
			t.Errorf("%s is not a PNG linked from the report", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "results.json")); err != nil {
		t.Error(err)
	}
	// The suite deletes its topics.
	td, err := admin(t).ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range td.Names() {
		if strings.HasPrefix(n, "suite-") {
			t.Errorf("suite left topic %s", n)
		}
	}
	fails(t, 2, "", []string{"perf", "suite"}, "--out")
}

//go:build cli

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// consumed is one line of consume -o json.
type consumed struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Timestamp int64   `json:"timestamp"`
	Key       *string `json:"key"`
	Value     string  `json:"value"`
	Headers   []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
}

func parseLines(t *testing.T, out string) []consumed {
	t.Helper()
	var recs []consumed
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var c consumed
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("consume JSON line %q: %v", sc.Text(), err)
		}
		recs = append(recs, c)
	}
	return recs
}

func TestProduceConsumeRoundTrip(t *testing.T) {
	topic := topicName(t, "")
	ok(t, "", "topic", "create", topic, "-p", "3")
	var in strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&in, "key-%d:value %d: with colon\n", i, i)
	}
	r := ok(t, in.String(), "produce", topic, "-K", ":", "-H", "source=cli", "-H", "run=1", "--compression", "zstd", "-o", "json")
	var sum struct {
		Records int `json:"records"`
	}
	decode(t, r.stdout, &sum)
	if sum.Records != 30 || total(endOffsets(t, topic)) != 30 {
		t.Fatalf("produced %d records, topic holds %d, want 30", sum.Records, total(endOffsets(t, topic)))
	}
	// Read back with kgo: keys, values, headers and the zstd codec.
	seen := map[string]string{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	parts := map[int32]bool{}
	for len(seen) < 30 {
		fs := cl.PollFetches(ctx(t))
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen[string(r.Key)] = string(r.Value)
			parts[r.Partition] = true
			if len(r.Headers) != 2 || r.Headers[0].Key != "source" || string(r.Headers[0].Value) != "cli" || r.Headers[1].Key != "run" {
				t.Errorf("record %s headers %v", r.Key, r.Headers)
			}
			if r.Attrs.CompressionType() != 4 {
				t.Errorf("record %s stored with codec %d, want zstd (4)", r.Key, r.Attrs.CompressionType())
			}
		})
	}
	for i := 0; i < 30; i++ {
		if v := seen[fmt.Sprintf("key-%d", i)]; v != fmt.Sprintf("value %d: with colon", i) {
			t.Errorf("key-%d: value %q", i, v)
		}
	}
	if len(parts) < 2 {
		t.Errorf("30 distinct keys all went to partitions %v; want them spread by key", parts)
	}

	// consume --from beginning: every value, then exit by itself.
	r = ok(t, "", "consume", topic, "--from", "beginning")
	if n := len(strings.Split(strings.TrimSpace(r.stdout), "\n")); n != 30 {
		t.Errorf("consume --from beginning printed %d lines, want 30:\n%s", n, r.stdout)
	}
	// JSON output parses and carries key, headers, partition, offset, timestamp.
	recs := parseLines(t, ok(t, "", "consume", topic, "--from", "beginning", "-o", "json").stdout)
	if len(recs) != 30 {
		t.Fatalf("consume -o json: %d records", len(recs))
	}
	for _, c := range recs {
		if c.Topic != topic || c.Key == nil || !strings.HasPrefix(*c.Key, "key-") || len(c.Headers) != 2 || c.Timestamp < time.Now().Add(-time.Hour).UnixMilli() {
			t.Errorf("consumed %+v", c)
		}
	}
	// kv format, count limit.
	r = ok(t, "", "consume", topic, "--from", "beginning", "--format", "kv", "-K", "=", "-n", "5")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "key-") || !strings.Contains(lines[0], "=value ") {
		t.Errorf("consume --format kv -n 5:\n%s", r.stdout)
	}
	// --from end: nothing to read, exits 0 at once.
	if r := ok(t, "", "consume", topic); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("consume from the end printed %q", r.stdout)
	}
}

func TestProduceJSONAndPartition(t *testing.T) {
	topic := topicName(t, "")
	createTopic(t, topic, 3)
	in := `{"key":"a","value":"one","headers":[{"key":"h","value":"x"}],"partition":2}
{"key":null,"value":"two","partition":1}
{"value":"three"}
`
	ok(t, in, "produce", topic, "--format", "json", "--partition", "-1")
	ends := endOffsets(t, topic)
	if total(ends) != 3 || ends[2] < 1 || ends[1] < 1 {
		t.Fatalf("end offsets %v", ends)
	}
	recs := parseLines(t, ok(t, "", "consume", topic, "--from", "beginning", "-p", "2", "-o", "json").stdout)
	var found bool
	for _, c := range recs {
		if c.Value == "one" {
			found = c.Key != nil && *c.Key == "a" && len(c.Headers) == 1 && c.Headers[0].Value == "x" && c.Partition == 2
		}
	}
	if !found {
		t.Errorf("record one not read back from partition 2 as sent: %+v", recs)
	}
	// consume's JSON feeds produce --format json (round trip to a second topic).
	copyTopic := topicName(t, "-copy")
	createTopic(t, copyTopic, 3)
	out := ok(t, "", "consume", topic, "--from", "beginning", "-o", "json").stdout
	ok(t, out, "produce", copyTopic, "--format", "json")
	if got := endOffsets(t, copyTopic); got[2] != ends[2] || got[1] != ends[1] || got[0] != ends[0] {
		t.Errorf("copy has end offsets %v, source %v", got, ends)
	}

	// --partition sends everything to one partition.
	ok(t, "x\ny\nz\n", "produce", topic, "--partition", "0", "--acks", "1")
	if got := endOffsets(t, topic); got[0] != ends[0]+3 {
		t.Errorf("after --partition 0: %v (before %v)", got, ends)
	}
	// --file.
	path := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(path, []byte("f1\nf2\n"), 0o644)
	ok(t, "", "produce", topic, "--file", path, "--partition", "1", "--compression", "gzip", "--acks", "0")
	deadline := time.Now().Add(10 * time.Second)
	for endOffsets(t, topic)[1] != ends[1]+2 && time.Now().Before(deadline) {
		sleep(50) // acks=0: the command does not wait for the broker
	}
	if got := endOffsets(t, topic); got[1] != ends[1]+2 {
		t.Errorf("after --file to partition 1: %v (before %v)", got, ends)
	}
}

// TestProduceAllOrNothing: a malformed line, an unknown topic or a
// partition out of range sends nothing.
func TestProduceAllOrNothing(t *testing.T) {
	topic := topicName(t, "")
	createTopic(t, topic, 2)
	fails(t, 2, "k:v\nno separator here\nk2:v2\n", []string{"produce", topic, "-K", ":"}, "line 2", "separator", "nothing sent")
	fails(t, 2, `{"value":"ok"}`+"\n{not json\n", []string{"produce", topic, "--format", "json"}, "line 2", "JSON", "nothing sent")
	fails(t, 2, "a\nb\n", []string{"produce", topic, "--partition", "7"}, "partition 7", "nothing sent")
	fails(t, 1, "a\n", []string{"produce", "no-such-topic-xyz"}, "no-such-topic-xyz", "does not exist")
	fails(t, 2, "a\n", []string{"produce", topic, "--compression", "brotli"}, "--compression")
	fails(t, 2, "a\n", []string{"produce", topic, "--acks", "2"}, "--acks")
	fails(t, 2, "a\n", []string{"produce", topic, "-H", "novalue"}, "--header")
	fails(t, 2, "a\n", []string{"produce"}, "accepts 1 arg")
	if n := total(endOffsets(t, topic)); n != 0 {
		t.Errorf("topic holds %d records after failed produces, want 0", n)
	}
}

func TestConsumeFromOffsetAndTime(t *testing.T) {
	topic := topicName(t, "")
	createTopic(t, topic, 1)
	ok(t, "a\nb\nc\n", "produce", topic)
	sleep(30)
	mid := time.Now()
	sleep(30)
	ok(t, "d\ne\n", "produce", topic)

	if r := ok(t, "", "consume", topic, "--from", "3"); r.stdout != "d\ne\n" {
		t.Errorf("--from 3: %q", r.stdout)
	}
	if r := ok(t, "", "consume", topic, "--from", mid.UTC().Format(time.RFC3339Nano)); r.stdout != "d\ne\n" {
		t.Errorf("--from %s: %q", mid.Format(time.RFC3339Nano), r.stdout)
	}
	if r := ok(t, "", "consume", topic, "--from", fmt.Sprintf("@%d", mid.UnixMilli())); r.stdout != "d\ne\n" {
		t.Errorf("--from @millis: %q", r.stdout)
	}
	if r := ok(t, "", "consume", topic, "--from", "-1h", "-n", "2"); r.stdout != "a\nb\n" {
		t.Errorf("--from -1h -n 2: %q", r.stdout)
	}
	if r := ok(t, "", "consume", topic, "--from", "earliest", "--partition", "0"); r.stdout != "a\nb\nc\nd\ne\n" {
		t.Errorf("--from earliest: %q", r.stdout)
	}
	fails(t, 2, "", []string{"consume", topic, "--from", "yesterday-ish"}, "--from")
	fails(t, 2, "", []string{"consume", topic, "--partition", "4"}, "--partition 4")
	fails(t, 2, "", []string{"consume", topic, "--format", "xml"}, "--format")
	fails(t, 1, "", []string{"consume", "no-such-topic-xyz"}, "no-such-topic-xyz", "does not exist")
}

// TestConsumeFollow: --follow prints records produced after it started,
// and exits 0 on SIGINT.
func TestConsumeFollow(t *testing.T) {
	topic := topicName(t, "")
	createTopic(t, topic, 2)
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, bin, "consume", topic, "--follow", "--brokers", brokerAddr)
	var out, errb bytes.Buffer
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	sleep(1500) // let it find the end offsets before producing
	ok(t, "live-1\nlive-2\n", "produce", topic)
	got := map[string]bool{}
	timeout := time.After(20 * time.Second)
	for len(got) < 2 {
		select {
		case l := <-lines:
			got[l] = true
		case <-timeout:
			t.Fatalf("follow printed %v within 20s; stderr %s", got, errb.String())
		}
	}
	if !got["live-1"] || !got["live-2"] {
		t.Errorf("follow printed %v", got)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("consume --follow after SIGINT: %v (stderr %s)", err, errb.String())
	}
	_ = out
}

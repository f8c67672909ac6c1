//go:build cli

package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
)

func TestTopicCreateListDescribeDelete(t *testing.T) {
	topic := topicName(t, "")
	r := ok(t, "", "topic", "create", topic, "-p", "4", "-c", "retention.ms=3600000", "-c", "cleanup.policy=compact")
	if !strings.Contains(r.stdout, "created") {
		t.Errorf("create output: %s", r.stdout)
	}
	// Effect: 4 partitions and both configs, seen through kadm.
	td, err := admin(t).ListTopics(ctx(t), topic)
	if err != nil || td[topic].Err != nil {
		t.Fatalf("kadm ListTopics: %v %v", err, td[topic].Err)
	}
	if n := len(td[topic].Partitions); n != 4 {
		t.Errorf("topic has %d partitions, want 4", n)
	}
	wantConfigs(t, topic, map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact"})

	// list (JSON parses and names the topic with its partitions).
	var listed []struct {
		Topic      string `json:"topic"`
		Partitions int    `json:"partitions"`
	}
	decode(t, ok(t, "", "topic", "list", "-o", "json").stdout, &listed)
	found := false
	for _, l := range listed {
		found = found || (l.Topic == topic && l.Partitions == 4)
	}
	if !found {
		t.Errorf("topic list -o json has no %s with 4 partitions: %+v", topic, listed)
	}
	if r := ok(t, "", "topic", "list"); !strings.Contains(r.stdout, topic) {
		t.Errorf("topic list table does not name %s:\n%s", topic, r.stdout)
	}

	// describe (JSON).
	var desc []struct {
		Topic      string            `json:"topic"`
		Partitions []json.RawMessage `json:"partitions"`
		Configs    map[string]string `json:"configs"`
	}
	decode(t, ok(t, "", "topic", "describe", topic, "-o", "json").stdout, &desc)
	if len(desc) != 1 || len(desc[0].Partitions) != 4 || desc[0].Configs["cleanup.policy"] != "compact" {
		t.Errorf("describe -o json: %+v", desc)
	}
	if r := ok(t, "", "topic", "describe", topic); !strings.Contains(r.stdout, "retention.ms=3600000") {
		t.Errorf("describe table:\n%s", r.stdout)
	}

	// create again: an error unless --if-not-exists.
	fails(t, 1, "", []string{"topic", "create", topic}, topic, "TOPIC_ALREADY_EXISTS")
	ok(t, "", "topic", "create", topic, "--if-not-exists")

	// delete: gone from the metadata.
	ok(t, "", "topic", "delete", topic)
	waitGone(t, topic)
	fails(t, 1, "", []string{"topic", "delete", topic}, topic, "does not exist")
	ok(t, "", "topic", "delete", topic, "--if-exists")
}

func TestTopicAlterConfigAndAddPartitions(t *testing.T) {
	topic := topicName(t, "")
	ok(t, "", "topic", "create", topic, "-p", "2", "-c", "retention.ms=1000000")
	ok(t, "", "topic", "alter-config", topic, "--set", "segment.bytes=1048576", "--delete", "retention.ms")
	wantConfigs(t, topic, map[string]string{"segment.bytes": "1048576", "retention.ms": ""})

	ok(t, "", "topic", "add-partitions", topic, "--total", "5")
	if n := len(endOffsets(t, topic)); n != 5 {
		t.Errorf("after add-partitions --total 5: %d partitions", n)
	}
	// Shrinking is refused, and changes nothing.
	fails(t, 1, "", []string{"topic", "add-partitions", topic, "--total", "3"}, "5 partitions", "nothing changed")
	if n := len(endOffsets(t, topic)); n != 5 {
		t.Errorf("after a refused shrink: %d partitions", n)
	}
	// A bad value: validated first, nothing applied (segment.bytes stays).
	fails(t, 1, "", []string{"topic", "alter-config", topic, "--set", "segment.bytes=2097152", "--set", "retention.ms=soon"}, "retention.ms", "nothing changed")
	wantConfigs(t, topic, map[string]string{"segment.bytes": "1048576", "retention.ms": ""})
}

// TestTopicCreateAllOrNothing: one bad config or one bad name among several
// topics creates none of them.
func TestTopicCreateAllOrNothing(t *testing.T) {
	a, b := topicName(t, "-a"), topicName(t, "-b")
	fails(t, 1, "", []string{"topic", "create", a, b, "-c", "retention.ms=abc"}, "retention.ms", "nothing created")
	fails(t, 1, "", []string{"topic", "create", a, b, "-c", "no.such.config=1"}, "no.such.config", "nothing created")
	fails(t, 1, "", []string{"topic", "create", a, "bad/name"}, "bad/name", "nothing created")
	td, err := admin(t).ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{a, b, "bad/name"} {
		if td.Has(n) {
			t.Errorf("topic %s exists after a failed create", n)
		}
	}
	// Deleting a known and an unknown topic deletes neither.
	createTopic(t, a, 1)
	fails(t, 1, "", []string{"topic", "delete", a, b}, b, "does not exist")
	if td, _ := admin(t).ListTopics(ctx(t), a); !td.Has(a) || td[a].Err != nil {
		t.Errorf("topic %s was deleted although the command failed", a)
	}
}

func TestTopicBadInput(t *testing.T) {
	fails(t, 2, "", []string{"topic", "create"}, "requires at least 1 arg")
	fails(t, 2, "", []string{"topic", "create", "x", "--partitions", "many"}, "--partitions")
	fails(t, 2, "", []string{"topic", "create", "x", "--partitions", "0"}, "--partitions")
	fails(t, 2, "", []string{"topic", "create", "x", "-c", "novalue"}, "key=value")
	fails(t, 2, "", []string{"topic", "list", "--no-such-flag"}, "unknown flag")
	fails(t, 2, "", []string{"topic", "list", "-o", "yaml"}, "--output")
	fails(t, 2, "", []string{"no-such-verb"}, "unknown command")
	fails(t, 1, "", []string{"topic", "describe", "no-such-topic"}, "no-such-topic", "does not exist")
}

func TestUnreachableBroker(t *testing.T) {
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	dead := "127.0.0.1:" + itoa(ports[0])
	for _, args := range [][]string{
		{"topic", "list"},
		{"produce", "x"},
		{"consume", "x"},
		{"cluster", "info"},
		{"group", "list"},
	} {
		fails(t, 1, "v\n", append(args, "--brokers", dead, "--timeout", "3s"), "cannot reach brokers "+dead, "--brokers")
	}
	// SAMSA_BROKERS is the default; --brokers wins over it.
	if r := samsaEnv(t, []string{"SAMSA_BROKERS=" + dead}, "", "topic", "list", "--timeout", "2s"); r.code != 1 || !strings.Contains(r.stderr, dead) {
		t.Errorf("SAMSA_BROKERS=%s: exit %d, %s", dead, r.code, r.stderr)
	}
	if r := samsaEnv(t, []string{"SAMSA_BROKERS=" + brokerAddr}, "", "topic", "list"); r.code != 0 {
		t.Errorf("SAMSA_BROKERS=%s: exit %d, %s", brokerAddr, r.code, r.stderr)
	}
	if r := samsaEnv(t, []string{"SAMSA_BROKERS=" + dead}, "", "topic", "list", "--brokers", brokerAddr); r.code != 0 {
		t.Errorf("--brokers should win over SAMSA_BROKERS: exit %d, %s", r.code, r.stderr)
	}
	fails(t, 2, "", []string{"topic", "list", "--brokers", "nohostport"}, "host:port")
}

func wantConfigs(t *testing.T, topic string, want map[string]string) {
	t.Helper()
	rcs, err := admin(t).DescribeTopicConfigs(ctx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("describe configs: %v %v", err, rc.Err)
	}
	got := map[string]string{}
	for _, c := range rc.Configs {
		if c.Source == 1 { // DYNAMIC_TOPIC_CONFIG: set on the topic
			got[c.Key] = c.MaybeValue()
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("topic %s config %s = %q, want %q (overrides: %v)", topic, k, got[k], v, got)
		}
	}
}

func waitGone(t *testing.T, topic string) {
	t.Helper()
	adm := admin(t)
	for i := 0; i < 100; i++ {
		td, err := adm.ListTopics(ctx(t))
		if err == nil && !td.Has(topic) {
			return
		}
		sleep(50)
	}
	t.Fatalf("topic %s still listed after delete", topic)
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("output is not the expected JSON (%v):\n%s", err, s)
	}
}

var _ kadm.TopicDetails

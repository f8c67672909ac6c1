//go:build cli

package cli

// Consumer-group verbs: consume --group, group list/describe/reset-offsets/
// delete. These need a broker that serves consumer groups (FindCoordinator,
// JoinGroup, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch, ListGroups,
// DescribeGroups, DeleteGroups); a broker without them fails these tests.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// needGroups fails the test when the broker does not serve consumer groups.
func needGroups(t *testing.T) {
	t.Helper()
	vs, err := admin(t).ApiVersions(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Sorted() {
		if _, ok := v.KeyMaxVersion(kmsg.FindCoordinator.Int16()); !ok {
			t.Fatal("the broker does not serve consumer groups (no FindCoordinator in ApiVersions)")
		}
		for _, k := range []kmsg.Key{kmsg.JoinGroup, kmsg.OffsetCommit, kmsg.OffsetFetch, kmsg.ListGroups, kmsg.DescribeGroups, kmsg.DeleteGroups} {
			if _, ok := v.KeyMaxVersion(k.Int16()); !ok {
				t.Fatalf("the broker serves FindCoordinator but not %s", kmsg.NameForKey(k.Int16()))
			}
		}
	}
}

// committed is the group's committed offset per partition of topic.
func committed(t *testing.T, group, topic string) map[int32]int64 {
	t.Helper()
	os, err := admin(t).FetchOffsetsForTopics(ctx(t), group, topic)
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	out := map[int32]int64{}
	os.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out
}

func lineCount(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	return len(strings.Split(s, "\n"))
}

func TestGroupConsumeDescribeReset(t *testing.T) {
	needGroups(t)
	topic, group := topicName(t, ""), topicName(t, "-g")
	createTopic(t, topic, 2)
	var in strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&in, "k%d:v%d\n", i, i)
	}
	ok(t, in.String(), "produce", topic, "-K", ":")

	// A new group starts at --from and commits what it printed.
	if r := ok(t, "", "consume", topic, "-g", group, "--from", "beginning", "-n", "8"); lineCount(r.stdout) != 8 {
		t.Fatalf("consume -g -n 8 printed:\n%s", r.stdout)
	}
	if c := total(committed(t, group, topic)); c != 8 {
		t.Errorf("after reading 8 records the group committed %d offsets in total, want 8", c)
	}
	// Committed offsets win over --from: the rest, then nothing.
	if r := ok(t, "", "consume", topic, "-g", group, "--from", "beginning"); lineCount(r.stdout) != 12 {
		t.Errorf("second consume -g printed %d lines, want 12:\n%s", lineCount(r.stdout), r.stdout)
	}
	if r := ok(t, "", "consume", topic, "-g", group); lineCount(r.stdout) != 0 {
		t.Errorf("third consume -g printed:\n%s", r.stdout)
	}

	// list and describe (JSON parses; lag 0 everywhere, committed = end).
	var groups []struct {
		Group string `json:"group"`
		State string `json:"state"`
	}
	decode(t, ok(t, "", "group", "list", "-o", "json").stdout, &groups)
	found := false
	for _, g := range groups {
		found = found || g.Group == group
	}
	if !found {
		t.Errorf("group list -o json lacks %s: %+v", group, groups)
	}
	var desc []struct {
		Group      string `json:"group"`
		State      string `json:"state"`
		TotalLag   int64  `json:"total_lag"`
		Partitions []struct {
			Partition int32 `json:"partition"`
			Committed int64 `json:"committed"`
			End       int64 `json:"end"`
			Lag       int64 `json:"lag"`
		} `json:"partitions"`
	}
	decode(t, ok(t, "", "group", "describe", group, "-o", "json").stdout, &desc)
	if len(desc) != 1 || desc[0].TotalLag != 0 || len(desc[0].Partitions) != 2 {
		t.Fatalf("group describe: %+v", desc)
	}
	for _, p := range desc[0].Partitions {
		if p.Committed != p.End || p.Lag != 0 {
			t.Errorf("partition %+v: want committed = end, lag 0", p)
		}
	}
	if r := ok(t, "", "group", "describe", group); !strings.Contains(r.stdout, "LAG") || !strings.Contains(r.stdout, topic) {
		t.Errorf("group describe table:\n%s", r.stdout)
	}

	// reset-offsets: a dry run changes nothing; then earliest, an offset,
	// a time.
	before := committed(t, group, topic)
	r := ok(t, "", "group", "reset-offsets", group, "--to", "earliest", "--dry-run", "-o", "json")
	var plan struct {
		DryRun  bool `json:"dry_run"`
		Offsets []struct {
			Partition int32 `json:"partition"`
			Old, New  int64
		} `json:"offsets"`
	}
	decode(t, r.stdout, &plan)
	if !plan.DryRun || len(plan.Offsets) != 2 || plan.Offsets[0].New != 0 {
		t.Errorf("dry run plan: %+v", plan)
	}
	if after := committed(t, group, topic); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("dry run moved offsets from %v to %v", before, after)
	}
	ok(t, "", "group", "reset-offsets", group, "--to", "earliest")
	if c := committed(t, group, topic); c[0] != 0 || c[1] != 0 {
		t.Errorf("after --to earliest: %v", c)
	}
	if r := ok(t, "", "consume", topic, "-g", group); lineCount(r.stdout) != 20 {
		t.Errorf("after the reset, consume -g printed %d lines, want 20", lineCount(r.stdout))
	}
	ok(t, "", "group", "reset-offsets", group, "--to", "3", "--topic", topic)
	if c := committed(t, group, topic); c[0] != min(3, before[0]) || c[1] != min(3, before[1]) {
		t.Errorf("after --to 3: %v (ends %v)", c, before)
	}
	ok(t, "", "group", "reset-offsets", group, "--to", "latest")
	if c := committed(t, group, topic); fmt.Sprint(c) != fmt.Sprint(endOffsets(t, topic)) {
		t.Errorf("after --to latest: %v, ends %v", c, endOffsets(t, topic))
	}
	ok(t, "", "group", "reset-offsets", group, "--to", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if c := committed(t, group, topic); c[0] != 0 || c[1] != 0 {
		t.Errorf("after --to an hour ago: %v", c)
	}
	fails(t, 2, "", []string{"group", "reset-offsets", group}, "--to")
	fails(t, 2, "", []string{"group", "reset-offsets", group, "--to", "someday"}, "--to")
	fails(t, 1, "", []string{"group", "reset-offsets", group, "--to", "earliest", "--topic", "no-such-topic-xyz"}, "no-such-topic-xyz")

	// delete: all or nothing.
	fails(t, 1, "", []string{"group", "delete", group, "no-such-group-xyz"}, "no-such-group-xyz", "nothing deleted")
	if c := committed(t, group, topic); len(c) == 0 {
		t.Errorf("a failed delete removed %s's offsets", group)
	}
	ok(t, "", "group", "delete", group)
	gs, err := admin(t).ListGroups(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gs[group]; ok {
		t.Errorf("group %s still listed after delete", group)
	}
	fails(t, 1, "", []string{"group", "describe", group}, group, "does not exist")
}

// TestGroupActiveMembers: a group with a running consumer shows the member
// and its assignment; reset-offsets and delete refuse to touch it.
func TestGroupActiveMembers(t *testing.T) {
	needGroups(t)
	topic, group := topicName(t, ""), topicName(t, "-g")
	createTopic(t, topic, 2)
	ok(t, "a\nb\nc\n", "produce", topic)

	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, bin, "consume", topic, "-g", group, "--from", "beginning", "--follow", "--brokers", brokerAddr)
	pr, pw, _ := os.Pipe()
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = pw, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	sc := bufio.NewScanner(pr)
	for i := 0; i < 3; i++ {
		if !sc.Scan() {
			t.Fatalf("the group consumer printed %d lines; stderr: %s", i, errb.String())
		}
	}
	var desc []struct {
		State   string `json:"state"`
		Members []struct {
			Assigned []string `json:"assigned"`
		} `json:"members"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		decode(t, ok(t, "", "group", "describe", group, "-o", "json").stdout, &desc)
		if len(desc) == 1 && desc[0].State == "Stable" && len(desc[0].Members) == 1 && len(desc[0].Members[0].Assigned) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group describe never showed one stable member with 2 partitions: %+v", desc)
		}
		sleep(200)
	}
	before := committed(t, group, topic)
	fails(t, 1, "", []string{"group", "reset-offsets", group, "--to", "earliest"}, "active members")
	fails(t, 1, "", []string{"group", "delete", group}, "active members", "nothing deleted")
	if after := committed(t, group, topic); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused reset still moved offsets: %v -> %v", before, after)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("consume --group --follow after SIGINT: %v (stderr %s)", err, errb.String())
	}
	// On exit the consumer committed what it printed.
	if c := committed(t, group, topic); total(c) != 3 {
		t.Errorf("after SIGINT the group committed %v, want 3 records' worth", c)
	}
}

package broker

import (
	"bytes"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestGroupConnectProtocol: the coordinator relays what it does not
// interpret. Two Kafka Connect-style workers (protocol type "connect",
// protocol "sessioned", opaque metadata and assignments that are not the
// consumer format) form a group; the leader gets both members' metadata
// byte for byte, each worker gets exactly the bytes the leader assigned
// it, and DescribeGroups reports the connect group as Stable.
func TestGroupConnectProtocol(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	ctx := testContext(t)
	w1, w2 := client(t, b), client(t, b)

	findCoordinator(t, ctx, w1, "connect-cluster")
	join := func(cl *kgo.Client, member string, metadata []byte) *kmsg.JoinGroupResponse {
		t.Helper()
		req := joinReq("connect-cluster", member, 5)
		req.ProtocolType = "connect"
		req.Protocols[0].Name, req.Protocols[0].Metadata = "sessioned", metadata
		var resp *kmsg.JoinGroupResponse
		eventually(t, "join", func() error {
			resp = rawRequest[*kmsg.JoinGroupResponse](t, ctx, cl, req)
			if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.NotCoordinator) {
				return err
			}
			return nil
		})
		return resp
	}
	sync := func(cl *kgo.Client, gen int32, member string, assignments map[string][]byte) *kmsg.SyncGroupResponse {
		t.Helper()
		req := kmsg.NewPtrSyncGroupRequest()
		req.Group, req.Generation, req.MemberID = "connect-cluster", gen, member
		for id, a := range assignments {
			ga := kmsg.NewSyncGroupRequestGroupAssignment()
			ga.MemberID, ga.MemberAssignment = id, a
			req.GroupAssignment = append(req.GroupAssignment, ga)
		}
		return rawRequest[*kmsg.SyncGroupResponse](t, ctx, cl, req)
	}
	meta1, meta2 := []byte("\x00\x01worker-1:8083\x00config-offset=7"), []byte("\x00\x01worker-2:8083\x00config-offset=7")

	// Worker 1 alone: generation 1, leader.
	id1 := join(w1, "", meta1).MemberID
	r1 := join(w1, id1, meta1)
	if r1.ErrorCode != 0 || r1.LeaderID != id1 || r1.Protocol == nil || *r1.Protocol != "sessioned" {
		t.Fatalf("worker 1 join: %+v", r1)
	}
	if s := sync(w1, r1.Generation, id1, map[string][]byte{id1: []byte("all connectors")}); s.ErrorCode != 0 || string(s.MemberAssignment) != "all connectors" {
		t.Fatalf("worker 1 sync: %+v", s)
	}

	// Worker 2 joins; its JoinGroup waits until worker 1 rejoins.
	id2 := join(w2, "", meta2).MemberID
	joined2 := make(chan *kmsg.JoinGroupResponse, 1)
	go func() { joined2 <- join(w2, id2, meta2) }()
	eventually(t, "worker 1 told to rejoin", func() error {
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.Group, hb.Generation, hb.MemberID = "connect-cluster", r1.Generation, id1
		if code := rawRequest[*kmsg.HeartbeatResponse](t, ctx, w1, hb).ErrorCode; code != kerr.RebalanceInProgress.Code {
			return kerr.ErrorForCode(code)
		}
		return nil
	})
	r1 = join(w1, id1, meta1)
	r2 := <-joined2
	if r1.ErrorCode != 0 || r2.ErrorCode != 0 || r1.Generation != r2.Generation || r1.LeaderID != id1 {
		t.Fatalf("rebalance: worker 1 %+v, worker 2 %+v", r1, r2)
	}
	got := map[string][]byte{}
	for _, m := range r1.Members {
		got[m.MemberID] = m.ProtocolMetadata
	}
	if !bytes.Equal(got[id1], meta1) || !bytes.Equal(got[id2], meta2) || len(got) != 2 {
		t.Fatalf("the leader got metadata %q, want both workers' bytes", got)
	}

	// The leader assigns; the follower's SyncGroup gets its bytes.
	synced2 := make(chan *kmsg.SyncGroupResponse, 1)
	go func() { synced2 <- sync(w2, r2.Generation, id2, nil) }()
	plan := map[string][]byte{id1: []byte("connector-a, task a-0"), id2: []byte("connector-b, tasks b-0 b-1")}
	if s := sync(w1, r1.Generation, id1, plan); s.ErrorCode != 0 || !bytes.Equal(s.MemberAssignment, plan[id1]) {
		t.Fatalf("worker 1 sync: %+v", s)
	}
	if s := <-synced2; s.ErrorCode != 0 || !bytes.Equal(s.MemberAssignment, plan[id2]) {
		t.Fatalf("worker 2 sync: %+v", s)
	}

	dg := kmsg.NewPtrDescribeGroupsRequest()
	dg.Groups = []string{"connect-cluster"}
	d := rawRequest[*kmsg.DescribeGroupsResponse](t, ctx, w1, dg).Groups[0]
	if d.State != "Stable" || d.ProtocolType != "connect" || d.Protocol != "sessioned" || len(d.Members) != 2 {
		t.Fatalf("describe: %+v", d)
	}
}

package broker

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawConn speaks the Kafka protocol on one TCP connection, so that a test
// controls which requests share the server's read buffer. Non-flexible
// request versions only (response header v0).
type rawConn struct {
	t   *testing.T
	nc  net.Conn
	fmt *kmsg.RequestFormatter
	cid int32
}

func dialRaw(t *testing.T, b *Broker) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", b.Addr("PLAINTEXT").String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fmt: kmsg.NewRequestFormatter(kmsg.FormatterClientID("raw"))}
}

// do sends req and decodes the answer into resp.
func (c *rawConn) do(req kmsg.Request, resp kmsg.Response) {
	c.t.Helper()
	if req.IsFlexible() {
		c.t.Fatalf("rawConn speaks non-flexible versions only, not %s v%d", kmsg.NameForKey(req.Key()), req.GetVersion())
	}
	c.cid++
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(c.fmt.AppendRequest(nil, req, c.cid)); err != nil {
		c.t.Fatal(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c.nc, size[:]); err != nil {
		c.t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c.nc, body); err != nil {
		c.t.Fatal(err)
	}
	if cid := int32(binary.BigEndian.Uint32(body)); cid != c.cid {
		c.t.Fatalf("correlation id %d, want %d", cid, c.cid)
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body[4:]); err != nil {
		c.t.Fatal(err)
	}
}

// TestGroupStateOutlivesTheRequestBuffer: the server reads each request of
// a connection into the same buffer, and kmsg's byte fields alias it, so
// whatever a handler keeps must be copied. A member's protocol metadata
// (JoinGroup) and the leader's assignments (SyncGroup) are kept by the
// group; after a larger request on the same connection has overwritten the
// buffer, DescribeGroups must still return them intact.
func TestGroupStateOutlivesTheRequestBuffer(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	c := dialRaw(t, b)

	// The coordinator: the first FindCoordinator creates __consumer_offsets
	// and may answer before the group's shard has loaded.
	var coord *kmsg.FindCoordinatorResponse
	for range 100 {
		find := kmsg.NewPtrFindCoordinatorRequest()
		find.Version, find.CoordinatorKey = 2, "aliased"
		coord = kmsg.NewPtrFindCoordinatorResponse()
		c.do(find, coord)
		if coord.ErrorCode == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if coord.ErrorCode != 0 {
		t.Fatalf("FindCoordinator: %v", kerr.ErrorForCode(coord.ErrorCode))
	}

	metadata := bytes.Repeat([]byte("member-metadata/"), 64)
	assignment := bytes.Repeat([]byte("assignment/"), 64)
	join := func(member string) *kmsg.JoinGroupResponse {
		req := joinReq("aliased", member, 5)
		req.Protocols[0].Metadata = append([]byte(nil), metadata...)
		resp := kmsg.NewPtrJoinGroupResponse()
		for range 100 { // the shard may still be loading
			c.do(req, resp)
			if resp.ErrorCode != kerr.CoordinatorLoadInProgress.Code {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return resp
	}
	first := join("")
	if first.ErrorCode != kerr.MemberIDRequired.Code {
		t.Fatalf("first join: %v", kerr.ErrorForCode(first.ErrorCode))
	}
	joined := join(first.MemberID)
	if joined.ErrorCode != 0 || joined.LeaderID != first.MemberID {
		t.Fatalf("join: %v, leader %q", kerr.ErrorForCode(joined.ErrorCode), joined.LeaderID)
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Version, sync.Group, sync.Generation, sync.MemberID = 3, "aliased", joined.Generation, first.MemberID
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID, a.MemberAssignment = first.MemberID, append([]byte(nil), assignment...)
	sync.GroupAssignment = append(sync.GroupAssignment, a)
	synced := kmsg.NewPtrSyncGroupResponse()
	c.do(sync, synced)
	if synced.ErrorCode != 0 || !bytes.Equal(synced.MemberAssignment, assignment) {
		t.Fatalf("sync: %v, assignment %q", kerr.ErrorForCode(synced.ErrorCode), synced.MemberAssignment)
	}

	// A bigger request on the same connection overwrites the read buffer.
	md := kmsg.NewPtrMetadataRequest()
	md.Version = 1
	for i := range 30 { // smaller than the SyncGroup frame: it reuses the buffer
		name := strings.Repeat("x", 20) + string(rune('a'+i%26))
		md.Topics = append(md.Topics, kmsg.MetadataRequestTopic{Topic: &name})
	}
	c.do(md, kmsg.NewPtrMetadataResponse())

	describe := kmsg.NewPtrDescribeGroupsRequest()
	describe.Version, describe.Groups = 4, []string{"aliased"}
	described := kmsg.NewPtrDescribeGroupsResponse()
	c.do(describe, described)
	if len(described.Groups) != 1 || len(described.Groups[0].Members) != 1 {
		t.Fatalf("describe: %+v", described)
	}
	m := described.Groups[0].Members[0]
	if !bytes.Equal(m.ProtocolMetadata, metadata) {
		t.Errorf("member metadata changed after a later request on the connection: %q", m.ProtocolMetadata)
	}
	if !bytes.Equal(m.MemberAssignment, assignment) {
		t.Errorf("member assignment changed after a later request on the connection: %q", m.MemberAssignment)
	}
}

package api

// SyncGroup: v0-5 advertised, v0-5 served.
//
// Behavior:
//   - The leader sends every member's assignment; the broker relays them
//     uninterpreted (any protocol type: consumer, connect, ...). Followers
//     wait until the leader's SyncGroup has been written and committed to
//     __consumer_offsets; members the leader left out get an empty
//     assignment. A member syncing a Stable group gets its assignment again.
//   - REBALANCE_IN_PROGRESS while preparing a rebalance, ILLEGAL_GENERATION,
//     UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (v3+, KIP-345).
//   - v5: ProtocolType and ProtocolName must match the group's when given
//     (INCONSISTENT_GROUP_PROTOCOL) and are returned.
//   - The wait ends with NOT_COORDINATOR when the request's context is
//     cancelled (shutdown) or the partition is unloaded.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) syncGroup(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.SyncGroupRequest)
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.Version = rc.version
	g, err := r.groups()
	var res group.SyncResult
	if err != nil {
		res.Err = err
	} else {
		sr := group.SyncRequest{Group: in.Group, MemberID: in.MemberID, Generation: in.Generation}
		if rc.version >= 3 {
			sr.InstanceID = in.InstanceID
		}
		if rc.version >= 5 {
			sr.ProtocolType, sr.Protocol = in.ProtocolType, in.Protocol
		}
		if len(in.GroupAssignment) > 0 {
			sr.Assignments = make(map[string][]byte, len(in.GroupAssignment))
			for _, a := range in.GroupAssignment {
				sr.Assignments[a.MemberID] = a.MemberAssignment
			}
		}
		res = g.SyncGroup(ctx, sr)
	}
	resp.ErrorCode = errorCode(res.Err)
	resp.MemberAssignment = res.Assignment
	if resp.MemberAssignment == nil {
		resp.MemberAssignment = []byte{}
	}
	if rc.version >= 5 && res.Err == nil {
		pt, p := res.ProtocolType, res.Protocol
		resp.ProtocolType, resp.Protocol = &pt, &p
	}
	return resp, nil
}

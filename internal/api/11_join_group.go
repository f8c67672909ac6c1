package api

// JoinGroup: v0-9 advertised, v0-9 served.
//
// Behavior (internal/group holds the state machine; docs/groups.md):
//   - The answer comes when the join phase ends: every member rejoined, the
//     rebalance timeout passed (v0 has none: the session timeout is used),
//     or for a group that was Empty after group.initial.rebalance.delay.ms,
//     extended by each new member up to the rebalance timeout. Only the
//     leader gets the members and their metadata for the chosen protocol.
//   - v4+: a new member without an id gets MEMBER_ID_REQUIRED with its id
//     and must rejoin with it (KIP-394).
//   - v5+: static membership by group.instance.id (KIP-345): a known
//     instance rejoining without an id replaces the old member id, which is
//     then FENCED_INSTANCE_ID; a stable group with unchanged protocols does
//     not rebalance for it.
//   - v7+: protocol type and name in the response (null on error).
//   - v9: SkipAssignment is true only for a static leader rejoining a stable
//     group (KIP-814).
//   - INVALID_SESSION_TIMEOUT outside group.min/max.session.timeout.ms,
//     INCONSISTENT_GROUP_PROTOCOL for another protocol type or no common
//     protocol, GROUP_MAX_SIZE_REACHED at group.max.size, UNKNOWN_MEMBER_ID.
//   - The wait ends with NOT_COORDINATOR when the request's context is
//     cancelled (shutdown) or the partition is unloaded.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) joinGroup(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.JoinGroupRequest)
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.Version = rc.version
	g, err := r.groups()
	var res group.JoinResult
	if err != nil {
		res = group.JoinResult{MemberID: in.MemberID, Generation: -1, Err: err}
	} else {
		jr := group.JoinRequest{Group: in.Group, MemberID: in.MemberID, ClientID: rc.clientID(), ClientHost: rc.clientHost(),
			SessionTimeout:       time.Duration(in.SessionTimeoutMillis) * time.Millisecond,
			RebalanceTimeout:     time.Duration(in.RebalanceTimeoutMillis) * time.Millisecond,
			ProtocolType:         in.ProtocolType,
			RequireKnownMemberID: rc.version >= 4, SupportsSkipAssignment: rc.version >= 9}
		if rc.version == 0 {
			jr.RebalanceTimeout = jr.SessionTimeout
		}
		if rc.version >= 5 {
			jr.InstanceID = in.InstanceID
		}
		for _, p := range in.Protocols {
			jr.Protocols = append(jr.Protocols, group.Protocol{Name: p.Name, Metadata: p.Metadata})
		}
		res = g.JoinGroup(ctx, jr)
	}
	resp.ErrorCode = errorCode(res.Err)
	resp.Generation = res.Generation
	resp.MemberID = res.MemberID
	resp.LeaderID = res.LeaderID
	resp.SkipAssignment = res.SkipAssignment
	protocol := res.Protocol
	resp.Protocol = &protocol
	if rc.version >= 7 {
		if res.Err != nil {
			resp.Protocol = nil
		} else {
			pt := res.ProtocolType
			resp.ProtocolType = &pt
		}
	}
	for _, m := range res.Members {
		rm := kmsg.NewJoinGroupResponseMember()
		rm.MemberID, rm.InstanceID, rm.ProtocolMetadata = m.MemberID, m.InstanceID, m.Metadata
		resp.Members = append(resp.Members, rm)
	}
	return resp, nil
}

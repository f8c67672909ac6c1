package api

// Heartbeat: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - Keeps the member's session alive (session.timeout.ms); a member that
//     stops heartbeating is removed and the group rebalances.
//   - REBALANCE_IN_PROGRESS while the group prepares a rebalance (the
//     member must rejoin), ILLEGAL_GENERATION for another generation,
//     UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (v3+ static members, KIP-345).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) heartbeat(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.HeartbeatRequest)
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.Version = rc.version
	g, err := r.groups()
	if err == nil {
		hr := group.HeartbeatRequest{Group: in.Group, MemberID: in.MemberID, Generation: in.Generation}
		if rc.version >= 3 {
			hr.InstanceID = in.InstanceID
		}
		err = g.Heartbeat(ctx, hr)
	}
	resp.ErrorCode = errorCode(err)
	return resp, nil
}

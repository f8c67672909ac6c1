package api

// LeaveGroup: v0-5 advertised, v0-5 served.
//
// Behavior:
//   - The member leaves at once and the group rebalances (or becomes Empty).
//   - v0-2 name one member (MemberID); its error is the top-level error.
//   - v3+ name several members, each by member id and/or group.instance.id
//     (KIP-345: an admin can remove a static member by instance id alone),
//     with one error per member: UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID when
//     the instance id belongs to another member id. The top-level error is
//     for the group as a whole (NOT_COORDINATOR, ...).
//   - v5 Reason is accepted and ignored.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) leaveGroup(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.LeaveGroupRequest)
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.Version = rc.version
	var members []group.LeaveMember
	if rc.version < 3 {
		members = []group.LeaveMember{{MemberID: in.MemberID}}
	} else {
		for _, m := range in.Members {
			members = append(members, group.LeaveMember{MemberID: m.MemberID, InstanceID: m.InstanceID})
		}
	}
	g, err := r.groups()
	var errs []error
	if err == nil {
		errs, err = g.LeaveGroup(ctx, in.Group, members)
	}
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	if rc.version < 3 {
		resp.ErrorCode = errorCode(errs[0])
		return resp, nil
	}
	for i, m := range in.Members {
		rm := kmsg.NewLeaveGroupResponseMember()
		rm.MemberID, rm.InstanceID = m.MemberID, m.InstanceID
		rm.ErrorCode = errorCode(errs[i])
		resp.Members = append(resp.Members, rm)
	}
	return resp, nil
}

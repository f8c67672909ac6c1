package api

// DeleteGroups: v0-2 advertised, v0-2 served.
//
// Behavior:
//   - Per group: an Empty group's committed offsets and metadata are
//     deleted (tombstones in __consumer_offsets); NON_EMPTY_GROUP while it
//     has members; GROUP_ID_NOT_FOUND when it does not exist;
//     NOT_COORDINATOR for groups of partitions not served here.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (r *Router) deleteGroups(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DeleteGroupsRequest)
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.Version = rc.version
	g, err := r.groups()
	var errs []error
	if err == nil {
		errs = g.DeleteGroups(ctx, in.Groups)
	}
	for i, id := range in.Groups {
		out := kmsg.NewDeleteGroupsResponseGroup()
		out.Group = id
		if err != nil {
			out.ErrorCode = errorCode(err)
		} else {
			out.ErrorCode = errorCode(errs[i])
		}
		resp.Groups = append(resp.Groups, out)
	}
	return resp, nil
}

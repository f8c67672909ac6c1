package api

// ListGroups: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - Every group of the __consumer_offsets partitions this broker serves
//     (clients ask every broker and merge), sorted by id.
//   - v4 StatesFilter keeps the groups in one of the named states
//     (case-insensitive; KIP-518) and returns each group's state.
//   - COORDINATOR_LOAD_IN_PROGRESS while a partition is still loading, with
//     the groups of the loaded ones.

import (
	"context"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) listGroups(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.ListGroupsRequest)
	resp := kmsg.NewPtrListGroupsResponse()
	resp.Version = rc.version
	g, err := r.groups()
	if err != nil {
		// No coordinator: no groups here (not an error for a listing).
		return resp, nil
	}
	var states []string
	if rc.version >= 4 {
		states = in.StatesFilter
	}
	ls, err := g.ListGroups(ctx, states)
	resp.ErrorCode = errorCode(err)
	slices.SortFunc(ls, func(a, b group.Listing) int { return strings.Compare(a.Group, b.Group) })
	for _, l := range ls {
		out := kmsg.NewListGroupsResponseGroup()
		out.Group, out.ProtocolType, out.GroupState = l.Group, l.ProtocolType, l.State
		resp.Groups = append(resp.Groups, out)
	}
	return resp, nil
}

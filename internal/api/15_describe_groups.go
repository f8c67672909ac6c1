package api

// DescribeGroups: v0-5 advertised, v0-5 served.
//
// Behavior:
//   - Per group: state (Kafka's names), protocol type, members with client
//     id and host (v4+ group.instance.id); the chosen protocol and each
//     member's metadata and assignment only while the group is Stable, as
//     Kafka reports them.
//   - A group that does not exist is answered as state "Dead" without an
//     error, as Kafka does; groups of partitions not served here get
//     NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS.
//   - v3+ AuthorizedOperations is INT32_MIN (not computed) until ACLs exist.

import (
	"context"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) describeGroups(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DescribeGroupsRequest)
	resp := kmsg.NewPtrDescribeGroupsResponse()
	resp.Version = rc.version
	g, err := r.groups()
	var ds []group.Description
	if err == nil {
		ds = g.DescribeGroups(ctx, in.Groups)
	}
	for i, id := range in.Groups {
		out := kmsg.NewDescribeGroupsResponseGroup()
		out.Group = id
		out.AuthorizedOperations = math.MinInt32
		if err != nil {
			out.ErrorCode = errorCode(err)
			resp.Groups = append(resp.Groups, out)
			continue
		}
		d := ds[i]
		out.ErrorCode = errorCode(d.Err)
		out.State, out.ProtocolType, out.Protocol = d.State, d.ProtocolType, d.Protocol
		for _, m := range d.Members {
			om := kmsg.NewDescribeGroupsResponseGroupMember()
			om.MemberID, om.InstanceID, om.ClientID, om.ClientHost = m.MemberID, m.InstanceID, m.ClientID, m.ClientHost
			om.ProtocolMetadata, om.MemberAssignment = nonNil(m.Metadata), nonNil(m.Assignment)
			out.Members = append(out.Members, om)
		}
		resp.Groups = append(resp.Groups, out)
	}
	return resp, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

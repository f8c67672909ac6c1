package api

// CreatePartitions: v0-3 advertised, v0-3 served.
//
// Behavior:
//   - Each topic's new total count goes to the controller: it must exceed
//     the current count (INVALID_PARTITIONS), a manual assignment must name
//     registered brokers (INVALID_REPLICA_ASSIGNMENT); ValidateOnly checks
//     without changing anything. New partitions are committed before the
//     answer, and their logs are created as the image reaches the brokers.
//   - A topic named twice in one request: INVALID_REQUEST.

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/controller"
)

func (r *Router) createPartitions(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.CreatePartitionsRequest)
	resp := kmsg.NewPtrCreatePartitionsResponse()
	resp.Version = rc.version
	ctx, cancel := context.WithTimeout(ctx, timeoutOr(in.TimeoutMillis, 30*time.Second))
	defer cancel()
	seen := countNames(len(in.Topics), func(i int) string { return in.Topics[i].Topic })
	var reqs []controller.CreatePartitions
	var index []int
	for _, t := range in.Topics {
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic = t.Topic
		resp.Topics = append(resp.Topics, rt)
		if seen[t.Topic] > 1 {
			err := fmt.Errorf("%w: topic %q appears more than once", controller.ErrInvalidRequest, t.Topic)
			resp.Topics[len(resp.Topics)-1].ErrorCode, resp.Topics[len(resp.Topics)-1].ErrorMessage = errorCode(err), errorMessage(err)
			continue
		}
		cp := controller.CreatePartitions{Topic: t.Topic, Count: t.Count, ValidateOnly: in.ValidateOnly}
		for _, a := range t.Assignment {
			cp.Assignments = append(cp.Assignments, a.Replicas)
		}
		reqs = append(reqs, cp)
		index = append(index, len(resp.Topics)-1)
	}
	for i, res := range r.deps.Controller.CreatePartitions(ctx, reqs) {
		if res.Err != nil {
			rt := &resp.Topics[index[i]]
			rt.ErrorCode, rt.ErrorMessage = errorCode(res.Err), errorMessage(res.Err)
		}
	}
	return resp, nil
}

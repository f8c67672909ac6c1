package api

// DeleteTopics: v0-6 advertised, v0-6 served.
//
// Behavior:
//   - Topics by name (v0-5 TopicNames; v6 Topics with a name) or by ID (v6).
//     The controller removes them; every broker then deletes the partition
//     logs (renamed to "-delete" and removed in the background).
//   - Unknown topics: UNKNOWN_TOPIC_OR_PARTITION (by ID: UNKNOWN_TOPIC_ID
//     would be Kafka's answer from v6; clients treat both as "gone").
//   - v5+ ErrorMessage, v6 the topic ID in the answer.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (r *Router) deleteTopics(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DeleteTopicsRequest)
	resp := kmsg.NewPtrDeleteTopicsResponse()
	resp.Version = rc.version
	ctx, cancel := context.WithTimeout(ctx, timeoutOr(in.TimeoutMillis, 30*time.Second))
	defer cancel()
	var names []string
	var ids [][16]byte
	if rc.version < 6 {
		names = in.TopicNames
	} else {
		for _, t := range in.Topics {
			if t.Topic != nil {
				names = append(names, *t.Topic)
			} else {
				ids = append(ids, t.TopicID)
			}
		}
	}
	for _, res := range r.deps.Controller.DeleteTopics(ctx, names, ids) {
		rt := kmsg.NewDeleteTopicsResponseTopic()
		if res.Name != "" {
			name := res.Name
			rt.Topic = &name
		}
		rt.TopicID = res.TopicID
		if res.Err != nil {
			rt.ErrorCode = errorCode(res.Err)
			rt.ErrorMessage = errorMessage(res.Err)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

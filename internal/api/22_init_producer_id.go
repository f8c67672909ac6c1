package api

// InitProducerId: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - Without a transactional id (the idempotent producer, on by default in
//     Java >= 3.0 and franz-go): a fresh producer id at epoch 0, as Kafka
//     does, also when a v3+ client passes its old id and epoch (KIP-360):
//     a new id is a valid bump for an idempotent producer.
//   - Producer ids come from blocks this broker reserves from the
//     controller, so ids never repeat, across restarts too.
//   - With a transactional id: INVALID_TXN_STATE until the transaction
//     coordinator exists (a decision: every client surfaces it as a fatal
//     transactional error, where COORDINATOR_NOT_AVAILABLE would make them
//     retry forever).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (r *Router) initProducerID(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.InitProducerIDRequest)
	resp := kmsg.NewPtrInitProducerIDResponse()
	resp.Version = rc.version
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if in.TransactionalID != nil {
		resp.ErrorCode = kerr.InvalidTxnState.Code
		return resp, nil
	}
	id, err := r.pids.take(ctx, r.deps.ProducerIDs, r.deps.NodeID)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return resp, nil
}

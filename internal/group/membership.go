package group

import "fmt"

// sync serves SyncGroup: followers wait for the leader's assignment, which
// is relayed uninterpreted once the group's metadata record is committed.
func (s *shardState) sync(req SyncRequest, reply func(SyncResult)) {
	fail := func(err error) { s.respond(func(error) { reply(SyncResult{Err: err}) }) }
	g := s.groups[req.Group]
	if g == nil {
		fail(ErrUnknownMemberID)
		return
	}
	if g.fenced(req.InstanceID, req.MemberID) {
		fail(ErrFencedInstanceID)
		return
	}
	m := g.members[req.MemberID]
	if m == nil {
		fail(ErrUnknownMemberID)
		return
	}
	if req.Generation != g.generation {
		fail(fmt.Errorf("%w: %d, the group is at %d", ErrIllegalGeneration, req.Generation, g.generation))
		return
	}
	if (req.ProtocolType != nil && *req.ProtocolType != g.protocolType) || (req.Protocol != nil && *req.Protocol != g.protocol) {
		fail(ErrInconsistentProtocol)
		return
	}
	switch g.state {
	case Empty, Dead:
		fail(ErrUnknownMemberID)
	case PreparingRebalance:
		fail(ErrRebalanceInProgress)
	case Stable:
		s.scheduleSession(g, m)
		res := SyncResult{ProtocolType: g.protocolType, Protocol: g.protocol, Assignment: m.assignment}
		s.respond(func(error) { reply(res) })
	case CompletingRebalance:
		if m.syncReply != nil {
			old := m.syncReply
			s.respond(func(error) { old(SyncResult{Err: ErrRebalanceInProgress}) })
		}
		m.syncReply = reply
		s.scheduleSession(g, m)
		if m.id == g.leader {
			s.completeSync(g, req.Assignments)
		}
	}
}

// completeSync stores the leader's assignment (members it left out get an
// empty one), writes the group, moves it to Stable and answers every
// member waiting for its assignment.
func (s *shardState) completeSync(g *group, assignments map[string][]byte) {
	for _, m := range g.members {
		m.assignment = assignments[m.id]
		if m.assignment == nil {
			m.assignment = []byte{}
		}
	}
	if err := s.persist(g); err != nil {
		// Kafka resets the assignment and fails the waiters; the members
		// rejoin.
		for _, m := range g.members {
			m.assignment = nil
		}
		s.failSyncs(g, err)
		s.prepareRebalance(g)
		return
	}
	s.env.Cancel(syncTimerKey(g))
	s.setState(g, Stable)
	for _, m := range g.members {
		if r := m.syncReply; r != nil {
			m.syncReply = nil
			s.scheduleSession(g, m) // a full session from the answer (failSyncs)
			res := SyncResult{ProtocolType: g.protocolType, Protocol: g.protocol, Assignment: m.assignment}
			s.respond(func(err error) {
				if err != nil {
					res = SyncResult{Err: err}
				}
				r(res)
			})
		}
	}
}

// failSyncs answers every member waiting in SyncGroup with err. Each
// answered member's session restarts: it did not have to heartbeat while it
// waited, and it needs a whole session to act on the answer (rejoin),
// instead of a timer that may be about to fire (Kafka restarts the
// heartbeat expiration the same way).
func (s *shardState) failSyncs(g *group, err error) {
	for _, m := range g.members {
		if r := m.syncReply; r != nil {
			m.syncReply = nil
			s.scheduleSession(g, m)
			s.respond(func(error) { r(SyncResult{Err: err}) })
		}
	}
}

// heartbeat serves Heartbeat: it keeps the member's session alive and
// tells it when to rejoin.
func (s *shardState) heartbeat(req HeartbeatRequest, reply func(error)) {
	err := s.heartbeatErr(req)
	s.respond(func(error) { reply(err) })
}

func (s *shardState) heartbeatErr(req HeartbeatRequest) error {
	g := s.groups[req.Group]
	if g == nil {
		return ErrUnknownMemberID
	}
	if g.fenced(req.InstanceID, req.MemberID) {
		return ErrFencedInstanceID
	}
	m := g.members[req.MemberID]
	if m == nil {
		return ErrUnknownMemberID
	}
	if req.Generation != g.generation {
		return fmt.Errorf("%w: %d, the group is at %d", ErrIllegalGeneration, req.Generation, g.generation)
	}
	switch g.state {
	case Empty, Dead:
		return ErrUnknownMemberID
	case PreparingRebalance:
		s.scheduleSession(g, m)
		return ErrRebalanceInProgress
	}
	s.scheduleSession(g, m)
	return nil
}

// leave serves LeaveGroup: each member (or static instance) is removed and
// the group rebalances. The result is one error per member.
func (s *shardState) leave(groupID string, members []LeaveMember, reply func([]error)) {
	errs := make([]error, len(members))
	g := s.groups[groupID]
	for i, lm := range members {
		if g == nil {
			errs[i] = ErrUnknownMemberID
			continue
		}
		id := lm.MemberID
		if lm.InstanceID != nil {
			cur, ok := g.static[*lm.InstanceID]
			switch {
			case !ok:
				errs[i] = ErrUnknownMemberID
				continue
			case id != "" && cur != id:
				errs[i] = ErrFencedInstanceID
				continue
			}
			id = cur
		}
		if g.pending[id] {
			delete(g.pending, id)
			s.env.Cancel(pendingTimerKey(g, id))
			s.afterMembershipChange(g)
			continue
		}
		if g.members[id] == nil {
			errs[i] = ErrUnknownMemberID
			continue
		}
		s.removeMember(g, id, ErrUnknownMemberID)
	}
	s.respond(func(error) { reply(errs) })
}

// removeMember takes a member out (left or expired) and rebalances;
// a join or sync it still waits in is answered with err.
func (s *shardState) removeMember(g *group, id string, err error) {
	m := g.members[id]
	s.env.Cancel(sessionTimerKey(g, id))
	if r := m.joinReply; r != nil {
		m.joinReply = nil
		s.respond(func(error) { r(JoinResult{MemberID: id, Generation: -1, Err: err}) })
	}
	if r := m.syncReply; r != nil {
		m.syncReply = nil
		s.respond(func(error) { r(SyncResult{Err: err}) })
	}
	g.remove(id)
	s.afterMembershipChange(g)
}

// scheduleSession (re)starts a member's session timer. At expiry a member
// still waiting for its join or sync answer is kept (it is alive, the
// coordinator is the one keeping it waiting); otherwise it is removed and
// the group rebalances.
func (s *shardState) scheduleSession(g *group, m *member) {
	id := m.id
	s.env.Schedule(sessionTimerKey(g, id), m.sessionTimeout, func() {
		cur := g.members[id]
		if cur == nil || s.groups[g.id] != g {
			return
		}
		if cur.joinReply != nil || cur.syncReply != nil {
			s.scheduleSession(g, cur)
			return
		}
		s.logger.Info("member session expired", "group", g.id, "member", id)
		s.removeMember(g, id, ErrUnknownMemberID)
	})
}

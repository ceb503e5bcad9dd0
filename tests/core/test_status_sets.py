"""The named sets of statuses agree with the lifecycle they summarise."""

from __future__ import annotations

from core.domain.lifecycle import Mover, allowed_moves
from core.domain.values import ACTIVE_STATUSES, FINISHED_STATUSES, UNRESOLVED_STATUSES, Status


class TestStatusSets:
    def test_active_tickets_are_the_ones_a_customer_may_close(self) -> None:
        closable = {
            status for status in Status if Status.CLOSED in allowed_moves(status, Mover.CUSTOMER)
        }
        assert set(ACTIVE_STATUSES) == closable

    def test_unresolved_tickets_are_the_ones_an_agent_may_resolve(self) -> None:
        resolvable = {
            status for status in Status if Status.RESOLVED in allowed_moves(status, Mover.AGENT)
        }
        assert set(UNRESOLVED_STATUSES) == resolvable

    def test_every_status_is_either_unresolved_or_finished(self) -> None:
        assert set(UNRESOLVED_STATUSES) | set(FINISHED_STATUSES) == set(Status)
        assert not set(UNRESOLVED_STATUSES) & set(FINISHED_STATUSES)

    def test_each_set_lists_its_statuses_in_lifecycle_order(self) -> None:
        order = list(Status)
        for statuses in (ACTIVE_STATUSES, UNRESOLVED_STATUSES, FINISHED_STATUSES):
            assert list(statuses) == sorted(statuses, key=order.index)

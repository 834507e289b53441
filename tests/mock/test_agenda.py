"""The agenda the task registry keeps its running tasks on: items come out once their moment has come."""

from __future__ import annotations

import math

from mockserver.clock import Agenda


def test_items_come_out_once_due_earliest_moment_first():
    agenda: Agenda[str] = Agenda()
    assert not agenda and agenda.next_moment() == math.inf and agenda.take_due(math.inf) == []
    for item, moment in (("c", 3.0), ("a", 1.0), ("never", math.inf), ("b", 2.0), ("first", -math.inf)):
        agenda.add(item, moment)
    assert agenda.next_moment() == -math.inf
    assert agenda.take_due(2.0) == ["first", "a", "b"]
    assert agenda.next_moment() == 3.0 and agenda.take_due(2.5) == []
    assert agenda.take_due(3.0) == ["c"]
    assert agenda and agenda.next_moment() == math.inf  # "never" waits on


def test_items_due_at_one_moment_come_out_in_the_order_they_were_added():
    agenda: Agenda[int] = Agenda()
    for item in range(5):
        agenda.add(item, 10.0)
    agenda.add(-1, 5.0)
    assert agenda.take_due(10.0) == [-1, 0, 1, 2, 3, 4]
    agenda.add(7, 10.0)  # a moment that came and went can be scheduled again
    assert agenda.next_moment() == 10.0 and agenda.take_due(11.0) == [7]
    assert not agenda

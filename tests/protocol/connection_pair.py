"""Two link state machines joined by a lossless fake wire and one fake clock (h11's idea)."""

from __future__ import annotations

from c104test.protocol.link import Event, Link, LinkClosed, LinkParameters, Role


class ConnectionPair:
    """A CONTROLLING ``client`` and a CONTROLLED ``server`` on one wire and one clock.

    Every octet either side queues is delivered by ``deliver``; ``chunk`` cuts it into pieces
    of that many octets first, to exercise reassembly. Events pile up in ``events[link]`` and
    every chunk on the wire is logged in ``wire`` as (sender, octets).
    """

    def __init__(
        self,
        params: LinkParameters | None = None,
        *,
        now: float = 0.0,
        initial_seq: int = 0,
        chunk: int | None = None,
    ) -> None:
        self.now = now
        self.chunk = chunk
        self.client = Link(
            Role.CONTROLLING,
            params,
            now=now,
            initial_send_seq=initial_seq,
            initial_recv_seq=initial_seq,
        )
        self.server = Link(
            Role.CONTROLLED,
            params,
            now=now,
            initial_send_seq=initial_seq,
            initial_recv_seq=initial_seq,
        )
        self.events: dict[Link, list[Event]] = {self.client: [], self.server: []}
        self.wire: list[tuple[Link, bytes]] = []

    def peer(self, link: Link) -> Link:
        return self.server if link is self.client else self.client

    def take_events(self, link: Link) -> list[Event]:
        """The events collected for ``link`` so far; clears them."""
        events = self.events[link]
        self.events[link] = []
        return events

    def deliver(self) -> None:
        """Move queued octets across until both sides are quiet."""
        moved = True
        while moved:
            moved = False
            for sender in (self.client, self.server):
                data = sender.data_to_send()
                if not data:
                    continue
                moved = True
                self.wire.append((sender, data))
                receiver = self.peer(sender)
                step = self.chunk or len(data)
                for start in range(0, len(data), step):
                    self.events[receiver].extend(
                        receiver.receive_data(data[start : start + step], self.now)
                    )

    def advance(self, seconds: float) -> None:
        """Let time pass, firing every timer that falls due, in order, and delivering after each."""
        end = self.now + seconds
        while True:
            self.deliver()
            due = [
                (deadline, index, link)
                for index, link in enumerate((self.client, self.server))
                if (deadline := link.next_deadline()) is not None and deadline <= end
            ]
            if not due:
                break
            deadline, _, link = min(due)
            self.now = max(self.now, deadline)
            self.events[link].extend(link.handle_timeout(self.now))
        self.now = end

    def start(self) -> None:
        """STARTDT act from the client, con from the server."""
        self.client.start_data_transfer(self.now)
        self.deliver()

    def closed(self) -> list[LinkClosed]:
        return [
            event
            for events in self.events.values()
            for event in events
            if isinstance(event, LinkClosed)
        ]

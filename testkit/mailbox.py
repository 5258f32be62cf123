"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests and bench runs."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from testkit.servers import free_port


class _Keep:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class Mailbox:
    """Start with `with Mailbox() as box:`; `box.url` is the MIGRATION_KB_SMTP_URL to give the product."""

    def __init__(self):
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages to `address` once there are `count` of them (a server may send after answering)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(address)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{len(self.to(address))} message(s) to {address} after {timeout} s, wanted {count}")

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

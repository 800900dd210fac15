"""An SMTP sink for the deployment test, run as a process of its own so it can be stopped.

    python tests/deployment/sink.py PORT LOG

Accepts every message on 127.0.0.1:PORT and appends a line per recipient to LOG,
`<Message-ID>\\t<recipient>`, written and flushed before the 250 reply, so that a
message acknowledged to the mail worker is on record even if the sink is stopped
the next moment. SIGTERM shuts it down as a mail server does: it stops accepting
connections, answers 421 to any new message on an open one, lets a message being
transmitted finish (at most 5 s), then exits.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, log_path: str) -> None:
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115  (open for the run)
        self.stopping = False
        self.open: set[int] = set()  # sessions between MAIL FROM and the reply to DATA

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001, ANN201, N802
        if self.stopping:
            return "421 4.3.2 Shutting down, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        self.open.add(id(session))
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        try:
            message = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            for recipient in envelope.rcpt_tos:
                self.log.write(f"{message['Message-ID']}\t{recipient}\n")
            self.log.flush()
            os.fsync(self.log.fileno())
            return "250 2.0.0 OK queued"
        finally:
            self.open.discard(id(session))


async def serve(port: int, log_path: str) -> None:
    recorder = Recorder(log_path)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(recorder, hostname="sink.test"), host="127.0.0.1", port=port
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(f"sink listening on {port}", flush=True)
    await stop.wait()
    recorder.stopping = True
    server.close()
    for _ in range(100):  # a message being transmitted is received and answered (5 s at most)
        if not recorder.open:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # the 250 of the last message goes out
    recorder.log.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))

"""A standards-following SMTP server for tests/it/strict_smtp.rs: aiosmtpd on a free loopback port.

    python3 strict_smtp.py FOLDER

Prints `PORT <n>` once it listens. aiosmtpd itself refuses a line over 998 octets + CRLF
("500 Line too long (see RFC5321 4.5.3.1.6)") and, in strict ASCII mode (no SMTPUTF8), any 8-bit
octet; this handler also refuses a bare LF or bare CR (as Postfix's smtpd_forbid_bare_newline and
Exchange do). Each accepted message is written whole to FOLDER/<n>.eml; each refusal to
FOLDER/<n>.refused with the reply, so the test can say why.
"""

import asyncio
import itertools
import os
import re
import sys

from aiosmtpd.smtp import SMTP

BARE = re.compile(rb"(?<!\r)\n|\r(?!\n)")


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.seq = itertools.count(1)

    def _write(self, name, data):
        tmp = os.path.join(self.folder, "." + name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name))

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        bare = BARE.search(data)
        if bare:
            return "550 5.6.0 bare LF or CR at octet %d (see RFC5321 2.3.8)" % bare.start()
        head = ("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode()
        self._write("%d.eml" % next(self.seq), head + data)
        return "250 OK"


class Strict(SMTP):
    async def push(self, status):
        # Every refusal, aiosmtpd's own (line too long, not ASCII) and the handler's (bare LF).
        if status.startswith("5") and not status.startswith("502"):
            handler = self.event_handler
            handler._write("%d.refused" % next(handler.seq), status.encode())
        await super().push(status)


async def main(folder):
    handler = Keep(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Strict(handler, decode_data=True, enable_SMTPUTF8=False, hostname="strict"),
        "127.0.0.1",
        0,
    )
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

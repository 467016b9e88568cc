"""Keep secrets out of the server's access log.

Event streams opened by ``EventSource`` carry their bearer token as ``?token=`` (a browser
cannot set headers there), and uvicorn logs every request line with its query string. A log
file is read by more people, and kept longer, than the tokens are meant to live, so the
value is replaced before the line is written.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(r"(?i)([?&](?:token|access_token)=)[^&#\s\"]*")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``/x?token=abc&after=3`` → ``/x?token=[redacted]&after=3``."""
    return SECRET_PARAMETER.sub(lambda m: m.group(1) + REDACTED, text)


class RedactTokens(logging.Filter):
    """Rewrite the arguments of an access-log record; the record is always kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install(logger_name: str = "uvicorn.access") -> None:
    """Attach the filter once, however many apps this process creates."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())

"""Where this computer can be reached: its address on the venue's network, and loopback names.

Shared by ``fusen serve`` (which prints the address) and the pages that build join links, so
both always name the same address.
"""

from __future__ import annotations

import ipaddress
import socket


def lan_address() -> str | None:
    """The IPv4 address phones on the same Wi-Fi can reach; no packet is sent to find it.

    Connecting a UDP socket only asks the kernel which interface would route to the address,
    so this is a cheap system call, safe to repeat on every page (the laptop may change
    networks while the server runs).
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing lookup only, never reached
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if is_loopback(address) or address == "0.0.0.0" else address  # noqa: S104


def is_loopback(host: str) -> bool:
    """True for names and addresses only this computer can use: localhost, 127.x, ::1."""
    name = host.strip().lower().strip("[]").rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False

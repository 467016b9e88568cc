"""Fusen: live group workshops with digital sticky notes."""

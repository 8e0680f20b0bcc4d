"""Zips a student can put in their own artifact bucket, written byte by byte (PKWARE's APPNOTE.TXT:
local file header, central directory, end of central directory record), so each field says what
the student wants it to say: a CRC that is wrong, the encryption flag, compression method 99, a
name that is not UTF-8 in an entry flagged UTF-8, a size that is not what the data inflates to.

Used by the grading tests and by benchmarks/hostile_source.py.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

STORED, DEFLATED = 0, 8
ENCRYPTED, UTF8_NAME = 0x1, 0x800  # general purpose flag bits 0 and 11


@dataclass(frozen=True)
class Entry:
    name: bytes
    data: bytes  # as stored in the zip (compressed already, for DEFLATED)
    method: int = STORED
    flags: int = 0
    crc: int | None = None  # None: the CRC of `inflated`
    size: int | None = None  # the uncompressed size declared; None: len(inflated)
    inflated: bytes | None = None  # what `data` inflates to, if not `data` itself


def deflated(data: bytes) -> bytes:
    """A raw deflate stream, as zip stores it (no zlib header)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def deflated_zeros(count: int, chunk: int = 2**24) -> bytes:
    """`count` zero bytes deflated, without holding them all at once."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block, parts = bytes(chunk), []
    for start in range(0, count, chunk):
        parts.append(packer.compress(block[:min(chunk, count - start)]))
    return b"".join(parts) + packer.flush()


def text(name: str, content: str) -> Entry:
    """An honest entry: a UTF-8 name, its content deflated."""
    data = content.encode()
    return Entry(name.encode(), deflated(data), DEFLATED, UTF8_NAME, inflated=data)


def archive(entries: list[Entry]) -> bytes:
    """The zip: each entry's local header and data, the central directory, its end record."""
    local, central = bytearray(), bytearray()
    for entry in entries:
        plain = entry.inflated if entry.inflated is not None else entry.data
        crc = zlib.crc32(plain) if entry.crc is None else entry.crc
        size = len(plain) if entry.size is None else entry.size
        fields = (entry.flags, entry.method, 0, 0x21, crc, len(entry.data), size, len(entry.name))
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *fields, 0) + entry.name + entry.data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0,
                               0o100644 << 16, offset) + entry.name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                      len(local), 0)
    return bytes(local + central + end)


def directory_bomb(count: int) -> bytes:
    """One empty file and `count` central directory records naming it under other names: 55 bytes
    an entry, so a 49 MiB zip lists about 934,000 of them (zipfile reads every record on open)."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, STORED, 0, 0x21, 0, 0, 0, 1, 0) + b"f"
    records = b"".join(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, STORED, 0, 0x21, 0, 0, 0,
                                   9, 0, 0, 0, 0, 0o100644 << 16, 0) + b"%09x" % n for n in range(count))
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), len(records),
                      len(local), 0)
    return local + records + end

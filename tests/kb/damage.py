"""The damage the seed suffered, to apply to any text: UTF-8 bytes decoded as a Windows code page (the
bytes it leaves undefined are dropped) and saved again."""

from __future__ import annotations


def damage(text: str, codepage: str = "cp1252", drop_soft_hyphens: bool = False) -> str:
    out = []
    for byte in text.encode("utf-8"):
        try:
            char = bytes([byte]).decode(codepage)
        except UnicodeDecodeError:
            continue  # undefined in that code page: lost
        if drop_soft_hyphens and char == "\u00ad":
            continue
        out.append(char)
    return "".join(out)

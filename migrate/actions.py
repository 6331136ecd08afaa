"""What a person must do about a note: the groups of the markdown summary's to-do list.

Each `error`/`warning` note code belongs to one group, named by the action it asks for. A
code not listed here lands in the last group ("Review"); a test checks that every code a
rule or source module can raise as an error or warning is listed, so a new code needs a
decision here.
"""

from __future__ import annotations

# (key, heading, codes), in the order a reviewer should work through them.
GROUPS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("files", "Fix what fw-migrate could not read", frozenset({"FW901"})),
    ("keys", "Revoke exposed keys and put the Fireworks key in the environment",
     frozenset({"FW103", "FW108", "FW203", "FW706", "FW716", "FW720", "FW730", "FW740", "FW750", "FW902", "FW903"})),
    ("unsupported", "Keep or rebuild what Fireworks does not serve",
     frozenset({"FW303", "FW305", "FW601", "FW602", "FW603", "FW604", "FW605", "FW606", "FW607", "FW608",
                "FW609", "FW610", "FW707", "FW712", "FW723", "FW726", "FW909"})),
    ("models", "Choose a Fireworks model",
     frozenset({"FW302", "FW306", "FW310", "FW631", "FW702", "FW703", "FW711", "FW735", "FW745", "FW752",
                "FW908", "FW911"})),
    ("reembed", "Re-embed stored vectors", frozenset({"FW304"})),
    ("clients", "Point these clients at Fireworks yourself",
     frozenset({"FW101", "FW104", "FW109", "FW201", "FW205", "FW704", "FW714", "FW721", "FW731", "FW741",
                "FW751", "FW761", "FW772", "FW906"})),
    ("requests", "Fix requests Fireworks rejects",
     frozenset({"FW501", "FW502", "FW503", "FW504", "FW506", "FW511", "FW512", "FW513", "FW621", "FW625",
                "FW632", "FW724", "FW725", "FW734"})),
    ("behaviour", "Check code that behaves differently on Fireworks",
     frozenset({"FW402", "FW404", "FW406", "FW407", "FW522", "FW622", "FW623", "FW624", "FW633", "FW634",
                "FW635", "FW641", "FW770", "FW771"})),
    ("review", "Review", frozenset()),
)

_BY_CODE = {code: key for key, _, codes in GROUPS for code in codes}
HEADINGS = {key: heading for key, heading, _ in GROUPS}
ORDER = {key: index for index, (key, _, _) in enumerate(GROUPS)}


def group_of(code: str) -> str:
    """The group key of a note code ("review" when the table does not list it)."""
    return _BY_CODE.get(code, "review")


# Phrases by which a note says that fw-migrate saw something and did not rewrite it.
LEFT_ALONE = ("left as is", "not moved", "not rewritten", "not added", "left alone")


def left_alone(message: str) -> bool:
    return any(phrase in message for phrase in LEFT_ALONE)

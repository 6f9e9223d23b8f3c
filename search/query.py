"""The query language of `jiyi search`, small on purpose: words, quoted groups, -exclusions, OR.

    长征 会议            both words (each may be Chinese, traditional or simplified, or pinyin)
    "Long March"        a quoted group is one term: all its words, anywhere in the record
    长征 -遵义           长征 but not 遵义
    遵义 OR 泸定桥        either

Chinese needs no spaces: 长征会议 is cut into its words, and each must occur.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jiyi.errors import JiyiError

_PIECE = re.compile(r'-?"[^"]*"|\S+')


@dataclass
class ParsedQuery:
    """All of `required` (each a list of alternatives joined by OR), none of `excluded`."""

    required: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.required and not self.excluded

    def terms(self) -> list[str]:
        return [term for alternatives in self.required for term in alternatives]


def syntax_error(message: str) -> JiyiError:
    return JiyiError("E702", f"query syntax: {message}",
                     'write words separated by spaces; "…" groups words, -word excludes, a OR b accepts either')


def parse_query(text: str) -> ParsedQuery:
    if text.count('"') % 2:
        raise syntax_error("a quotation mark is not closed")
    pieces = _PIECE.findall(text.replace("\u3000", " "))
    parsed = ParsedQuery()
    joining = False  # the previous piece was OR: this one is an alternative of the last required term
    for position, piece in enumerate(pieces):
        if piece == "OR":
            if not parsed.required or joining or position == len(pieces) - 1:
                raise syntax_error("OR needs a term on each side")
            joining = True
            continue
        negative = piece.startswith("-") and len(piece) > 1
        term = (piece[1:] if negative else piece).strip('"').strip()
        if piece == "-":
            raise syntax_error("- needs a word right after it, e.g. -遵义")
        if not term:
            continue  # an empty pair of quotes asks for nothing
        if negative:
            if joining:
                raise syntax_error("an excluded -word cannot be one side of OR")
            parsed.excluded.append(term)
        elif joining:
            parsed.required[-1].append(term)
        else:
            parsed.required.append([term])
        joining = False
    if parsed.excluded and not parsed.required:
        raise syntax_error("only excluded words: say what to look for as well, e.g. 长征 -遵义")
    return parsed

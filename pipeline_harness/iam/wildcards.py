"""IAM's two wildcards, * and ?, as the policy evaluators match them: actions, resource ARNs,
condition values. A pattern is a list of tokens (character, whether a wildcard there may take a
colon), so each element's rule about colons is stated where its tokens are made."""

from __future__ import annotations

Tokens = list[tuple[str, bool]]


def literal(pattern: str) -> Tokens:
    """Wildcards that match any character, colons included (actions, StringLike values)."""
    return [(ch, True) for ch in pattern]


def arn_segments(pattern: str, star_ending_a_segment_crosses: bool) -> Tokens:
    """In the first five colon-separated segments a wildcard stays inside its segment; in the
    resource part after the fifth colon (an ARN's sixth component) it matches colons too.

    IAM's Resource element lets a * ending a segment "expand to match beyond the colon boundaries"
    (`star_ending_a_segment_crosses`); its ARN condition operators check "each of the six
    colon-delimited components of the ARN separately" (not)."""
    tokens: Tokens = []
    colons = 0
    for i, ch in enumerate(pattern):
        ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
        tokens.append((ch, colons >= 5 or (star_ending_a_segment_crosses and ch == "*" and ends_segment)))
        colons += ch == ":"
    return tokens


def glob(tokens: Tokens, text: str) -> bool:
    """Match text against pattern tokens.

    Runs the pattern as a set of positions, one pass over the text, so crafted patterns stay linear
    (a backtracking regex is exponential on "*a*a*a…b"); only * and ? are special, unlike fnmatch."""
    states = _past_stars(tokens, {0})
    for ch in text:
        step = set()
        for i in states:
            if i == len(tokens):
                continue
            token, crosses = tokens[i]
            fits = crosses or ch != ":"
            if token == "*" and fits:
                step.add(i)
            elif (token == "?" and fits) or token == ch:
                step.add(i + 1)
        states = _past_stars(tokens, step)
        if not states:
            return False
    return len(tokens) in states


def _past_stars(tokens: Tokens, states: set[int]) -> set[int]:
    """The positions plus those reached by letting a * match nothing."""
    out = set()
    for i in states:
        out.add(i)
        while i < len(tokens) and tokens[i][0] == "*":
            i += 1
            out.add(i)
    return out

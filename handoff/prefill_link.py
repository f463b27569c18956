"""The shape of a 2nd-report link's value, one source for the service that makes and redeems it
(`handoff.second_report`) and the assistant's channels that pass it on (`prefill` metadata)."""

import re

FRAGMENT = "asb-prefill"  # the link is ASSISTANT_URL#asb-prefill=<id>.<signature>
LINK = re.compile(r"([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})")  # the id and its signature

"""The public edge: the project's own Rasa input channels (see credentials.yml).

- `RestInput` (assistant/channels/rest.py): POST /webhooks/rest/webhook, what the widget uses.
- `SocketIOInput` (assistant/channels/socket_io.py): socket.io at /socket.io, for rasa-webchat.

Both check every message before Rasa sees it (assistant/channels/messages.py) and apply the rate
limits of the deployment file's `limits` section (assistant/channels/rates.py).
"""

from assistant.channels.rest import RestInput
from assistant.channels.socket_io import SocketIOInput

__all__ = ["RestInput", "SocketIOInput"]

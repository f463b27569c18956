"""The deployment file: what a council or police force sets (areas, lead agency, policy,
procedure timescales, contacts, support services, languages, delivery, widget origins).

Loaded and validated once at start-up by every process (action server, handoff service, widget
server); a mistake stops start-up with one clear line naming the key.
"""

from deployment.config import (
    Area,
    Deployment,
    DeploymentError,
    load_deployment,
)

__all__ = ["Area", "Deployment", "DeploymentError", "load_deployment"]

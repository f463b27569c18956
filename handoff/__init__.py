"""The handoff service: receives completed applications from the assistant, stores them with a
transactional outbox, delivers them to the lead agency (signed webhook, email), and gives
caseworkers an inbox and the statutory figures. See docs/handoff.md."""

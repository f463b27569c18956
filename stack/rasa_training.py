"""`rasa train` with the stack's changes for training: `python -m stack.rasa_training train ...`.

stack/model.py trains through this. The changes make training quicker and leave the trained
model as Rasa's own training makes it (tests/stack/test_rasa_training.py):

- stack/quick_fingerprint.py: the training cache's fingerprints of messages, training data and
  trackers, each in one pass.
- stack/quick_features.py: each message's sparse features joined at once before DIET trains.
"""

from __future__ import annotations

from stack import quick_features, quick_fingerprint, rasa_patches

CHANGES = (quick_fingerprint, quick_features)


def install() -> None:
    """Make the changes, only on the Rasa version they were written against."""
    rasa_patches.require_rasa_version("stack.rasa_training", "Message.fingerprint")
    for change in CHANGES:
        change.install()


def main() -> None:
    rasa_patches.run_rasa(install)


if __name__ == "__main__":
    main()

"""The dialogue engine: Rasa decides what to say and what should happen; the
application does it. See docs/dialogue-contract.md."""

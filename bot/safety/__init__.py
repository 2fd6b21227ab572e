"""Risk screening of every incoming message."""

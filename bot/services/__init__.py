"""Domain services: what the service does, with no knowledge of Telegram.

Each service takes the Database and works in its own short transactions, so a
handler never holds a database session across a network call.
"""

"""peerbot: a group-session facilitation chatbot for mental-health peer support.

The bot facilitates; people support. Every conversation has a route to a human
peer support worker.
"""

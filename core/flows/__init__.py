"""Conversations: where a multi-step private chat stands, as typed values, and their stored form.

``states`` holds the flows and one frozen class per flow; ``codec`` turns them into the
flow, step and JSON data of a conversation row and back.
"""

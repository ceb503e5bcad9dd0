"""Notices: what the desk tells people, as typed values, and their stored JSON form.

``kinds`` holds one frozen class per kind of notice (``NoticeBody`` is their union);
``codec`` turns them into the JSON object of an outbox row and back.
"""

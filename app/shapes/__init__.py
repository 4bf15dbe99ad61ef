"""Shapes: how domain objects look on the wire, below every service.

One serialiser per shape lives here (users, chats, messages, market), so no service imports
another service to borrow a shape and no import has to hide inside a function. Modules here
import models, the database session and the pure state machine (app/services/workflow.py),
never a service that writes; the pydantic `*Out` schemas in app/schemas describe their dicts.
"""

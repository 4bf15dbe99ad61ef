"""Shapes: how domain objects look on the wire, below every service.

One serialiser per shape lives here, so no service imports another service to borrow a
shape and no import has to hide inside a function. Modules here import models only.
"""

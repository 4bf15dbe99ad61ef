"""Masterchat's load tester: N authenticated Socket.IO clients in rooms, end-to-end delivery measured.

Run `python -m loadtest --help`; docs/PERFORMANCE.md explains the numbers it prints.
"""

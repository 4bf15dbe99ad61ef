"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise one .eml file per mail in MAIL_OUTBOX."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from app.extensions import socketio

log = logging.getLogger("masterchat.mail")


def build_message(to: str, subject: str, text: str, language: str | None = None) -> EmailMessage:
    """A plain-text mail from MAIL_FROM (with Content-Language when its language is known)."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="masterchat.local")
    msg.set_content(text)
    if language:
        msg["Content-Language"] = language  # after set_content, which drops every Content-* header
    return msg


def deliver(msg: EmailMessage, config: dict) -> None:
    """Send over SMTP, or write to the outbox; errors are logged, never raised to the caller."""
    try:
        if config.get("MAIL_SERVER"):
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
                smtp.send_message(msg)
            log.info("mail sent to %s: %s", msg["To"], msg["Subject"])
        else:
            outbox = Path(config["MAIL_OUTBOX"])
            outbox.mkdir(parents=True, exist_ok=True)
            path = outbox / f"{uuid.uuid4().hex}.eml"
            # Written aside and renamed: whoever reads the outbox never sees half a mail.
            partial = path.with_suffix(".part")
            partial.write_bytes(bytes(msg))
            partial.replace(path)
            log.info("mail to %s written to %s (no MAIL_SERVER set)", msg["To"], path)
    except Exception:
        log.exception("could not deliver mail to %s", msg["To"])


def send_mail(to: str, subject: str, text: str, language: str | None = None) -> None:
    """Send a mail in a background task, so the caller never waits on SMTP."""
    msg = build_message(to, subject, text, language)
    config = {k: current_app.config[k] for k in current_app.config if k.startswith("MAIL_")}
    socketio.start_background_task(deliver, msg, config)


def deliver_now(to: str, subject: str, text: str, language: str | None = None) -> None:
    """Build and deliver a mail in the calling task (for callers already in a background task)."""
    msg = build_message(to, subject, text, language)
    deliver(msg, {k: current_app.config[k] for k in current_app.config if k.startswith("MAIL_")})
